-- luaform.util: small helpers for descriptions.

local core = require("luaform.core")

local M = {}

-- A stable 64-bit FNV-1a digest of a string, as 16 uppercase hex digits:
-- for logical IDs that must change exactly when some identity changes.
function M.digest(s)
  if type(s) ~= "string" then core.fail("util.digest expects a string") end
  local h = -3750763034362895579          -- 0xcbf29ce484222325
  for i = 1, #s do
    h = h ~ s:byte(i)
    h = h * 1099511628211                 -- 0x100000001b3, wraps mod 2^64
  end
  return string.format("%016X", h)
end

return M
