-- luaform.config: check a stack's configuration against its schema.
--
-- A schema maps each key to { type = ..., default = ..., doc = ... }.
-- Types: string, integer, number, boolean, list (of strings), map (with
-- `fields`, a nested schema). A `pattern` (Lua pattern) constrains strings
-- (`allow_empty` lets "" through it besides),
-- `min`/`max` numbers, `values` a closed set. Values come from the YAML
-- config (with a line for every key) and from -p KEY=VALUE overrides.

local core = require("luaform.core")

local M = {}

local TYPES = core.set{ "string", "integer", "number", "boolean", "list", "map" }

local function where(src, path)
  if src.kind == "override" then return { file = "-p", line = 0 } end
  local m = src.meta[path]
  return { file = src.file, line = m and m.line or 0 }
end

local function describe(v)
  if type(v) == "table" then return core.is_list(v) and "a list" or "a map" end
  if math.type(v) == "integer" then return "an integer" end
  if type(v) == "number" then return "a number" end
  if type(v) == "boolean" then return "a boolean" end
  return "'" .. tostring(v) .. "'"
end

-- Coerce and check one value; returns the value to keep.
local function check(spec, v, src, path)
  local loc = where(src, path)
  local t = spec.type
  local m = src.kind == "file" and src.meta[path] or nil
  if src.kind == "override" and t ~= "string" and type(v) == "string" then
    if t == "boolean" then
      if v == "true" then v = true elseif v == "false" then v = false end
    elseif t == "integer" or t == "number" then
      v = math.tointeger(tonumber(v)) or tonumber(v) or v
    elseif t == "list" then
      local l = {}
      for item in v:gmatch("[^,]+") do l[#l + 1] = item end
      v = core.list(l)
    end
  end
  -- A plain YAML scalar such as 012345678901 is kept as written for a string.
  if t == "string" and type(v) ~= "string" and m and m.plain and m.raw then v = m.raw end
  if t == "string" then
    if type(v) ~= "string" then core.fail_at(loc, "%s: expected a string, got %s", path, describe(v)) end
    if spec.pattern and not (spec.allow_empty and v == "") and not v:match(spec.pattern) then
      core.fail_at(loc, "%s: '%s' is not valid (%s)", path, v, spec.pattern_doc or spec.pattern)
    end
    for _, f in ipairs(spec.forbid or {}) do
      if v:match(f) then
        core.fail_at(loc, "%s: '%s' is not allowed (%s)", path, v, spec.pattern_doc or f)
      end
    end
  elseif t == "integer" then
    if math.type(v) ~= "integer" then core.fail_at(loc, "%s: expected an integer, got %s", path, describe(v)) end
  elseif t == "number" then
    if type(v) ~= "number" then core.fail_at(loc, "%s: expected a number, got %s", path, describe(v)) end
    if v ~= v or v == math.huge or v == -math.huge then
      core.fail_at(loc, "%s: number out of range", path)
    end
  elseif t == "boolean" then
    if type(v) ~= "boolean" then core.fail_at(loc, "%s: expected true or false, got %s", path, describe(v)) end
  elseif t == "list" then
    if type(v) ~= "table" or (next(v) ~= nil and not core.is_list(v)) then
      core.fail_at(loc, "%s: expected a list, got %s", path, describe(v))
    end
    for i, item in ipairs(v) do
      if type(item) ~= "string" then
        core.fail_at(where(src, path .. "." .. i), "%s[%d]: expected a string, got %s", path, i, describe(item))
      end
      if spec.pattern and not item:match(spec.pattern) then
        core.fail_at(where(src, path .. "." .. i), "%s[%d]: '%s' is not valid (%s)", path, i, item,
                     spec.pattern_doc or spec.pattern)
      end
    end
  end
  if (t == "integer" or t == "number") then
    if spec.min and v < spec.min then core.fail_at(loc, "%s: %s is below the minimum %s", path, v, spec.min) end
    if spec.max and v > spec.max then core.fail_at(loc, "%s: %s is above the maximum %s", path, v, spec.max) end
  end
  if spec.values then
    local ok = false
    for _, a in ipairs(spec.values) do if a == v then ok = true end end
    if not ok then
      core.fail_at(loc, "%s: '%s' is not one of: %s", path, tostring(v), table.concat(spec.values, ", "))
    end
  end
  return v
end

local function lookup(schema, path)
  local spec, sch = nil, schema
  for part in path:gmatch("[^.]+") do
    if not sch then return nil end
    spec = sch[part]
    if not spec then return nil end
    sch = spec.fields
  end
  return spec
end

-- The keys of a map of strings, sorted: the first error is always the same
-- (cheaper than the sorted pairs of descriptions).
local function sorted_keys(t)
  local l = {}
  for k in next, t do l[#l + 1] = k end
  table.sort(l)
  return l
end

local function known(schema)
  return table.concat(sorted_keys(schema), ", ")
end

-- Merge a YAML map into out (already holding defaults), checking keys.
local function merge_file(schema, values, out, src, prefix)
  if type(values) ~= "table" or (next(values) ~= nil and core.is_list(values)) then
    core.fail_at(where(src, prefix == "" and "" or prefix:sub(1, -2)),
                 "%s: expected a map", prefix == "" and "the config" or prefix:sub(1, -2))
  end
  for _, k in ipairs(sorted_keys(values)) do
    local v = values[k]
    local path = prefix .. k
    local spec = schema[k]
    if not spec then
      core.fail_at(where(src, path), "unknown config key '%s' (known: %s)", path, known(schema))
    end
    if spec.type == "map" then
      out[k] = out[k] or {}
      merge_file(spec.fields, v, out[k], src, path .. ".")
    else
      out[k] = check(spec, v, src, path)
    end
  end
end

local SPEC_KEYS = core.set{ "type", "default", "doc", "required", "pattern", "pattern_doc",
  "allow_empty", "forbid", "min", "max", "values", "fields", "check" }

-- A manifest's schema, checked before it is used: its mistakes are the
-- manifest's, blamed on it, not a confusing error in the library.
function M.check_schema(schema, file, prefix)
  prefix = prefix or ""
  local loc = { file = file or "?", line = 0 }
  if type(schema) ~= "table" then
    core.fail_at(loc, "config schema%s: expected a map of keys to specs, got a %s",
                 prefix == "" and "" or " '" .. prefix:sub(1, -2) .. "'", type(schema))
  end
  for k, spec in next, schema do
    local function bad(fmt, ...)
      core.fail_at(loc, "config schema: key '%s%s': " .. fmt, prefix, tostring(k), ...)
    end
    if type(k) ~= "string" or k == "" or k:find(".", 1, true) then
      bad("keys must be non-empty strings without '.'")
    end
    if prefix == "" and k == "system" then
      bad("the name is taken: a config's 'system' says which system it is for")
    end
    if type(spec) ~= "table" then bad("expected a spec table, got a %s", type(spec)) end
    for sk in next, spec do
      if not SPEC_KEYS[sk] then bad("unknown field '%s'", tostring(sk)) end
    end
    if not TYPES[spec.type] then bad("type must be one of string, integer, number, boolean, list, map") end
    if spec.type == "map" then M.check_schema(spec.fields, file, prefix .. k .. ".") end
    if spec.check ~= nil and type(spec.check) ~= "function" then
      bad("check must be a function(value, config) returning nil or what is wrong")
    end
    if (spec.pattern ~= nil and type(spec.pattern) ~= "string") or
       (spec.pattern_doc ~= nil and type(spec.pattern_doc) ~= "string") or
       (spec.doc ~= nil and type(spec.doc) ~= "string") then
      bad("pattern, pattern_doc and doc must be strings")
    end
  end
end

-- Every key a config may set, dotted ("bucket.name"), sorted: what the
-- host needs to tell which system a -p KEY=VALUE is for.
function M.keys(schema)
  local out = {}
  local function walk(sch, prefix)
    for _, k in ipairs(sorted_keys(sch)) do
      if sch[k].type == "map" then walk(sch[k].fields, prefix .. k .. ".")
      else out[#out + 1] = prefix .. k end
    end
  end
  walk(schema, "")
  return core.list(out)
end

local function defaults(schema)
  local out = {}
  for k, spec in next, schema do
    if spec.type == "map" then out[k] = defaults(spec.fields)
    elseif spec.default ~= nil then out[k] = spec.default end
  end
  return out
end

local function check_required(schema, out, src, prefix)
  for _, k in ipairs(sorted_keys(schema)) do
    local spec = schema[k]
    if spec.type == "map" then check_required(spec.fields, out[k], src, prefix .. k .. ".")
    elseif out[k] == nil and spec.required then
      if src.file then
        core.fail_at({ file = src.file, line = 0 }, "required config key '%s%s' is missing", prefix, k)
      end
      core.fail_at({ file = "?", line = 0 }, "required config key '%s%s' is missing (no config "
                   .. "file: give one with -c FILE, or -p %s%s=VALUE)", prefix, k, prefix, k)
    end
  end
end

-- A read-only view: reading an unknown key is an error at the reading line.
-- Maps and lists alike; the metatable is hidden, so the values cannot be
-- reached around it.
local function freeze(t, prefix)
  local list = core.is_list(t) or getmetatable(t) == core.LIST
  for k, v in next, t do
    if type(v) == "table" then t[k] = freeze(v, prefix .. k .. ".") end
  end
  local view = setmetatable({}, {
    __index = function(_, k)
      local v = t[k]
      if v == nil and not list then core.fail("config has no key '%s%s'", prefix, tostring(k)) end
      return v
    end,
    __newindex = function() core.fail("config is read-only") end,
    __len = function() return #t end,
    __pairs = function() return next, t, nil end,
    __luaform_config = t,
    __metatable = false,
  })
  core.frozen[view] = t
  return view
end

-- Each spec's check(value, config), once every value is known (a check may
-- compare keys: a certificate's region with the config's region). What it
-- returns is an error at the line that set the value (the file's, or -p).
local function run_checks(schema, out, whole, origin, file, prefix)
  for _, k in ipairs(sorted_keys(schema)) do
    local spec, path = schema[k], prefix .. k
    if spec.type == "map" then
      run_checks(spec.fields, out[k] or {}, whole, origin, file, path .. ".")
    elseif spec.check and out[k] ~= nil then
      local why = spec.check(out[k], whole)
      if why ~= nil then
        core.fail_at(origin[path] or { file = file or "?", line = 0 }, "%s: %s", path, tostring(why))
      end
    end
  end
end

-- schema: table or nil (no schema: take values as they are).
-- file/values/meta: the YAML config (values may be nil).
-- overrides: list of { key = "a.b", value = "text" }.
function M.load(schema, file, values, meta, overrides)
  local out
  if schema then
    local origin = {}
    out = defaults(schema)
    if values ~= nil then
      local src = { kind = "file", file = file, meta = meta or {} }
      merge_file(schema, values, out, src, "")
      for path in next, meta or {} do origin[path] = where(src, path) end
    end
    for _, o in ipairs(overrides or {}) do
      origin[o.key] = where({ kind = "override" }, o.key)
      local spec = lookup(schema, o.key)
      local src = { kind = "override" }
      if not spec or spec.type == "map" then
        core.fail_at(where(src, o.key), "unknown config key '%s'", o.key)
      end
      local parent, last = out, nil
      for part in o.key:gmatch("[^.]+") do
        if last then parent = parent[last] end
        last = part
      end
      parent[last] = check(spec, o.value, src, o.key)
    end
    check_required(schema, out, { file = file }, "")
    run_checks(schema, out, out, origin, file, "")
  else
    out = values or {}
    for _, o in ipairs(overrides or {}) do out[o.key] = o.value end
  end
  return freeze(out, "")
end

return M
