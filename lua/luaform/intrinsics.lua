-- luaform.intrinsics: CloudFormation intrinsic functions and pseudo
-- parameters. Each call remembers its line; names are checked when the
-- description has finished (see luaform.template), so forward references
-- work and a dangling one is blamed on the line that wrote it.

local core = require("luaform.core")
local intrinsic, fail = core.intrinsic, core.fail

local M = {}

-- Anything that stands for a logical name: a string or a handle returned by
-- resource/parameter/condition/mapping.
local function logical_name(v, what)
  if type(v) == "string" then return v end
  if type(v) == "table" and rawget(v, "__logical") then return v.__logical end
  fail("%s expects a logical name or a handle, got %s", what, type(v))
end
M.logical_name = logical_name

function M.Ref(name)
  return intrinsic("Ref", logical_name(name, "Ref"))
end

function M.GetAtt(name, attr)
  local n = logical_name(name, "GetAtt")
  if attr == nil and type(name) == "string" then
    n, attr = name:match("^([^.]+)%.(.+)$")
    if not n then fail("GetAtt expects 'Resource.Attribute' or (resource, attribute)") end
  end
  if type(attr) ~= "string" and not core.is_intrinsic(attr) then
    fail("GetAtt: attribute must be a string")
  end
  return intrinsic("Fn::GetAtt", core.list{ n, attr })
end

function M.Sub(str, vars)
  if type(str) ~= "string" then fail("Sub expects a string, got %s", type(str)) end
  if vars == nil then return intrinsic("Fn::Sub", str) end
  if type(vars) ~= "table" then fail("Sub: variables must be a table") end
  return intrinsic("Fn::Sub", core.list{ str, core.map(vars) })
end

function M.Join(sep, parts)
  if type(sep) ~= "string" then fail("Join: separator must be a string") end
  if type(parts) ~= "table" then fail("Join: parts must be a list") end
  return intrinsic("Fn::Join", core.list{ sep, core.aslist(parts) })
end

function M.If(cond, a, b)
  return intrinsic("Fn::If", core.list{ logical_name(cond, "If"), a, b })
end

function M.Select(i, list)
  if math.type(i) ~= "integer" and not core.is_intrinsic(i) then
    fail("Select: index must be an integer")
  end
  return intrinsic("Fn::Select", core.list{ i, list })
end

function M.Split(sep, str)
  if type(sep) ~= "string" then fail("Split: separator must be a string") end
  return intrinsic("Fn::Split", core.list{ sep, str })
end

function M.ImportValue(name)
  return intrinsic("Fn::ImportValue", name)
end

function M.FindInMap(map, k1, k2)
  return intrinsic("Fn::FindInMap", core.list{ logical_name(map, "FindInMap"), k1, k2 })
end

function M.Base64(v) return intrinsic("Fn::Base64", v) end
function M.GetAZs(region) return intrinsic("Fn::GetAZs", region or "") end
function M.Cidr(block, count, bits)
  return intrinsic("Fn::Cidr", core.list{ block, count, bits })
end

-- Condition functions.
local function cond_list(fname, args, min, max)
  if #args < min or #args > max then
    fail("%s takes %d to %d conditions, got %d", fname, min, max, #args)
  end
  local l = {}
  for i, c in ipairs(args) do
    if type(c) == "string" or (type(c) == "table" and rawget(c, "__logical")) then
      l[i] = intrinsic("Condition", logical_name(c, fname))
    else
      l[i] = c
    end
  end
  return core.list(l)
end

function M.Equals(a, b) return intrinsic("Fn::Equals", core.list{ a, b }) end
function M.Not(c) return intrinsic("Fn::Not", cond_list("Not", { c }, 1, 1)) end
function M.And(...) return intrinsic("Fn::And", cond_list("And", { ... }, 2, 10)) end
function M.Or(...) return intrinsic("Fn::Or", cond_list("Or", { ... }, 2, 10)) end

-- Pseudo parameters: AWS.Region is { Ref = "AWS::Region" }.
local PSEUDO = core.set{ "AccountId", "NotificationARNs", "NoValue", "Partition",
                         "Region", "StackId", "StackName", "URLSuffix" }
M.PSEUDO = PSEUDO
M.AWS = setmetatable({}, {
  __index = function(_, k)
    if not PSEUDO[k] then fail("AWS.%s is not a pseudo parameter", tostring(k)) end
    return intrinsic("Ref", "AWS::" .. k)
  end,
  __newindex = function() fail("AWS is read-only") end,
})

return M
