# json round trips (nested, unicode, floats, sort_keys, indent) and hashlib
# digests of several algorithms over generated data.
import hashlib, json
data = {"name": "bothy", "list": [1, 2.5, None, True, "ä€"], "nested": {"z": [], "a": {"b": [1, {"c": "d"}]}}}
text = json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False)
print(text)
assert json.loads(text) == data
print(json.dumps(json.loads('{"x": 1e300, "y": -0.0, "z": 12345678901234567890}')))
blob = b"".join(i.to_bytes(4, "little") for i in range(100000))
for algo in ("md5", "sha1", "sha256", "sha512", "blake2b", "sha3_256"):
    print(algo, hashlib.new(algo, blob).hexdigest())
h = hashlib.sha256()
for i in range(1000):
    h.update(str(i).encode())
print("incremental", h.hexdigest())
print(hashlib.pbkdf2_hmac("sha256", b"password", b"salt", 1000).hex())
