-- io and os: write, read back by lines/numbers/all, seek, append, rename,
-- remove, tmpname, popen-free; os.time/os.date on fixed dates in UTC,
-- os.difftime, os.clock moving, os.getenv, and error messages of io.open.
local dir = os.getenv("LUA_TESTDIR") or "/tmp"
local name = dir .. "/lua-io-test.txt"
local f = assert(io.open(name, "w"))
f:write("line one\n", 42, " ", 3.5, "\n", "last line without newline")
f:close()
for l in io.lines(name) do print("[" .. l .. "]") end
f = assert(io.open(name, "r"))
print(f:read("l"), f:read("n"), f:read("n"), f:read("a"))
print(f:seek("set", 5), f:read(3), f:seek("cur"), f:seek("end"))
f:close()
f = assert(io.open(name, "a")); f:write("\nappended"); f:close()
f = assert(io.open(name, "rb")); local all = f:read("a"); f:close()
print(#all, select(2, all:gsub("\n", "")))
local other = dir .. "/lua-io-renamed.txt"
print(os.rename(name, other), io.open(name) == nil, (select(2, io.open(name))):gsub("^.-: ", ""))
print(os.remove(other), os.remove(other) == nil)
print(io.type(io.stdout), io.type(f), io.type(42))

print(os.time({year = 2000, month = 1, day = 1, hour = 0}), os.date("!%Y-%m-%d %H:%M:%S %A %j", 946684800))
print(os.date("!*t", 1700000000).yday, os.date("!%c", 0))
print(os.difftime(os.time({year = 2024, month = 3, day = 1, hour = 12}), os.time({year = 2024, month = 2, day = 1, hour = 12})) / 86400)
local c0 = os.clock(); local x = 0; for i = 1, 3e6 do x = x + i end
print("clock moves", os.clock() >= c0, x)
print(os.getenv("BOTHY_LUA_VAR"), os.getenv("NO_SUCH_VAR_X"))
print(math.type(os.time()), os.time() > 1700000000)
