# re (groups, named groups, lookahead, sub with a function, split, flags)
# and collections (Counter, OrderedDict, defaultdict, deque, namedtuple,
# ChainMap), with a little itertools/functools on top.
import re, collections, itertools, functools
text = "2024-03-01 error disk full; 2024-03-02 warn cpu hot; 2024-03-03 error net down"
pat = re.compile(r"(?P<date>\d{4}-\d\d-\d\d) (?P<level>\w+) (?P<msg>[^;]+)")
for m in pat.finditer(text):
    print(m.group("date"), m["level"].upper(), repr(m.group(3)), m.span())
print(re.sub(r"\d+", lambda m: str(int(m.group()) * 2), "a1 b22 c333"))
print(re.split(r"[;,]\s*", "x; y,z ;w"), re.findall(r"\b\w+(?=\s+down)", text))
print(bool(re.match(r"(?i)ERROR", "error")), re.fullmatch(r"[a-f0-9]+", "deadbeef") is not None)
words = re.findall(r"[a-z]+", "the quick brown fox jumps over the lazy dog the end".lower())
c = collections.Counter(words)
print(c.most_common(3), sum(c.values()))
d = collections.defaultdict(list)
for w in words:
    d[len(w)].append(w)
print(sorted((k, sorted(v)) for k, v in d.items()))
dq = collections.deque(range(10), maxlen=5)
dq.rotate(2); dq.appendleft(-1)
print(list(dq))
Point = collections.namedtuple("Point", "x y")
p = Point(3, 4)._replace(y=5)
print(p, p._asdict(), p.x * p.y)
od = collections.OrderedDict.fromkeys("abcde"); od.move_to_end("b"); od.popitem(last=False)
print(list(od))
cm = collections.ChainMap({"a": 1}, {"a": 2, "b": 3})
print(cm["a"], cm["b"], len(cm))
print(list(itertools.accumulate(range(1, 8), lambda a, b: a * b)))
print(functools.reduce(lambda a, b: a ^ b, range(1000)), list(itertools.permutations("abc", 2))[:4])
@functools.lru_cache(maxsize=None)
def fib(n):
    return n if n < 2 else fib(n - 1) + fib(n - 2)
print(fib(200), fib.cache_info().hits)
