-- Coroutines: generators, passing values both ways, status, wrap, errors
-- inside a coroutine, yield across pcall, and a producer/consumer pipeline.
local function gen(n)
  return coroutine.wrap(function() for i = 1, n do coroutine.yield(i * i) end end)
end
local s = 0
for v in gen(100) do s = s + v end
print("sum of squares", s)

local co = coroutine.create(function(a, b)
  local c = coroutine.yield(a + b)
  local d, e = coroutine.yield(c * 2)
  return d + e, "done"
end)
print(coroutine.resume(co, 1, 2))
print(coroutine.status(co), coroutine.resume(co, 10))
print(coroutine.resume(co, 3, 4))
print(coroutine.status(co), coroutine.resume(co))

local bad = coroutine.create(function() error("boom inside") end)
local ok, msg = coroutine.resume(bad)
print(ok, (msg:gsub("^.-:%d+: ", "")))

local inner = coroutine.wrap(function()
  local ok2, v = pcall(function() return coroutine.yield("yielded through pcall") end)
  return ok2, v
end)
print(inner()); print(inner("resumed"))

local function producer()
  return coroutine.create(function()
    for _, w in ipairs({"alpha", "beta", "gamma", "delta"}) do coroutine.yield(w) end
  end)
end
local function filter(p)
  return coroutine.create(function()
    while true do
      local _, w = coroutine.resume(p)
      if not w then return end
      if #w == 5 then coroutine.yield(w:upper()) end
    end
  end)
end
local f = filter(producer())
while true do
  local _, w = coroutine.resume(f)
  if not w then break end
  print(w)
end
print(coroutine.isyieldable(), select(2, coroutine.running()))
