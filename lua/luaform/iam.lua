-- luaform.iam: IAM policy documents, statements and trust policies.
--
--   iam.policy{ iam.allow{ actions = {...}, resources = {...} }, ... }
--   iam.trust{ iam.allow{ principal = { Service = "lambda.amazonaws.com" },
--                         actions = "sts:AssumeRole" } }
--   iam.service_trust("lambda.amazonaws.com")

local core = require("luaform.core")
local fail = core.fail

local M = {}

local STATEMENT_KEYS = core.set{ "sid", "actions", "not_actions", "resources",
  "not_resources", "principal", "not_principal", "condition" }

local function check_action(a)
  if type(a) == "string" then
    if a ~= "*" and not a:match("^[%w-]+:[%w*?]+$") then
      fail("'%s' is not an IAM action (service:Action)", a)
    end
  elseif not core.is_intrinsic(a) then
    fail("an IAM action must be a string, got %s", type(a))
  end
  return a
end

local function statement(effect, s)
  if type(s) ~= "table" then fail("iam.%s expects a table", effect:lower()) end
  core.check_keys("iam." .. effect:lower(), s, STATEMENT_KEYS)
  if (s.actions == nil) == (s.not_actions == nil) then
    fail("iam.%s needs exactly one of actions, not_actions", effect:lower())
  end
  local st = { Effect = effect }
  if s.sid ~= nil then
    if type(s.sid) ~= "string" or not s.sid:match("^[%w]+$") then
      fail("iam statement sid must be letters and digits")
    end
    st.Sid = s.sid
  end
  local function actions(v)
    local l = core.aslist(v)
    if #l == 0 then fail("iam.%s: empty action list", effect:lower()) end
    for _, a in ipairs(l) do check_action(a) end
    return l
  end
  if s.actions then st.Action = actions(s.actions) end
  if s.not_actions then st.NotAction = actions(s.not_actions) end
  if s.resources ~= nil then st.Resource = core.aslist(s.resources) end
  if s.not_resources ~= nil then st.NotResource = core.aslist(s.not_resources) end
  if s.principal ~= nil then st.Principal = s.principal end
  if s.not_principal ~= nil then st.NotPrincipal = s.not_principal end
  if s.condition ~= nil then st.Condition = s.condition end
  return st
end

function M.allow(s) return statement("Allow", s) end
function M.deny(s) return statement("Deny", s) end

-- A policy document from statements.
function M.policy(statements)
  if type(statements) ~= "table" or #statements == 0 then
    fail("iam.policy expects a non-empty list of statements")
  end
  local l = {}
  for i, st in ipairs(statements) do
    if type(st) ~= "table" or st.Effect == nil then
      fail("iam.policy: entry %d is not a statement (use iam.allow or iam.deny)", i)
    end
    l[i] = st
  end
  return { Version = "2012-10-17", Statement = core.list(l) }
end

-- A trust (assume-role) policy: statements must name a principal.
function M.trust(statements)
  local doc = M.policy(statements)
  for i, st in ipairs(doc.Statement) do
    if st.Principal == nil then fail("iam.trust: statement %d has no principal", i) end
  end
  return doc
end

-- Trust for an AWS service, e.g. "lambda.amazonaws.com".
function M.service_trust(service)
  if type(service) ~= "string" or not service:match("^[%w.-]+%.amazonaws%.com$") then
    fail("iam.service_trust expects a service principal like 'lambda.amazonaws.com'")
  end
  return M.trust{ M.allow{ principal = { Service = service }, actions = "sts:AssumeRole" } }
end

return M
