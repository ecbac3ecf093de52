#!/usr/bin/env python3
"""An independent reader of Allmende bundles (Protocol/bundle.md), standard library only.

Usage: Scripts/check-bundle.py FILE [--list]
Checks the header, every record's SHA-256, the end record and the end of file; prints a JSON summary
({"packages": [...], "records": {"blob": n, ...}, "bytes": n}) and exits 0, or prints the problem and exits 3.
Signatures and package completeness are the node's job (bundle verify); this checks the container.
"""
import hashlib, json, struct, sys

KINDS = {1: "blob", 2: "statement", 3: "revocation"}


def fail(message):
    print(message, file=sys.stderr)
    sys.exit(3)


def main(path, listing):
    with open(path, "rb") as f:
        head = f.read(16)
        if len(head) < 16 or head[:8] != b"AMBUNDLE":
            fail("not a bundle")
        version, length = struct.unpack(">II", head[8:])
        if version != 1:
            fail(f"version {version}")
        header = f.read(length)
        digest = f.read(32)
        if len(header) != length or len(digest) != 32 or hashlib.sha256(header).digest() != digest:
            fail("header digest")
        meta = json.loads(header)
        if meta.get("format") != "allmende/bundle/1":
            fail("format")
        table = hashlib.sha256(digest)
        counts, records, offset = {}, 0, 16 + length + 32
        while True:
            rh = f.read(9)
            if len(rh) != 9:
                fail(f"cut short at byte {offset}")
            kind, size = rh[0], struct.unpack(">Q", rh[1:])[0]
            if kind == 0xFF:
                body = f.read(40)
                if size != 40 or len(body) != 40:
                    fail("end record")
                if struct.unpack(">Q", body[:8])[0] != records or body[8:] != table.digest():
                    fail("end record digest")
                if f.read(1):
                    fail("bytes after the end record")
                break
            if kind not in KINDS or size < 32:
                fail(f"record {records + 1}: kind {kind}, length {size}")
            expected = f.read(32)
            h = hashlib.sha256()
            left = size - 32
            while left:
                block = f.read(min(left, 1 << 20))
                if not block:
                    fail(f"cut short in record {records + 1}")
                h.update(block)
                left -= len(block)
            if h.digest() != expected:
                fail(f"record {records + 1} at byte {offset}: digest")
            table.update(rh + expected)
            records += 1
            counts[KINDS[kind]] = counts.get(KINDS[kind], 0) + 1
            if listing:
                print(f"{offset}\t{KINDS[kind]}\t{size - 32}\t{expected.hex()}")
            offset += 9 + size
    print(json.dumps({"packages": meta["packages"], "records": counts, "bytes": offset + 49}, sort_keys=True))


if __name__ == "__main__":
    main(sys.argv[1], "--list" in sys.argv[2:])
