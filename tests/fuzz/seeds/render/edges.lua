-- Host functions at their edges: require with a computed name, errors that
-- carry a location, values that are not data.
local util = require("luaform." .. string.rep("util", 1))
local ok, err = pcall(require, "no.such.module")
local ok2, err2 = pcall(error, "x.lua:12: boom", 0)
local ok3, err3 = pcall(error, setmetatable({}, { __tostring = function() return "obj" end }))
local parts = {}
for w in ("a,b,c"):gmatch("[^,]+") do parts[#parts + 1] = w:upper() end
resource "Queue" {
  Type = "AWS::SQS::Queue",
  Properties = {
    QueueName = table.concat(parts, "-") .. string.format("%s", 1),
    DelaySeconds = select("#", 1, 2, 3),
    Tags = { { Key = "err", Value = tostring(ok) .. tostring(err) .. tostring(err2) .. tostring(err3) } },
  },
}
output "Len" { Value = tostring(#util and 1 or 0) }
