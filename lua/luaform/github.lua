-- luaform.github: trust for GitHub Actions' OIDC tokens.
--
--   github.trust{ provider = arn, subjects = { github.sub.branch("org/repo", "main") } }
--
-- The audience is always pinned with StringEquals to sts.amazonaws.com.
-- Subjects without a wildcard use StringEquals; a wildcard ('*' or '?') is
-- only allowed through StringLike, so the template shows it was meant.

local core = require("luaform.core")
local fail = core.fail

local M = {}

M.ISSUER = "token.actions.githubusercontent.com"
M.URL = "https://" .. M.ISSUER
M.AUDIENCE = "sts.amazonaws.com"

local function repo(r)
  if type(r) ~= "string" or not r:match("^[%w_.-]+/[%w_.-]+$") then
    fail("'%s' is not a GitHub repository (owner/name)", tostring(r))
  end
  return r
end

local function part(what, v)
  if type(v) ~= "string" or v == "" or v:find("[%s:*?]") then
    fail("GitHub %s '%s' must be a non-empty string without spaces, ':' or wildcards",
         what, tostring(v))
  end
  return v
end

-- The account's GitHub OIDC provider, as a trust names it: the ARN of an
-- existing one (an account holds one per URL, so systems share it), or a
-- new GitHubOidcProvider resource (resource: the description's).
function M.provider(resource, existing)
  if existing ~= nil and existing ~= "" then return existing end
  return resource "GitHubOidcProvider" {
    Type = "AWS::IAM::OIDCProvider",
    Properties = { Url = M.URL, ClientIdList = { M.AUDIENCE } },
  }:ref()
end

M.sub = {
  -- any workflow of the repository (a wildcard: reviewed as such)
  repo = function(r) return "repo:" .. repo(r) .. ":*" end,
  branch = function(r, b) return "repo:" .. repo(r) .. ":ref:refs/heads/" .. part("branch", b) end,
  tag = function(r, t) return "repo:" .. repo(r) .. ":ref:refs/tags/" .. part("tag", t) end,
  environment = function(r, e) return "repo:" .. repo(r) .. ":environment:" .. part("environment", e) end,
  pull_request = function(r) return "repo:" .. repo(r) .. ":pull_request" end,
}

-- Check a subject written by hand (e.g. from config).
function M.check_sub(s)
  if type(s) ~= "string" or not s:match("^repo:[%w_.-]+/[%w_.-]+:.+$") then
    fail("'%s' is not a GitHub OIDC subject (repo:owner/name:...)", tostring(s))
  end
  return s
end

function M.trust(t)
  if type(t) ~= "table" then fail("github.trust expects a table") end
  core.check_keys("github.trust", t, core.set{ "provider", "subjects" })
  if t.provider == nil then fail("github.trust: provider (the OIDC provider ARN) is required") end
  local subs = core.aslist(t.subjects)
  if #subs == 0 then fail("github.trust: at least one subject is required") end
  local exact, like = {}, {}
  for _, s in ipairs(subs) do
    M.check_sub(s)
    if s:find("[*?]") then like[#like + 1] = s else exact[#exact + 1] = s end
  end
  local cond = { StringEquals = { [M.ISSUER .. ":aud"] = M.AUDIENCE } }
  local function one_or_list(l) if #l == 1 then return l[1] end return core.list(l) end
  if #exact > 0 then cond.StringEquals[M.ISSUER .. ":sub"] = one_or_list(exact) end
  if #like > 0 then cond.StringLike = { [M.ISSUER .. ":sub"] = one_or_list(like) } end
  if #exact > 0 and #like > 0 then
    fail("github.trust: mix of exact and wildcard subjects; use two roles or only wildcards")
  end
  local iam = require("luaform.iam")
  return iam.trust{ iam.allow{
    principal = { Federated = t.provider },
    actions = "sts:AssumeRoleWithWebIdentity",
    condition = cond,
  } }
end

return M
