-- luaform.policy: queries over a rendered template for invariants.
--
--   invariant("role A only puts artifacts", policy.only{
--     role = "ArtifactReceiverRole", actions = "s3:PutObject",
--     resources = Sub("arn:${AWS::Partition}:s3:::bucket/releases/*") })
--   invariant("role B holds no IAM write", function(t)
--     policy.role(t, "DeploymentRole"):never(policy.IAM_WRITE)
--   end)
--
-- A check gets t, a read-only view of the final rendered template, and
-- reports a broken invariant with policy.fail(stmt_or_path, why), which
-- names the statement's template path. Statements (STMT) are as the
-- review's policy model has them: { path, policy, sid, effect, action,
-- not_action, resource, not_resource, principal, not_principal,
-- condition }, every value a list of readable strings ("${X.Arn}" for a
-- GetAtt, the text of a Sub, ...). For matching, an ARN the template
-- itself defines (a bucket, role or managed policy with a literal name)
-- reads as that ARN, so Sub("arn:...:role/NAME") and role:arn() agree.

local core = require("luaform.core")

local M = {}

---------------------------------------------------------------- reporting

local function path_of(s)
  if type(s) == "table" then return s.path or "?" end
  return tostring(s)
end

-- Report the invariant being checked as broken at statement (or path) s.
function M.fail(s, why, ...)
  local inv = core.current_invariant
  if inv == nil then core.fail("policy.fail is for invariant checks") end
  if select("#", ...) > 0 then why = string.format(why, ...) end
  core.fail_at(inv.loc, "invariant '%s' broken: %s: %s", inv.name, path_of(s), why)
end

-- Fail unless cond holds.
function M.check(cond, s, why, ...)
  if not cond then M.fail(s, why, ...) end
  return cond
end

---------------------------------------------------------------- patterns

-- IAM wildcards: '*' any run of characters, '?' one. Actions compare
-- without regard to case, resources and condition values with it.

-- Most pairs differ before their first wildcard (another service, another
-- bucket): each test compares those literal prefixes first, and only
-- walks the patterns (memoised) when they agree.
local lowered = {}
local function lower(s)
  local r = lowered[s]
  if r == nil then r = s:lower(); lowered[s] = r end
  return r
end

-- Where s's first wildcard is (false: none), remembered per string.
local wildpos = {}
local function wild(s)
  local w = wildpos[s]
  if w == nil then
    local star, q = s:find("*", 1, true), s:find("?", 1, true)
    w = star or q or false
    if star and q and q < star then w = q end
    wildpos[s] = w
  end
  return w
end

-- s without its final '*' when that is its only wildcard (most patterns:
-- "iam:Put*", "bucket/releases/*"), else false; remembered per string.
local trailing = {}
local function trail(s)
  local t = trailing[s]
  if t == nil then
    local w = wild(s)
    t = w == #s and s:sub(-1) == "*" and s:sub(1, -2) or false
    trailing[s] = t
  end
  return t
end

-- (A plain find, not s:sub(): no new string.)
local function starts(s, prefix)
  return s:find(prefix, 1, true) == 1
end

-- Do p and q differ in the first n characters?
local function differ(p, q, n)
  return n > 0 and p:sub(1, n) ~= q:sub(1, n)
end

-- Walk positions i of p and j of q from (1, 1), memoised: step(go, i, j)
-- decides, calling go for the positions it depends on.
local function walk(n, step)
  local memo = {}
  local function go(i, j)
    local k = i * (n + 2) + j
    local r = memo[k]
    if r == nil then r = step(go, i, j); memo[k] = r end
    return r
  end
  return go(1, 1)
end

-- Does glob p match the plain string s?
local function match(p, s, nocase)
  local w = wild(p)                        -- (lowercasing moves no wildcard)
  if not w then return p == s or (nocase and #p == #s and lower(p) == lower(s)) end
  if nocase then p, s = lower(p), lower(s) end
  local tp = trail(p)
  if tp then return starts(s, tp) end
  if differ(p, s, w - 1) then return false end
  local m, n = #p, #s
  return walk(n, function(go, i, j)
    if i > m then return j > n end
    local c = p:sub(i, i)
    if c == "*" then return go(i + 1, j) or (j <= n and go(i, j + 1)) end
    return j <= n and (c == "?" or c == s:sub(j, j)) and go(i + 1, j + 1)
  end)
end

-- Is there a string both globs match?
-- (Most calls compare two literals: those need no lowercasing unless
-- they differ in case only, and lowercasing moves no wildcard.)
local function overlap(p, q, nocase)
  if p == q then return true end
  local wp, wq = wildpos[p], wildpos[q]
  if wp == nil then wp = wild(p) end
  if wq == nil then wq = wild(q) end
  if not wp and not wq then
    return nocase and #p == #q and lower(p) == lower(q)
  end
  if nocase then p, q = lower(p), lower(q) end
  local tp = wp and trailing[p]
  if tp == nil then tp = trail(p) end
  local tq = wq and trailing[q]
  if tq == nil then tq = trail(q) end
  if (tp or not wp) and (tq or not wq) then     -- literal or prefix*, each
    if tp and tq then return starts(tp, tq) or starts(tq, tp) end
    if tp then return starts(q, tp) end
    return starts(p, tq)
  end
  if differ(p, q, math.min(wp or #p + 1, wq or #q + 1) - 1) then return false end
  local m, n = #p, #q
  return walk(n, function(go, i, j)
    local a, b = p:sub(i, i), q:sub(j, j)
    if i > m and j > n then return true end
    if a == "*" then return go(i + 1, j) or (j <= n and go(i, j + 1)) end
    if b == "*" then return go(i, j + 1) or (i <= m and go(i + 1, j)) end
    if i > m or j > n then return false end
    return (a == "?" or b == "?" or a == b) and go(i + 1, j + 1)
  end)
end

-- Does glob p match every string glob q matches? (Sound, not complete:
-- q's '*' must meet a '*' of p, q's '?' a '?' or '*'.)
local function covers(p, q, nocase)
  local wp, wq = wild(p), wild(q)          -- (lowercasing moves no wildcard)
  if not wp and not wq then
    return p == q or (nocase and #p == #q and lower(p) == lower(q))
  end
  if nocase then p, q = lower(p), lower(q) end
  if not wp then return false end
  local tp = trail(p)
  if tp then return starts(q, tp) and (not wq or wq > #tp) end
  if differ(p, q, math.min(wp, wq or #q + 1) - 1) then return false end
  local m, n = #p, #q
  return walk(n, function(go, i, j)
    local a, b = p:sub(i, i), q:sub(j, j)
    if i > m then return j > n end
    if a == "*" then return go(i + 1, j) or (j <= n and go(i, j + 1)) end
    if j > n or b == "*" then return false end
    if a == "?" then return go(i + 1, j + 1) end
    return b ~= "?" and a == b and go(i + 1, j + 1)
  end)
end

M.match, M.overlap, M.covers = match, overlap, covers

-- Does action pattern p (from a statement) cover action a? Case-insensitive:
-- policy.action_matches("iam:Put*", "iam:PutRolePolicy") is true.
function M.action_matches(p, a) return match(p, a, true) end

---------------------------------------------------------------- readable values

-- The table behind a read-only view (M.view, a config view).
local function raw(v)
  return core.frozen[v] or v
end

local function is_list(v) return type(v) == "table" and (v[1] ~= nil or next(v) == nil) end

local function aslist(v)
  if v == nil then return {} end
  if type(v) == "table" and (v[1] ~= nil or next(v) == nil) then return v end   -- is_list
  return { v }
end

-- A value as a reviewer reads it: {"Ref":"X"} is "${X}", a GetAtt
-- "${X.Arn}", a Sub its text, a Join its parts joined.
local function readable(v)
  if type(v) ~= "table" then return tostring(v) end
  local k, arg = next(v)
  if k == nil or next(v, k) ~= nil then
    if is_list(v) then
      local parts = {}
      for i, x in ipairs(v) do parts[i] = readable(x) end
      return "[" .. table.concat(parts, ", ") .. "]"
    end
    return "{...}"
  end
  if k == "Ref" then return "${" .. tostring(arg) .. "}" end
  if k == "Fn::GetAtt" then
    if type(arg) == "table" then return "${" .. tostring(arg[1]) .. "." .. tostring(arg[2]) .. "}" end
    return "${" .. tostring(arg) .. "}"
  end
  if k == "Fn::Sub" then
    if type(arg) == "string" then return arg end
    local s, vars = arg[1], arg[2] or {}
    return (tostring(s):gsub("%${([^}!]*)}", function(name)
      local x = vars[name]
      if x == nil then return nil end
      return readable(x)
    end))
  end
  if k == "Fn::Join" and type(arg) == "table" then
    local parts = {}
    for i, x in ipairs(aslist(arg[2])) do parts[i] = readable(x) end
    return table.concat(parts, tostring(arg[1]))
  end
  if k == "Fn::If" and type(arg) == "table" then
    return "${If " .. tostring(arg[1]) .. ": " .. readable(arg[2]) .. " | " .. readable(arg[3]) .. "}"
  end
  if k == "Fn::ImportValue" then return "${Import " .. readable(arg) .. "}" end
  return "${" .. k .. " " .. readable(arg) .. "}"
end
M.readable = readable

-- The ARN the template gives resource id, when its name is literal.
local function arn_of(t, id)
  local r = t.Resources and t.Resources[id]
  if r == nil then return nil end
  local p = r.Properties or {}
  if r.Type == "AWS::S3::Bucket" and type(p.BucketName) == "string" then
    return "arn:${AWS::Partition}:s3:::" .. p.BucketName
  elseif r.Type == "AWS::IAM::Role" and type(p.RoleName) == "string" then
    return "arn:${AWS::Partition}:iam::${AWS::AccountId}:role" .. (p.Path or "/") .. p.RoleName
  elseif r.Type == "AWS::IAM::ManagedPolicy" and type(p.ManagedPolicyName) == "string" then
    return "arn:${AWS::Partition}:iam::${AWS::AccountId}:policy" .. (p.Path or "/") ..
           p.ManagedPolicyName
  end
  return nil
end

-- Readable, with ${X.Arn} (and ${X} of a managed policy, whose Ref is its
-- ARN) replaced by the ARN the template gives X: the form matching uses.
local resolved_texts = setmetatable({}, { __mode = "k" })   -- template -> text -> resolved

-- Does text hold a "${" then [%w.]* then "}" (what resolve may replace)?
-- Most texts hold only ${AWS::...}: this finds so without a gsub.
local function has_ref(text)
  local i = text:find("${", 1, true)
  while i do
    if text:find("^[%w.]*}", i + 2) then return true end
    i = text:find("${", i + 2, true)
  end
  return false
end
function M.resolve(t, v)
  if type(v) == "string" and not v:find("${", 1, true) then return v end
  t, v = raw(t), raw(v)
  local text = readable(v)
  local memo = resolved_texts[t]
  if memo == nil then memo = {}; resolved_texts[t] = memo end
  local done = memo[text]
  if done then return done end
  if not has_ref(text) then memo[text] = text; return text end
  -- "${" then [%w.]* then "}", split as %w+ %.? %w* (else left alone):
  -- the same substitutions as gsub("%${(%w+)%.?(%w*)}", ...) without
  -- its backtracking over every ${AWS::...}
  done = text:gsub("%${([%w.]*)}", function(ref)
    local id, attr = ref:match("^(%w+)%.?(%w*)$")
    if id == nil then return nil end
    local r = t.Resources and t.Resources[id]
    if r == nil then return nil end
    if attr == "Arn" or (attr == "" and r.Type == "AWS::IAM::ManagedPolicy") then
      return arn_of(t, id)
    elseif attr == "" and r.Type == "AWS::S3::Bucket" and type(r.Properties.BucketName) == "string" then
      return r.Properties.BucketName
    end
    return nil
  end)
  memo[text] = done
  return done
end

---------------------------------------------------------------- statements

local function path_key(base, k)
  if k:match("^[%w_:-]+$") then return base .. "." .. k end
  return base .. '["' .. k .. '"]'
end

local function strings(t, v)
  local out = {}
  local l = aslist(v)
  for i = 1, #l do out[i] = M.resolve(t, l[i]) end
  return out
end

-- Map m with each value v as f(t, v). Built with next, not pairs: the
-- order does not matter for a map, and the sandbox's pairs sorts the keys.
local function map_values(t, m, f)
  local out = {}
  m = raw(m)
  local k, v = next(m)
  while k ~= nil do
    out[k] = f(t, v)
    k, v = next(m, k)
  end
  return out
end

local function principal(t, p)
  if p == nil then return nil end
  if type(p) == "string" then return p end
  return map_values(t, p, strings)
end

local function condition(t, c)
  if c == nil then return {} end
  return map_values(t, c, function(_, keys) return map_values(t, keys, strings) end)
end

-- The statements of a policy document at path (from branches of an Fn::If
-- too), appended to out.
local function add_statements(t, out, doc, path, name)
  if type(doc) ~= "table" then return end
  local st = doc.Statement
  local base = path .. ".Statement"
  if type(st) == "table" and st["Fn::If"] then
    for b = 2, 3 do add_statements(t, out, { Statement = st["Fn::If"][b] }, base .. '["Fn::If"][' .. (b - 1) .. "]", name) end
    return
  end
  for i, s in ipairs(aslist(st)) do
    local p = base .. "[" .. (i - 1) .. "]"
    if type(s) == "table" and s["Fn::If"] then
      for b = 2, 3 do add_statements(t, out, { Statement = { s["Fn::If"][b] } }, p .. '["Fn::If"]', name) end
    elseif type(s) == "table" then
      out[#out + 1] = {
        path = p, policy = name, sid = s.Sid, effect = s.Effect,
        action = strings(t, s.Action or s.NotAction), not_action = s.NotAction ~= nil,
        resource = strings(t, s.Resource or s.NotResource), not_resource = s.NotResource ~= nil,
        principal = principal(t, s.Principal or s.NotPrincipal), not_principal = s.NotPrincipal ~= nil,
        condition = condition(t, s.Condition),
      }
    end
  end
end

-- Does the policy resource r (AWS::IAM::Policy or ManagedPolicy) attach to
-- identity id through its Roles, Users or Groups?
local function attaches(t, r, id, name)
  local p = r.Properties or {}
  for _, k in ipairs{ "Roles", "Users", "Groups" } do
    for _, x in ipairs(aslist(p[k])) do
      local v = M.resolve(t, x)
      if v == "${" .. id .. "}" or (name ~= nil and v == name) then return true end
    end
  end
  return false
end

local ROLE = {}

-- A role's trust is read by few checks: its statements are built on
-- first use.
ROLE.__index = function(o, k)
  if k ~= "trust" then return ROLE[k] end
  local trust = {}
  add_statements(o.t, trust, o.trust_doc, o.path .. ".Properties.AssumeRolePolicyDocument",
                 "AssumeRolePolicyDocument")
  rawset(o, "trust", trust)
  return trust
end

local IDENTITY_NAME = { ["AWS::IAM::Role"] = "RoleName", ["AWS::IAM::User"] = "UserName",
                        ["AWS::IAM::Group"] = "GroupName" }

-- The identity (role, user or group) id of t: { id, type, path, boundary,
-- managed, trust, permissions } with the methods below.
local cache = setmetatable({}, { __mode = "k" })   -- template -> { roles, resources }

local function cached(t)
  local c = cache[t]
  if c == nil then c = { roles = {}, resources = {} }; cache[t] = c end
  return c
end

function M.role(t, id)
  t = raw(t)
  local c = cached(t)
  if c.roles[id] == nil then c.roles[id] = M.new_role(t, id) end
  return c.roles[id]
end

-- (M.role, uncached)
function M.new_role(t, id)
  local r = t.Resources and t.Resources[id]
  local path = path_key("Resources", id)
  if r == nil or IDENTITY_NAME[r.Type] == nil then
    M.fail(path, "no IAM role, user or group '%s' in the template", id)
  end
  local p = r.Properties or {}
  local o = setmetatable({ t = t, id = id, type = r.Type, path = path, permissions = {},
                           managed = {}, trust_doc = p.AssumeRolePolicyDocument }, ROLE)
  if p.PermissionsBoundary ~= nil then o.boundary = M.resolve(t, p.PermissionsBoundary) end
  local name = p[IDENTITY_NAME[r.Type]]
  for i, pol in ipairs(aslist(p.Policies)) do
    add_statements(t, o.permissions, pol.PolicyDocument,
                   path .. ".Properties.Policies[" .. (i - 1) .. "].PolicyDocument",
                   "inline policy '" .. tostring(pol.PolicyName) .. "'")
  end
  local in_template = {}
  for _, other in ipairs(M.resources(t, "AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")) do
    local op = path_key("Resources", other.id) .. ".Properties.PolicyDocument"
    local arn = arn_of(t, other.id)
    if arn then in_template[arn] = other end
    in_template["${" .. other.id .. "}"] = other
    if attaches(t, other.resource, id, name) then
      add_statements(t, o.permissions, other.resource.Properties.PolicyDocument, op,
                     other.resource.Type .. " " .. other.id)
      other.done = true
    end
  end
  for i, a in ipairs(aslist(p.ManagedPolicyArns)) do
    local v = M.resolve(t, a)
    local other = in_template[v]
    if other and not other.done then
      add_statements(t, o.permissions, other.resource.Properties.PolicyDocument,
                     path_key("Resources", other.id) .. ".Properties.PolicyDocument",
                     other.resource.Type .. " " .. other.id)
    elseif not other then
      o.managed[#o.managed + 1] = { arn = v, path = path .. ".Properties.ManagedPolicyArns[" .. (i - 1) .. "]" }
    end
  end
  return o
end

-- The resources of t of the given types (all when none): { id, resource },
-- in logical-id order.
function M.resources(t, ...)
  t = raw(t)
  local c = cached(t)
  local all = c.all
  if all == nil then
    all = {}
    for id, r in pairs(t.Resources or {}) do all[#all + 1] = { id = id, resource = r } end
    c.all = all
  end
  local want = select("#", ...) > 0 and core.set{ ... } or nil
  local out = {}
  for i = 1, #all do
    local x = all[i]
    if want == nil or want[x.resource.Type] then out[#out + 1] = { id = x.id, resource = x.resource } end
  end
  return out
end

-- Every IAM role, user and group of t (as M.role).
function M.identities(t)
  t = raw(t)
  local out = {}
  for _, x in ipairs(M.resources(t, "AWS::IAM::Role", "AWS::IAM::User", "AWS::IAM::Group")) do
    out[#out + 1] = M.role(t, x.id)
  end
  return out
end

---------------------------------------------------------------- allows

local function any(list, f)
  for i = 1, #list do
    local x = list[i]
    if f(x) then return x end
  end
  return nil
end

-- A statement's actions by service (lowercase, "" for a pattern whose
-- service part has a wildcard): a query for iam:Put* looks only at the
-- statement's iam: actions and its wildcards.
local by_service = setmetatable({}, { __mode = "k" })

local services = {}
local function service_of(a)
  local svc = services[a]
  if svc == nil then
    local c, w = a:find(":", 1, true), wild(a)
    svc = c and not (w and w < c) and a:sub(1, c - 1):lower() or ""
    services[a] = svc
  end
  return svc
end

local function actions_for(s, svc)
  local idx = by_service[s]
  if idx == nil then
    -- built once per statement
    idx = {}
    local acts = s.action
    for i = 1, #acts do
      local x = acts[i]
      local k = services[x] or service_of(x)
      local l = idx[k]
      if l == nil then l = {}; idx[k] = l end
      l[#l + 1] = x
    end
    by_service[s] = idx
  end
  return idx[svc], idx[""]
end

-- Does some pattern of list l (nil: none) overlap a, cover a? Actions
-- with nocase (loops, not any() with a closure: these run for every
-- statement a check looks at).
local function overlaps_any(l, a, nocase)
  if l == nil then return false end
  for i = 1, #l do
    if overlap(l[i], a, nocase) then return true end
  end
  return false
end

local function covers_any(l, a, nocase)
  for i = 1, #l do
    if covers(l[i], a, nocase) then return true end
  end
  return false
end

-- Can statement s's actions include (some of) action pattern a (whose
-- service is svc, service_of(a), when the caller has it)?
local function stmt_actions_overlap(s, a, svc)
  if s.not_action then
    return not covers_any(s.action, a, true)
  end
  svc = svc or service_of(a)
  if svc == "" then return overlaps_any(s.action, a, true) end
  local same, wild = actions_for(s, svc)
  return overlaps_any(same, a, true) or overlaps_any(wild, a, true)
end

local function stmt_resources_overlap(s, r)
  if r == nil then return true end
  if s.not_resource then
    return not covers_any(s.resource, r)
  end
  return overlaps_any(s.resource, r)
end

-- Does Deny statement s deny all of action a on r, whatever the request?
local function denies_all(s, a, r)
  if s.effect ~= "Deny" or next(s.condition) ~= nil or s.not_action or s.not_resource then
    return false
  end
  return covers_any(s.action, a, true) and covers_any(s.resource, r or "*")
end

-- The first Allow statement of the identity's permissions that grants
-- action pattern a (on resource r, any when nil) and that no
-- unconditional Deny takes away; nil when there is none. An AWS managed
-- policy it cannot see counts as allowing everything.
-- Is any unconditional Deny of perms for all of a on r?
local function denied(perms, a, r)
  for i = 1, #perms do
    if denies_all(perms[i], a, r) then return true end
  end
  return false
end

-- The entry of list ({ index, stmt, action }) that grants a on r and is
-- earlier than best, else best.
local function consider(self, list, a, r, svc, best)
  if list == nil then return best end
  for j = 1, #list do
    local e = list[j]
    local s, x = e[2], e[3]
    if (best == nil or e[1] < best[1]) and
       ((x and overlap(x, a, true)) or (not x and stmt_actions_overlap(s, a, svc)))
       and stmt_resources_overlap(s, r) and not denied(self.permissions, a, r) then
      best = e
    end
  end
  return best
end

function ROLE:allows(a, r)
  if #self.managed > 0 then
    return { path = self.managed[1].path, effect = "Allow", action = { "*" }, resource = { "*" },
             condition = {}, managed = self.managed[1].arn }
  end
  -- the Allow statements' actions by service, built once per identity:
  -- { stmt index, stmt, action (nil for NotAction) }
  local idx = self.by_service
  if idx == nil then
    idx = { [""] = {} }
    local perms = self.permissions
    for i = 1, #perms do
      local s = perms[i]
      if s.effect == "Allow" then
        local acts = s.action
        if s.not_action then
          local l = idx[""]
          l[#l + 1] = { i, s }
        else
          for j = 1, #acts do
            local x = acts[j]
            local k = services[x] or service_of(x)
            local l = idx[k]
            if l == nil then l = {}; idx[k] = l end
            l[#l + 1] = { i, s, x }
          end
        end
      end
    end
    self.by_service = idx
  end
  local svc = service_of(a)
  local best
  if svc == "" then
    for _, list in pairs(idx) do best = consider(self, list, a, r, svc, best) end
  else
    best = consider(self, idx[svc], a, r, svc, best)
    best = consider(self, idx[""], a, r, svc, best)
  end
  return best and best[2] or nil
end

-- What an allowing statement grants, for the message.
local function granted(s, a)
  if s.managed then return "attaches managed policy " .. s.managed .. ", which this template does not show" end
  if s.not_action then return "allows every action but " .. table.concat(s.action, ", ") end
  local hit = any(s.action, function(x) return overlap(x, a, true) end)
  return "allows " .. hit
end

-- Fail at the first statement that lets the identity do any of actions on
-- any of resources (nil: any resource).
function ROLE:never(actions, resources)
  local rs = { false }
  if resources ~= nil then
    rs = {}
    for i, r in ipairs(aslist(resources)) do rs[i] = type(r) == "string" and r or M.resolve(self.t, r) end
  end
  for _, a in ipairs(aslist(actions)) do
    for _, rr in ipairs(rs) do
      rr = rr or nil
      local s = self:allows(a, rr)
      if s then M.fail(s, "%s%s", granted(s, a), rr and (" on " .. rr) or "") end
    end
  end
end

---------------------------------------------------------------- declarative checks

-- Resolve what a description passes (strings or intrinsics) in view t.
local function resolved(t, v)
  local out = {}
  for i, x in ipairs(aslist(v)) do out[i] = type(x) == "string" and x or M.resolve(t, x) end
  return out
end

local function check_args(what, spec, keys, need)
  if type(spec) ~= "table" then core.fail("policy.%s expects a table", what) end
  core.check_keys("policy." .. what, spec, core.set(keys))
  for _, k in ipairs(need) do
    if spec[k] == nil then core.fail("policy.%s needs '%s'", what, k) end
  end
end

-- What of Allow statement s falls outside actions (and resources, when
-- given): a phrase such as "allows s3:GetObject", or nil when s stays
-- within them. A Deny statement is always within.
function M.outside(s, actions, resources)
  if s.effect ~= "Allow" then return nil end
  if s.not_action then return "allows every action but " .. table.concat(s.action, ", ") end
  local acts = s.action
  for i = 1, #acts do
    local a = acts[i]
    if not covers_any(actions, a, true) then return "allows " .. a end
  end
  if resources then
    if s.not_resource then return "allows every resource but " .. table.concat(s.resource, ", ") end
    for _, r in ipairs(s.resource) do
      if not covers_any(resources, r) then return "allows it on " .. r end
    end
  end
  return nil
end

-- Does Allow statement s grant (some of) action pattern a, on r (any
-- when nil)? Deny statements are not considered (see ROLE:allows).
function M.grants(s, a, r)
  if type(r) == "table" then r = readable(r) end
  return s.effect == "Allow" and stmt_actions_overlap(s, a) and stmt_resources_overlap(s, r)
end

-- The statements of resource id: an identity's permissions (M.role),
-- else the PolicyDocument of a policy or resource policy.
function M.statements(t, id)
  t = raw(t)
  local r = t.Resources and t.Resources[id]
  if r ~= nil and IDENTITY_NAME[r.Type] then return M.role(t, id).permissions end
  local path = path_key("Resources", id)
  if r == nil or type(r.Properties) ~= "table" or r.Properties.PolicyDocument == nil then
    M.fail(path, "no policy '%s' in the template", id)
  end
  local out = {}
  add_statements(t, out, r.Properties.PolicyDocument, path .. ".Properties.PolicyDocument",
                 r.Type .. " " .. id)
  return out
end

-- Identity role may be allowed nothing but actions on resources: every
-- Allow statement's actions and resources fall within them (no NotAction,
-- no NotResource, no managed policy the template does not show).
function M.only(spec)
  check_args("only", spec, { "role", "actions", "resources" }, { "role", "actions" })
  return function(t)
    local role = M.role(t, spec.role)
    local acts = resolved(t, spec.actions)
    local res = spec.resources ~= nil and resolved(t, spec.resources) or nil
    if role.managed[1] then
      M.fail(role.managed[1].path, "attaches managed policy %s, which this template does not show",
             role.managed[1].arn)
    end
    for _, s in ipairs(role.permissions) do
      local why = M.outside(s, acts, res)
      if why then M.fail(s, why) end
    end
  end
end

-- Identity role may do none of actions (on resources, when given).
function M.never(spec)
  check_args("never", spec, { "role", "actions", "resources" }, { "role", "actions" })
  return function(t)
    M.role(t, spec.role):never(spec.actions, spec.resources)
  end
end

local GH_AUD = "token.actions.githubusercontent.com:aud"
local GH_SUB = "token.actions.githubusercontent.com:sub"

-- Who may assume a role through GitHub's OIDC provider: every Allow
-- statement of its trust names only provider (Federated), only
-- sts:AssumeRoleWithWebIdentity, requires aud = sts.amazonaws.com and
-- limits sub to within subjects (StringEquals, or StringLike patterns
-- that the allowed subjects cover).
function M.assumed_only_by(spec)
  check_args("assumed_only_by", spec, { "role", "provider", "subjects", "audience" },
             { "role", "provider", "subjects" })
  return function(t)
    local role = M.role(t, spec.role)
    local provider = resolved(t, spec.provider)[1]
    local subjects = resolved(t, spec.subjects)
    local aud = spec.audience or "sts.amazonaws.com"
    for _, s in ipairs(role.trust) do
      if s.effect == "Allow" then
        local p, keys = s.principal, 0
        for _ in pairs(type(p) == "table" and p or {}) do keys = keys + 1 end
        if s.not_principal or type(p) ~= "table" or keys ~= 1 or p.Federated == nil
           or #p.Federated ~= 1 or p.Federated[1] ~= provider then
          M.fail(s, "trusts %s, not only %s", readable(p), provider)
        end
        if s.not_action or #s.action ~= 1 or s.action[1]:lower() ~= "sts:assumerolewithwebidentity" then
          M.fail(s, "allows %s", table.concat(s.action, ", "))
        end
        local c = s.condition
        local auds = c.StringEquals and c.StringEquals[GH_AUD]
        if not auds or #auds ~= 1 or auds[1] ~= aud then
          M.fail(s, "does not require %s = %s", GH_AUD, aud)
        end
        local seen = false
        for op, keys in pairs(c) do
          for key, vals in pairs(keys) do
            if key:lower() == GH_SUB then
              if op ~= "StringEquals" and op ~= "StringLike" then
                M.fail(s, "limits %s with %s (only StringEquals or StringLike are understood)", key, op)
              end
              for _, v in ipairs(vals) do
                local glob = op == "StringLike"
                if not any(subjects, function(x)
                  if glob then return covers(x, v) end
                  return match(x, v)
                end) then
                  M.fail(s, "lets subject %s assume it", v)
                end
              end
              seen = true
            elseif key:lower() == GH_AUD and op ~= "StringEquals" then
              M.fail(s, "also tests %s with %s", key, op)
            end
          end
        end
        if not seen then M.fail(s, "does not limit %s: any repository may assume it", GH_SUB) end
      end
    end
  end
end

-- Every check of a list must hold.
function M.all(checks)
  if type(checks) ~= "table" then core.fail("policy.all expects a list of checks") end
  return function(t)
    for _, c in ipairs(checks) do c(t) end
  end
end

-- IAM write actions: whatever changes an identity, a policy or a credential.
M.IAM_WRITE = { "iam:Add*", "iam:Attach*", "iam:Change*", "iam:Create*", "iam:Deactivate*",
  "iam:Delete*", "iam:Detach*", "iam:Enable*", "iam:Put*", "iam:Remove*", "iam:Reset*",
  "iam:Resync*", "iam:Set*", "iam:Tag*", "iam:Untag*", "iam:Update*", "iam:Upload*" }

-- CloudFormation actions that change a stack.
M.CFN_WRITE = { "cloudformation:Cancel*", "cloudformation:Continue*", "cloudformation:Create*",
  "cloudformation:Delete*", "cloudformation:Execute*", "cloudformation:Import*",
  "cloudformation:Rollback*", "cloudformation:Set*", "cloudformation:Signal*",
  "cloudformation:Tag*", "cloudformation:Untag*", "cloudformation:Update*" }

return M
