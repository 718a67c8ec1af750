-- The sandbox's edges: limits, errors, the determinism guards.
local t = {}
for i = 1, 100 do t["k" .. i] = i end
local keys = {}
for k in pairs(t) do keys[#keys + 1] = k end
local ok, err = pcall(error, { code = 1 })
local s = string.format("%5.2f %d %q", 1.5, 3, "x\0y")
local r = string.rep("ab", 10, ",")
local u = utf8.char(233, 8364) .. tostring(setmetatable({}, { __tostring = function() return "T" end }))
resource "Topic" {
  Type = "AWS::SNS::Topic",
  Properties = { TopicName = table.concat(keys, ",", 1, 3) .. s .. r .. u,
                 Tags = { { Key = "n", Value = math.floor(2^31) } } },
}
output "Name" { Value = Ref "Topic", Description = tostring(ok) .. type(err) }
