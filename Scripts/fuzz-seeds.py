#!/usr/bin/env python3
"""Writes the seed corpora of the allmende-fuzz harnesses from Protocol/vectors/ and Examples/.

Usage: Scripts/fuzz-seeds.py OUTPUT-DIR   (one folder per harness: frames, json, manifest, spdx, statements,
chunk-index, catalog, reconcile). Seeds are sized so that limits can be reached: a manifest with 1,024 files,
a frame at the control-frame limit, a catalog of many records.
"""
import glob, hashlib, json, os, re, struct, sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
out = sys.argv[1]
vectors = lambda name: json.load(open(os.path.join(root, "Protocol", "vectors", name)))["cases"]


def annotated_hex(text):
    """Bytes of annotated hex: '00 00 00 05  # length' lines."""
    return bytes.fromhex(" ".join(line.split("#")[0] for line in text.split("\n")))


def write(target, name, data):
    folder = os.path.join(out, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:80]), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def record(payload):
    return struct.pack(">II", len(payload), crc32c(payload)) + payload


# frames: the first byte picks the split step of the stream that follows.
frames = [annotated_hex(case["hex"]) for case in vectors("frames.json")]
for index, frame in enumerate(frames):
    write("frames", f"frame-{index}-whole", bytes([255]) + frame)
    write("frames", f"frame-{index}-drip", bytes([0]) + frame)
write("frames", "all-valid-step-7", bytes([6]) + b"".join(f for f, c in zip(frames, vectors("frames.json")) if "message" in c))
statement = vectors("statements.json")[0]["signed"].encode()
big = statement + b" " * (65_536 - 1 - len(statement) - 1)
write("frames", "announce-at-control-limit", bytes([255]) + struct.pack(">I", 1 + len(big)) + b"\x20" + big)

# json and manifest
jsons = []
for case in vectors("canonical-json.json"):
    if "input" in case:
        jsons.append(case["input"].encode())
    if "inputHex" in case:
        jsons.append(bytes.fromhex(case["inputHex"]))
for case in vectors("manifests.json"):
    jsons.append(case["input"].encode())
    write("manifest", case["name"], case["input"])
for path in glob.glob(os.path.join(root, "Examples", "**", "*.json"), recursive=True):
    data = open(path, "rb").read()
    jsons.append(data)
    write("manifest", "example-" + os.path.relpath(path, root), data)
for index, data in enumerate(jsons):
    write("json", f"json-{index}", data)
files = ", ".join(
    f'{{"chunkIndex": "{"cd" * 32}", "mediaType": "model/stl", "path": "parts/p{index:04d}.stl", "role": "cad", '
    f'"sha256": "{"ab" * 32}", "size": {2 ** 43}}}' for index in range(1024))
publisher = json.loads(vectors("manifests.json")[0]["input"])["publisher"]
many = ('{"category": "tools-machines", "created": "2026-01-01T00:00:00Z", "documentationLanguage": ["en"], '
        f'"files": [{files}], "license": "CERN-OHL-P-2.0", "licensors": [{{"name": "Test Lab"}}], "publisher": "{publisher}", '
        '"schema": "allmende/design-package/1", "summary": "Generated", "title": "Many parts", "version": "1.0.0"}')
write("manifest", "1024-files-at-the-total-limit", many)
write("manifest", "1024-files-past-the-total-limit", many.replace(str(2 ** 43), str(2 ** 53)))

# spdx
licenses = [line.split("\t")[0] for line in open(os.path.join(root, "Protocol", "licenses", "spdx-licenses.tsv")).read().splitlines()[1:]]
exceptions = [line.split("\t")[0] for line in open(os.path.join(root, "Protocol", "licenses", "spdx-exceptions.tsv")).read().splitlines()[1:]]
for name in licenses[:40] + ["CERN-OHL-S-2.0", "CERN-OHL-W-2.0", "CC-BY-SA-4.0", "GPL-3.0-or-later", "TAPR-OHL-1.0"]:
    write("spdx", name, name)
write("spdx", "compound", "(CERN-OHL-S-2.0 OR MIT) AND CC-BY-4.0")
write("spdx", "with-exception", f"GPL-2.0-or-later WITH {exceptions[0]}")
write("spdx", "plus-and-ref", "LGPL-2.1+ AND LicenseRef-our-lab OR DocumentRef-x:LicenseRef-y")
write("spdx", "nested", "((((MIT))) AND (Apache-2.0 OR (BSD-3-Clause AND ISC)))")

# statements (signed statements; delegations and revocations as they appear inside them)
signed = [case["signed"].encode() for case in vectors("statements.json")]
for index, data in enumerate(signed):
    write("statements", f"statement-{index}", data)
    parsed = json.loads(data)
    for key in ("delegation",):
        if key in parsed:
            write("statements", f"delegation-{index}", json.dumps(parsed[key]))
write("statements", "node-announcement", json.dumps({
    "addresses": ["198.51.100.7:7310"], "node": publisher,
    "signature": "00" * 64, "time": "2026-11-20T10:00:00Z"}))

# chunk indexes
for case in vectors("chunk-index.json"):
    write("chunk-index", f"index-{case['blobSize']}", bytes.fromhex(case["encodedIndex"]))

# catalog logs: records of the signed statements, one with a damaged record in the middle, one cut short
log = b"".join(record(data) for data in signed * 4)
write("catalog", "log", log)
damaged = bytearray(log)
damaged[len(log) // 2] ^= 0x10
write("catalog", "log-with-damage", bytes(damaged))
write("catalog", "log-torn", log[:-7])

# catalog indexes: an example written by `fsck` over the Examples packages, cut short, and with a flipped bit
example = open(os.path.join(root, "Protocol", "vectors", "catalog-index-example.bin"), "rb").read()
write("index", "example", example)
write("index", "header-only", example[:368])
flipped = bytearray(example)
flipped[len(example) // 2] ^= 0x04
write("index", "flipped", bytes(flipped))

# reconciliation messages
for case in vectors("reconciliation.json"):
    if case.get("hex"):
        write("reconcile", case["name"], bytes.fromhex(case["hex"]))
ids = b"".join(bytes([index]) * 32 for index in range(40))
write("reconcile", "id-list", b"\x01\xff\x02" + struct.pack(">H", 40) + ids)

# holdings records (Protocol/vectors/holdings.json) and a saved holder table with one state
for case in vectors("holdings.json"):
    write("holdings", case["name"].replace(" ", "-")[:60], case["record"].encode())
ids = sorted(bytes([index]) * 32 for index in range(3))
state = bytes([7]) * 32 + bytes([1]) + struct.pack(">H", 17) + b"198.51.100.7:7310" + struct.pack(">H", 0)
state += struct.pack(">QqQ", 5, 1_800_000_000, 1_800_259_200)
state += bytes(64) + struct.pack(">I", 3) + b"".join(ids)
body = b"AMHOLD03" + struct.pack(">I", 1) + state
write("holdings", "saved-table", body + hashlib.sha256(body).digest())

# HTTP requests: every vector, whole and drip-fed, and several pipelined
requests = [case["input"].encode() for case in vectors("http-requests.json")]
for index, data in enumerate(requests):
    write("http", f"request-{index}-whole", bytes([255]) + data)
    write("http", f"request-{index}-drip", bytes([0]) + data)
write("http", "pipelined", bytes([7]) + b"".join(r for r in requests[:8]))

# Markdown: the example READMEs and instructions, and hostile snippets
for package in ("timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan"):
    folder = os.path.join(root, "Examples", "packages", package)
    for dirpath, _, names in os.walk(folder):
        for name in names:
            if name.endswith(".md"):
                write("markdown", f"{package}-{name}", open(os.path.join(dirpath, name), "rb").read())
# A combining mark right after a tag the renderer wrote ('>' + U+0653 is one Swift Character).
write("markdown", "combining-mark-after-colon", "[a](j:\u0653x) [b](javascript:\u200dalert(1))".encode())
write("markdown", "combining-mark-after-tag", b"# x **b**\xd9\x93`c")
write("markdown", "c1-control-in-relative-link", b"`[\\\\](//)[a](/\xc2\x87/)n")
write("markdown", "hostile", b"# <script>x</script>\n[a](javascript:alert(1)) **b** `c` *d*\n> q\n```\n<x>\n```\n1. e\n- f")

# Open Know-How manifests: the fixtures (TOML with selector byte 0, YAML with 1) and the specification's example
for path in sorted(glob.glob(os.path.join(root, "Tests", "Fixtures", "okh", "*", "okh.*"))):
    selector = b"\x01" if path.endswith(".yml") else b"\x00"
    write("okh", os.path.basename(os.path.dirname(path)), selector + open(path, "rb").read())
# Open Know-Where records (selector bit 1; bit 0 = YAML)
for path in sorted(glob.glob(os.path.join(root, "Tests", "Fixtures", "okw", "*"))):
    selector = b"\x03" if path.endswith(".yml") else b"\x02"
    write("okh", "okw-" + os.path.basename(path), selector + open(path, "rb").read())
# regression: a material with DEL from a URL reached the YAML export (found by okh, 210,663 runs)
write("okh", "okw-del-in-material", b"\x02" + json.dumps({"name": "X", "location": {"address": {"city": "Kiel", "country": "DE"}},
                                                          "typicalMaterials": [{"materialType": "https://en.wikipedia.org/wiki/Poly\x7fmer"}]}).encode())
# signed lab profiles (catalog entries), valid and must-reject
for index, case in enumerate(vectors("lab-profiles.json")):
    write("statements", f"lab-profile-{index}", case["entry"].encode())
write("okh", "spec-tables", b"\x00[[fruits]]\nname = 'apple'\n[fruits.physical]\ncolor = \"red\"\n[[fruits.varieties]]\nname = \"granny\"\n"
      + b"a.b.c = { d = 1979-05-27T07:32:00Z, e = [1, 2.5, 0x1f, \"\"\"x\"\"\"] }\n")

# bundles: the example bundle, cut short and with a flipped byte
example = open(os.path.join(root, "Protocol", "vectors", "bundle-examples.amb"), "rb").read()
write("bundle", "examples", example)
write("bundle", "header-only", example[:200])
flipped = bytearray(example)
flipped[len(example) // 3] ^= 0x20
write("bundle", "flipped", bytes(flipped))
