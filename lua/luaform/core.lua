-- luaform.core: values shared by the whole library.
--
-- Marked tables: list{} and map{} say what an empty table is; intrinsic
-- objects ({Ref = ...}, {["Fn::Sub"] = ...}) remember the line that wrote
-- them so a dangling reference is blamed on that line.

local host = ...   -- C functions from the host: where(), fail()

local M = {}

local LIST = { __luaform = "list" }
local MAP = { __luaform = "map" }
local INTRINSIC = { __luaform = "map" }
M.LIST, M.MAP, M.INTRINSIC = LIST, MAP, INTRINSIC

-- Where an object was written: { file, line } of the description's frame.
local origin = setmetatable({}, { __mode = "k" })

M.where = host.where

-- Raise an error blamed on the description line that called into us.
function M.fail(fmt, ...)
  host.fail(string.format(fmt, ...))
end

-- Raise an error blamed on a recorded location.
function M.fail_at(loc, fmt, ...)
  host.fail_at(loc and loc.file or "?", loc and loc.line or 0,
               string.format(fmt, ...))
end

function M.list(t)
  t = t or {}
  if type(t) ~= "table" then M.fail("list{} expects a table, got %s", type(t)) end
  return setmetatable(t, LIST)
end

function M.map(t)
  t = t or {}
  if type(t) ~= "table" then M.fail("map{} expects a table, got %s", type(t)) end
  return setmetatable(t, MAP)
end

function M.is_list(t)
  if type(t) ~= "table" then return false end
  local mt = getmetatable(t)
  if mt == LIST then return true end
  if mt ~= nil then return false end
  local n = #t
  if n == 0 then return false end
  for k in next, t do
    if math.type(k) ~= "integer" or k < 1 or k > n then return false end
  end
  return true
end

-- An intrinsic function object: a one-key map remembered with its origin.
function M.intrinsic(key, value, loc)
  local o = setmetatable({ [key] = value }, INTRINSIC)
  origin[o] = loc or host.where()
  return o
end

function M.is_intrinsic(v)
  return type(v) == "table" and getmetatable(v) == INTRINSIC
end

function M.origin(o)
  return origin[o]
end

-- Read-only config views and the tables behind them (see luaform.config).
M.frozen = setmetatable({}, { __mode = "k" })

-- Copy a list argument: accepts one value or a list of values.
function M.aslist(v)
  if v == nil then return M.list{} end
  v = M.frozen[v] or v
  -- a list, or a plain empty table, is a list; anything else is one value
  if type(v) ~= "table" or not (M.is_list(v) or (getmetatable(v) == nil and next(v) == nil)) then
    return M.list{ v }
  end
  local out = {}
  for i = 1, #v do out[i] = v[i] end
  return M.list(out)
end

-- Check a table argument's keys against an allow-list.
-- The first unknown key in sorted order is named, so the message never
-- depends on hash order.
function M.check_keys(what, t, allowed)
  local bad
  for k in next, t do
    if type(k) ~= "string" then
      M.fail("%s: keys must be strings, got a %s", what, type(k))
    elseif not allowed[k] and (bad == nil or k < bad) then
      bad = k
    end
  end
  if bad ~= nil then
    local names = {}
    for a in pairs(allowed) do names[#names + 1] = a end
    table.sort(names)
    M.fail("%s: unknown key '%s' (expected one of: %s)", what, bad, table.concat(names, ", "))
  end
end

-- A read-only view of the rendered template tpl (plain tables): what a
-- check gets. Writing to it is an error.
function M.view(tpl)
  local cache = {}
  local function wrap(_, x)
    if type(x) ~= "table" then return x end
    local c = cache[x]
    if c == nil then c = M.view(x); cache[x] = c end
    return c
  end
  local v = setmetatable({}, {
    __index = function(_, k) return wrap(k, tpl[k]) end,
    __newindex = function() M.fail("the rendered template is read-only") end,
    __len = function() return #tpl end,
    __pairs = function()
      return function(_, k)
        local nk, nv = next(tpl, k)
        return nk, wrap(nk, nv)
      end, nil, nil
    end,
    __metatable = false,
  })
  M.frozen[v] = tpl
  return v
end

-- The invariant being checked (luaform.init sets it; policy.fail reads it).
M.current_invariant = nil

function M.set(list)
  local s = {}
  for _, v in ipairs(list) do s[v] = true end
  return s
end

return M
