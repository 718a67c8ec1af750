-- luaform.manifest: the fields of a system manifest (system.lua) beyond
-- its config schema, checked when the manifest is read, so that a mistake
-- is the manifest's, blamed on it, before any command uses it.
--
-- deploy_workflow (optional): the system's GitHub Actions deploy.yml
-- (`luaform workflows SYSTEM --deploy`). Without it the system has none.
--   stacks       the stacks the workflow deploys, in order (names of the
--                manifest's stacks; a stack an admin deploys by hand, such
--                as a bootstrap stack, is left out)
--   role_secret  the GitHub secret holding the role luaform assumes
--   secrets      config key -> the GitHub secret its value comes from; each
--                secret reaches the step as an environment variable of its
--                own name and luaform as -p KEY="$SECRET"
--   branch       (optional) the config key naming the branch whose pushes
--                deploy (the branch the deploy role trusts); without it,
--                the workflows.branches setting. Its schema default is
--                added as branch_default, for a config that does not set it.

local core = require("luaform.core")

local M = {}

local FIELDS = core.set{ "stacks", "role_secret", "secrets", "branch" }

-- Environment variables the runner, the shell or luaform read: a secret
-- of that name would change what the deploy step does, not only pass a
-- value. (AWS_REGION is the one AWS_ name allowed: it is the region.)
local RESERVED_PREFIX = { "GITHUB_", "RUNNER_", "ACTIONS_", "AWS_", "LD_", "BASH_" }
local RESERVED = core.set{ "ROLE_ARN", "PATH", "HOME", "SHELL", "IFS", "ENV", "PS4", "CI" }

-- Why v is not a GitHub secret name (nil when it is one).
local function bad_secret(v)
  if type(v) ~= "string" or not v:match("^[A-Z_][A-Z0-9_]*$") then
    return "expected a secret name of A-Z, 0-9 and '_', not starting with a digit, got " ..
           (type(v) == "string" and "'" .. v .. "'" or "a " .. type(v))
  end
  if v:sub(1, 7) == "GITHUB_" then
    return "'" .. v .. "': GitHub keeps secret names starting with GITHUB_ for itself"
  end
end

-- Why secret v cannot be the name of the deploy step's variable.
local function bad_variable(v)
  if RESERVED[v] then
    return "'" .. v .. "' is a variable the runner, the shell or the deploy step uses"
  end
  if v == "AWS_REGION" then return nil end
  for _, p in ipairs(RESERVED_PREFIX) do
    if v:sub(1, #p) == p then
      return "'" .. v .. "' would reach the deploy step as a variable named " .. p ..
             "..., which the runner, the shell or luaform reads"
    end
  end
end

-- The spec of dotted key in schema, or nil.
local function spec_of(schema, key)
  local spec, fields = nil, schema
  for part in key:gmatch("[^.]+") do
    spec = type(fields) == "table" and fields[part] or nil
    fields = type(spec) == "table" and spec.fields or nil
  end
  return spec
end

-- Check m.deploy_workflow (m: the manifest, its config_keys already
-- computed; schema: its config schema) and raise an error blamed on file
-- at the first mistake.
function M.check_deploy_workflow(m, file, schema)
  local d = m.deploy_workflow
  if d == nil then return end
  local loc = { file = file or "?", line = 0 }
  local function bad(path, fmt, ...)
    core.fail_at(loc, "deploy_workflow%s: " .. fmt, path, ...)
  end
  if type(d) ~= "table" then bad("", "expected a table, got a %s", type(d)) end
  for k in next, d do
    if not FIELDS[k] then
      bad("", "unknown field '%s' (known: branch, role_secret, secrets, stacks)", tostring(k))
    end
  end
  local keys = {}
  for _, k in ipairs(m.config_keys or {}) do keys[k] = true end
  local stacks = {}
  for _, st in ipairs(type(m.stacks) == "table" and m.stacks or {}) do
    if type(st) == "table" and type(st.name) == "string" then stacks[st.name] = true end
  end

  if type(d.stacks) ~= "table" or #d.stacks == 0 then
    bad(".stacks", "expected a list of the stacks the workflow deploys")
  end
  for i, name in next, d.stacks do
    if math.type(i) ~= "integer" or i < 1 or i > #d.stacks then
      bad(".stacks", "expected a list, got a key '%s'", tostring(i))
    end
    if not stacks[name] then
      bad(".stacks[" .. i .. "]", "'%s' is not a stack of this system", tostring(name))
    end
  end

  local why = bad_secret(d.role_secret)
  if why then bad(".role_secret", "%s", why) end

  if type(d.secrets) ~= "table" or next(d.secrets) == nil then
    bad(".secrets", "expected a map of config keys to the secrets their values come from")
  end
  for k, v in next, d.secrets do
    if type(k) ~= "string" or not keys[k] then
      bad(".secrets", "'%s' is not a key of the system's config", tostring(k))
    end
    why = bad_secret(v) or bad_variable(v)
    if why then bad(".secrets." .. k, "%s", why) end
  end

  if d.branch ~= nil and (type(d.branch) ~= "string" or not keys[d.branch]) then
    bad(".branch", "expected the config key naming the branch that deploys, got %s",
        type(d.branch) == "string" and "'" .. d.branch .. "'" or "a " .. type(d.branch))
  end
  if d.branch ~= nil then
    local spec = spec_of(schema, d.branch)
    if spec.type ~= "string" then bad(".branch", "'%s' is not a string key", d.branch) end
    d.branch_default = spec.default
  end
end

return M
