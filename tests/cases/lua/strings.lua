-- Strings: formatting, patterns, gsub with captures and functions, byte/char,
-- rep, reverse, utf8, string.pack, and tostring of numbers.
local out = {}
local function say(...) out[#out + 1] = table.concat({...}, " ") end

say(string.format("%5d|%-5s|%05.2f|%x|%q", 42, "ab", 3.14159, 255, "a\nb\"c"))
say(("hello world from lua"):gsub("(%w+)", "<%1>"))
say(("key=value; other=thing"):match("(%w+)=(%w+)"))
for k, v in ("a=1, b=22, c=333"):gmatch("(%a)=(%d+)") do say(k, v, #v) end
say(("x"):rep(5, "-"), ("abc"):reverse(), ("MiXeD"):lower(), ("MiXeD"):upper())
say(string.byte("ABC", 1, -1))
say(string.char(72, 105))
say(("%d items"):format(3), ("  trim me  "):match("^%s*(.-)%s*$"))
say(utf8.char(228, 8364, 128512), utf8.len("häll€"))
for p, c in utf8.codes("aä€") do say(p, c) end
local packed = string.pack("<i4 z d", -7, "zstr", 1.5)
say(#packed, string.unpack("<i4 z d", packed))
say(tostring(1 / 3), tostring(10 // 3), tostring(2 ^ 53), tostring(-0.0), math.maxinteger)
say(string.format("%.14g", math.pi), math.tointeger(3.0), 7 // 2, 7 % -3, -7 // 2)
say(("gsub with function"):gsub("%w+", function(w) return #w end))
say(table.concat({("a,b,,c"):find(",,", 1, true)}, " "))
print(table.concat(out, "\n"))
