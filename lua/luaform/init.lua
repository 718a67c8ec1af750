-- luaform: the entry point the host calls to render one stack.

local host = ...
local core = require("luaform.core")
local template = require("luaform.template")
local config = require("luaform.config")

local M = {}

-- The read-only globals every description and manifest sees behind its
-- own: the library's, without `next` (hash order differs between runs;
-- `pairs` is sorted) and `rawset` (it gets past read-only tables), with a
-- `require` that keeps the library's internals out of reach.
local public = host.public

local policy   -- luaform.policy, loaded when first used

local function description_env(t, cfg)
  local env = t:env(cfg)
  return setmetatable(env, {
    __index = function(_, k)
      if k == "policy" then
        policy = policy or require("luaform.policy")
        return policy
      end
      local v = public[k]
      if v == nil then core.fail("undefined global '%s'", tostring(k)) end
      return v
    end,
  })
end

-- Run a system manifest (system.lua) and return its table.
function M.manifest(chunk, name)
  host.setenv(chunk, setmetatable({}, { __index = public }))
  local m = chunk()
  if type(m) ~= "table" then
    core.fail_at({ file = name or "?", line = 0 }, "a system manifest must return a table")
  end
  return m
end

-- opts: stack, manifest (chunk or nil), manifest_name, check_schema (false
-- when lh_manifest has checked it), config_file, values, meta, overrides
function M.render(desc, opts)
  local schema = nil
  local system = nil
  if opts.manifest then
    system = M.manifest(opts.manifest, opts.manifest_name)
    schema = system.config
    if schema ~= nil and opts.check_schema then config.check_schema(schema, opts.manifest_name) end
  end
  local cfg = config.load(schema, opts.config_file, opts.values, opts.meta, opts.overrides)
  local t = template.new({ name = opts.stack, system = system and system.name or nil })
  host.setenv(desc, description_env(t, cfg))
  desc()
  M.invariants = t.invariants
  return t:finish()
end

-- Check the invariants the description declared against tpl (the final
-- rendered template, or one given for review): a broken one raises at the
-- line that declared it. Returns { name, file, line } for each.
-- A check may also return false, PATH, WHY.
function M.check_invariants(tpl)
  local view = core.view(tpl)
  local out = {}
  for i, inv in ipairs(M.invariants or {}) do
    core.current_invariant = inv
    local ok, path, why = inv.check(view)
    core.current_invariant = nil
    if ok == false then
      core.fail_at(inv.loc, "invariant '%s' broken: %s: %s", inv.name, tostring(path or "?"),
                   tostring(why or "the check returned false"))
    end
    out[i] = { name = inv.name, file = inv.loc.file, line = inv.loc.line }
  end
  return out
end

return M
