-- Host functions at their edges: require with a computed name, errors that
-- carry a location, values that are not data.
local util = require("luaform." .. string.rep("util", 1))
local ok, err = pcall(require, "no.such.module")
local ok2, err2 = pcall(error, "x.lua:12: boom", 0)
-- values near the host's limits: a long module name, a large line number
local ok4 = pcall(require, string.rep("a.", 100) .. "b")
local ok5, err5 = pcall(error, "x.lua:2147483646: far", 0)
local ok3, err3 = pcall(error, setmetatable({}, { __tostring = function() return "obj" end }))
local parts = {}
for w in ("a,b,c"):gmatch("[^,]+") do parts[#parts + 1] = w:upper() end
resource "Queue" {
  Type = "AWS::SQS::Queue",
  Properties = {
    QueueName = table.concat(parts, "-") .. string.format("%s", 1),
    DelaySeconds = select("#", 1, 2, 3),
    Tags = { { Key = "err", Value = tostring(ok) .. tostring(err) .. tostring(err2) .. tostring(err3)
                                   .. tostring(ok4) .. tostring(err5) } },
  },
}
output "Len" { Value = tostring(#util and 1 or 0) }
