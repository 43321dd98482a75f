-- Tables: sort with a comparator, insert/remove/move/unpack, metatables
-- (__index, __newindex, __call, __tostring, __eq, __lt, __len, __concat),
-- inheritance, weak tables with a full collection, and ordered traversal.
local t = {}
for i = 1, 200 do t[i] = (i * 7919) % 1009 end
table.sort(t, function(a, b) return a > b end)
print(t[1], t[2], t[100], t[200], #t)
table.insert(t, 1, -1); table.insert(t, 5); print(table.remove(t), table.remove(t, 1), #t)
print(table.unpack(table.move({1, 2, 3, 4, 5}, 2, 4, 1)))

local Vec = {}
Vec.__index = Vec
function Vec.new(x, y) return setmetatable({x = x, y = y}, Vec) end
Vec.__add = function(a, b) return Vec.new(a.x + b.x, a.y + b.y) end
Vec.__eq = function(a, b) return a.x == b.x and a.y == b.y end
Vec.__lt = function(a, b) return a:len2() < b:len2() end
Vec.__tostring = function(v) return "(" .. v.x .. "," .. v.y .. ")" end
Vec.__concat = function(a, b) return tostring(a) .. tostring(b) end
Vec.__len = function() return 2 end
Vec.__call = function(v, k) return v[k] end
function Vec:len2() return self.x * self.x + self.y * self.y end
local a, b = Vec.new(1, 2), Vec.new(3, 4)
print(tostring(a + b), a == Vec.new(1, 2), a < b, #a, a("y"), a .. b)

local Base = {hello = function(self) return "base " .. self.name end}
local Derived = setmetatable({bye = function(self) return "bye " .. self.name end}, {__index = Base})
local obj = setmetatable({name = "obj"}, {__index = Derived})
print(obj:hello(), obj:bye(), rawget(obj, "hello"))

local log = {}
local guarded = setmetatable({}, {__newindex = function(t2, k, v) log[#log + 1] = k; rawset(t2, k, v * 2) end})
guarded.a = 1; guarded.b = 2; guarded.a = 5
print(guarded.a, guarded.b, table.concat(log, ","))

local weak = setmetatable({}, {__mode = "k"})
weak[{}] = 1; weak[{}] = 2
local keep = {}; weak[keep] = 3
collectgarbage(); collectgarbage()
local n = 0; for _ in pairs(weak) do n = n + 1 end
print("weak entries after collect", n)

local keys = {}
for k in pairs({zeta = 1, alpha = 2, mid = 3, [1] = "x", [2] = "y"}) do keys[#keys + 1] = tostring(k) end
table.sort(keys); print(table.concat(keys, " "))
