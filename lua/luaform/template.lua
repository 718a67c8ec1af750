-- luaform.template: the template a description builds.
--
-- A description runs in an environment made by M.new(); its functions add
-- parameters, conditions, mappings, resources and outputs. M.finish()
-- checks every reference and returns the template as plain tables, plus
-- the line each section entry was written on.

local core = require("luaform.core")
local fn = require("luaform.intrinsics")

local fail, fail_at = core.fail, core.fail_at

local M = {}

local RESOURCE_KEYS = core.set{ "Type", "Properties", "DependsOn", "Condition",
  "DeletionPolicy", "UpdateReplacePolicy", "Metadata", "CreationPolicy", "UpdatePolicy" }
local POLICIES = core.set{ "Delete", "Retain", "RetainExceptOnCreate", "Snapshot" }
local PARAMETER_KEYS = core.set{ "Type", "Description", "Default", "AllowedValues",
  "AllowedPattern", "ConstraintDescription", "MaxLength", "MinLength", "MaxValue",
  "MinValue", "NoEcho" }
local OUTPUT_KEYS = core.set{ "Value", "Description", "Export", "Condition" }

local HANDLE = {}
HANDLE.__index = HANDLE

-- Handles stand for a logical name; inside a template a bare handle is a Ref.
function HANDLE:ref() return fn.Ref(self.__logical) end
function HANDLE:get(attr) return fn.GetAtt(self.__logical, attr) end
function HANDLE:arn() return fn.GetAtt(self.__logical, "Arn") end
function HANDLE:find(k1, k2) return fn.FindInMap(self.__logical, k1, k2) end
HANDLE.__tostring = function(h) return h.__logical end

local function is_handle(v)
  return type(v) == "table" and getmetatable(v) == HANDLE
end

local function check_name(kind, name)
  if type(name) ~= "string" then fail("%s name must be a string, got %s", kind, type(name)) end
  if not name:match("^[A-Za-z0-9]+$") or #name > 255 then
    fail("%s name '%s' must be 1-255 letters and digits", kind, name)
  end
end

function M.new(stack)
  local t = {
    stack = stack,
    description = nil,
    metadata = nil,
    names = {},        -- logical name -> kind
    order = {},        -- kind -> list of names in declaration order
    body = {},         -- kind -> name -> definition
    loc = {},          -- "Kind.Name" -> { file, line }
    invariants = {},   -- { name, check, loc } in declaration order
  }
  for _, k in ipairs{ "Parameters", "Mappings", "Conditions", "Resources", "Outputs" } do
    t.order[k], t.body[k] = {}, {}
  end
  return setmetatable(t, { __index = M })
end

function M:declare(kind, name, def)
  check_name(kind:sub(1, -2):lower(), name)
  if self.body[kind][name] ~= nil or (kind ~= "Outputs" and self.names[name]) then
    fail("%s '%s' is already defined", kind:sub(1, -2):lower(), name)
  end
  if kind ~= "Outputs" then self.names[name] = kind end
  self.body[kind][name] = def
  table.insert(self.order[kind], name)
  self.loc[kind .. "." .. name] = core.where()
  return setmetatable({ __logical = name, __kind = kind }, HANDLE)
end

local function curried(kind, check)
  return function(self, name)
    return function(def)
      if type(def) ~= "table" then fail("%s '%s' expects a table", kind, tostring(name)) end
      if check then check(name, def) end
      return self:declare(kind, name, def)
    end
  end
end

M.resource = curried("Resources", function(name, def)
  core.check_keys("resource '" .. tostring(name) .. "'", def, RESOURCE_KEYS)
  if type(def.Type) ~= "string" or not (def.Type:match("^%w+::%w+::[%w:]+$")
      or def.Type:match("^Custom::[%w_@-]+$")) then
    fail("resource '%s': Type must be like 'AWS::S3::Bucket'", tostring(name))
  end
  for _, p in ipairs{ "DeletionPolicy", "UpdateReplacePolicy" } do
    if def[p] ~= nil and not POLICIES[def[p]] then
      fail("resource '%s': %s must be Delete, Retain, RetainExceptOnCreate or Snapshot",
           tostring(name), p)
    end
  end
end)

M.parameter = curried("Parameters", function(name, def)
  core.check_keys("parameter '" .. tostring(name) .. "'", def, PARAMETER_KEYS)
  if type(def.Type) ~= "string" then
    fail("parameter '%s': Type is required", tostring(name))
  end
end)

M.mapping = curried("Mappings")

M.output = curried("Outputs", function(name, def)
  core.check_keys("output '" .. tostring(name) .. "'", def, OUTPUT_KEYS)
  if def.Value == nil then fail("output '%s': Value is required", tostring(name)) end
end)

function M:condition(name)
  return function(expr)
    if not core.is_intrinsic(expr) then
      fail("condition '%s' expects a condition function (Equals, And, Or, Not)", tostring(name))
    end
    return self:declare("Conditions", name, expr)
  end
end

-- An invariant: check(t) runs on the final rendered template and reports
-- a broken one through luaform.policy (policy.fail, policy.check).
function M:invariant(name, check)
  if type(name) ~= "string" or not name:match("%S") or #name > 200 then
    fail("invariant expects a name (1-200 characters) and a check function")
  end
  if type(check) ~= "function" then
    fail("invariant '%s' expects a check function, got %s", name, type(check))
  end
  for _, inv in ipairs(self.invariants) do
    if inv.name == name then fail("invariant '%s' is already declared", name) end
  end
  table.insert(self.invariants, { name = name, check = check, loc = core.where() })
end

-- The environment a description runs in.
function M:env(config)
  local t = self
  local env = {
    description = function(s)
      if type(s) ~= "string" then fail("description expects a string") end
      if #s > 1024 then fail("description is longer than 1024 bytes") end
      t.description = s
    end,
    metadata = function(m) t.metadata = m; t.loc.Metadata = core.where() end,
    deploy = function(d) t:set_deploy(d) end,
    resource = function(n) return t:resource(n) end,
    parameter = function(n) return t:parameter(n) end,
    mapping = function(n) return t:mapping(n) end,
    condition = function(n) return t:condition(n) end,
    output = function(n) return t:output(n) end,
    invariant = function(name, check) t:invariant(name, check) end,
    list = core.list,
    map = core.map,
    config = config,
    stack = t.stack,
    AWS = fn.AWS,
  }
  for _, k in ipairs{ "Ref", "GetAtt", "Sub", "Join", "If", "Select", "Split",
                      "ImportValue", "FindInMap", "Base64", "GetAZs", "Cidr",
                      "Equals", "Not", "And", "Or" } do
    env[k] = fn[k]
  end
  env.iam = require("luaform.iam")
  env.github = require("luaform.github")
  return env
end

-- How the stack is deployed: not part of the template, read by `luaform
-- deploy` (stack name, service role, tags, parameters, protection).
local DEPLOY_KEYS = core.set{ "stack_name", "role_arn", "tags", "parameters",
  "termination_protection", "s3_bucket", "account", "region" }

-- Each string setting: its Lua pattern and what the pattern means. A value
-- of the wrong type is an error, never ignored: `account = 999999999999`
-- must not turn the account check off, nor `role_arn = 5` drop the
-- service role.
local DEPLOY_STRINGS = {
  { "stack_name", "^[A-Za-z][A-Za-z0-9-]*$", 128,
    "a letter then letters, digits and '-', at most 128" },
  { "role_arn", "^arn:aws[%w-]*:iam::%d%d%d%d%d%d%d%d%d%d%d%d:role/[%w+=,.@_/-]+$", 2048,
    "an IAM role ARN (arn:aws:iam::123456789012:role/NAME)" },
  { "s3_bucket", "^[a-z0-9][a-z0-9.-]*[a-z0-9]$", 63, "an S3 bucket name" },
  { "account", "^%d%d%d%d%d%d%d%d%d%d%d%d$", 12, "a string of 12 digits" },
  { "region", "^[a-z][a-z]%-[a-z%-]+%-%d+$", 32, "an AWS region such as us-east-1" },
}

local function check_string_map(k, m, max_entries, max_key, max_value)
  if type(m) ~= "table" then fail("deploy: %s must be a map of strings", k) end
  local n = 0
  for kk, v in pairs(m) do
    if type(kk) ~= "string" or type(v) ~= "string" then
      fail("deploy: %s must be a map of strings", k)
    end
    if #kk == 0 or #kk > max_key then fail("deploy: %s: key '%s' must be 1-%d characters", k, kk, max_key) end
    if #v > max_value then fail("deploy: %s: value of '%s' is longer than %d", k, kk, max_value) end
    n = n + 1
  end
  if n > max_entries then fail("deploy: %s: at most %d, got %d", k, max_entries, n) end
  return core.map(m)
end

function M:set_deploy(d)
  if type(d) ~= "table" then fail("deploy expects a table") end
  core.check_keys("deploy", d, DEPLOY_KEYS)
  for _, spec in ipairs(DEPLOY_STRINGS) do
    local k, v = spec[1], d[spec[1]]
    if v ~= nil and (type(v) ~= "string" or #v > spec[3] or not v:match(spec[2])) then
      fail("deploy: %s must be %s, got %s", k, spec[4],
           type(v) == "string" and "'" .. v .. "'" or "a " .. type(v))
    end
  end
  if d.termination_protection ~= nil and type(d.termination_protection) ~= "boolean" then
    fail("deploy: termination_protection must be true or false, got a %s", type(d.termination_protection))
  end
  -- CloudFormation's limits: 50 tags of 128/256 characters; 200 parameters
  if d.tags ~= nil then d.tags = check_string_map("tags", d.tags, 50, 128, 256) end
  if d.parameters ~= nil then d.parameters = check_string_map("parameters", d.parameters, 200, 255, 4096) end
  self.deploy = d
end

---------------------------------------------------------------- checking

local SUB_VAR = "%${([^}]*)}"

function M:check_ref(loc, name)
  if fn.PSEUDO[name:match("^AWS::(.+)$") or ""] then return end
  local kind = self.names[name]
  if kind ~= "Resources" and kind ~= "Parameters" then
    fail_at(loc, "Ref to '%s', which is not a parameter or resource", name)
  end
end

function M:check_getatt(loc, name)
  if self.names[name] ~= "Resources" then
    fail_at(loc, "GetAtt on '%s', which is not a resource", name)
  end
end

function M:check_sub(loc, str, vars)
  for var in str:gmatch(SUB_VAR) do
    if var:sub(1, 1) ~= "!" then
      local res = var:match("^([^.]+)%.") or var
      if not (vars and vars[var] ~= nil) and not fn.PSEUDO[var:match("^AWS::(.+)$") or ""] then
        local kind = self.names[res]
        if var ~= res and kind ~= "Resources" then
          fail_at(loc, "Sub: '${%s}' names no resource", var)
        elseif var == res and kind ~= "Resources" and kind ~= "Parameters" then
          fail_at(loc, "Sub: '${%s}' names no parameter, resource or variable", var)
        end
      end
    end
  end
end

function M:check_condition(loc, name)
  if self.names[name] ~= "Conditions" then
    fail_at(loc, "'%s' is not a condition", tostring(name))
  end
end

-- Walk a value: check intrinsics, turn handles into Refs, copy into plain
-- tables (keeping list/map marks). Returns the new value.
function M:resolve(v, depth)
  depth = (depth or 0) + 1
  if depth > 64 then
    fail_at(self.cur_loc, "value nested more than 64 levels deep (a table that contains itself?)")
  end
  if type(v) ~= "table" then return v end
  v = core.frozen[v] or v       -- a read-only config view: its table
  if is_handle(v) then
    if v.__kind ~= "Resources" and v.__kind ~= "Parameters" then
      fail_at(self.cur_loc, "a %s handle cannot be used as a value", v.__kind:sub(1, -2):lower())
    end
    return fn.Ref(v.__logical)
  end
  local mt = getmetatable(v)
  if mt ~= nil and mt ~= core.LIST and mt ~= core.MAP and mt ~= core.INTRINSIC then
    fail_at(self.cur_loc, "a table with a metatable of its own cannot be rendered: "
            .. "use a plain table, list{} or map{}")
  end
  -- intrinsics: made by Ref(), GetAtt(), ... or written by hand as tables
  local k, arg = next(v)
  if k ~= nil and next(v, k) == nil and (core.is_intrinsic(v) or getmetatable(v) == nil) then
    local loc = core.origin(v) or self.cur_loc
    if k == "Ref" and type(arg) == "string" then self:check_ref(loc, arg)
    elseif k == "Fn::GetAtt" and type(arg) == "table" and type(arg[1]) == "string" then
      self:check_getatt(loc, arg[1])
    elseif k == "Fn::Sub" then
      if type(arg) == "string" then self:check_sub(loc, arg)
      elseif type(arg) == "table" and type(arg[1]) == "string" then self:check_sub(loc, arg[1], arg[2]) end
    elseif (k == "Fn::If" and type(arg) == "table" and type(arg[1]) == "string") or
           (k == "Condition" and type(arg) == "string") then
      self:check_condition(loc, k == "Condition" and arg or arg[1])
    elseif k == "Fn::FindInMap" and type(arg) == "table" and self.names[arg[1]] ~= "Mappings" then
      fail_at(loc, "FindInMap on '%s', which is not a mapping", tostring(arg[1]))
    end
  end
  local out = {}
  for k, x in next, v do
    if type(x) == "table" then x = self:resolve(x, depth)
    elseif depth >= 64 then self:resolve(x, depth) end   -- fails: too deep
    out[k] = x
  end
  return setmetatable(out, mt)
end

-- Finish: check references and return template, locations.
function M:finish()
  local tpl = { AWSTemplateFormatVersion = "2010-09-09" }
  if self.description then tpl.Description = self.description end
  if self.metadata then
    self.cur_loc = self.loc.Metadata
    tpl.Metadata = self:resolve(self.metadata)
  end
  if #self.order.Resources == 0 then
    fail("the stack defines no resource (CloudFormation needs at least one)")
  end
  for _, kind in ipairs{ "Parameters", "Mappings", "Conditions", "Resources", "Outputs" } do
    local names = self.order[kind]
    if #names > 0 then
      local sec = {}
      for _, n in ipairs(names) do
        local def = {}
        for k, x in next, self.body[kind][n] do def[k] = x end
        local loc = self.loc[kind .. "." .. n]
        self.cur_loc = loc
        if kind == "Resources" then
          if def.DependsOn ~= nil then
            local l = {}
            for i, d in ipairs(core.aslist(def.DependsOn)) do
              local dn = fn.logical_name(d, "DependsOn")
              if self.names[dn] ~= "Resources" then
                fail_at(loc, "resource '%s' DependsOn '%s', which is not a resource", n, dn)
              end
              l[i] = dn
            end
            def.DependsOn = core.list(l)
          end
          if def.Condition ~= nil then
            local cn = fn.logical_name(def.Condition, "Condition")
            if self.names[cn] ~= "Conditions" then
              fail_at(loc, "resource '%s': '%s' is not a condition", n, cn)
            end
            def.Condition = cn
          end
        elseif kind == "Outputs" and def.Condition ~= nil then
          local cn = fn.logical_name(def.Condition, "Condition")
          if self.names[cn] ~= "Conditions" then
            fail_at(loc, "output '%s': '%s' is not a condition", n, cn)
          end
          def.Condition = cn
        end
        if kind == "Outputs" and type(def.Export) == "string" then
          def.Export = { Name = def.Export }
        end
        sec[n] = self:resolve(def)
      end
      tpl[kind] = sec
    end
  end
  return tpl, self.loc, self.deploy or core.map{}
end

return M
