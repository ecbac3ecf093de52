#!/usr/bin/env python3
"""Writes Protocol/vectors/frames.json: annotated hex frames of the wire protocol with their meaning.

Written from Protocol/wire.md alone (an independent encoder), so the Swift codec is checked against the spec.
"""
import base64
import json
import pathlib
import struct

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

ROOT = pathlib.Path(__file__).resolve().parent.parent
PACKAGE = bytes.fromhex("25e848da239b12b0c09016220cfdcd3ce3a67037d6042131e10093fdad5c3fe0")


def hexs(data):
    return " ".join(f"{b:02x}" for b in data)


def frame(type_byte, parts):
    """parts: list of (bytes, comment). Returns annotated hex and raw bytes."""
    payload = b"".join(p for p, _ in parts)
    length = struct.pack(">I", len(payload) + 1)
    lines = [f"{hexs(length)}  # length {len(payload) + 1}", f"{type_byte:02x}  # type"]
    lines += [f"{hexs(p)}  # {c}" for p, c in parts if p]
    return "\n".join(lines), length + bytes([type_byte]) + payload


cases = []


def add(name, type_byte, parts, meaning):
    annotated, _ = frame(type_byte, parts)
    cases.append({"name": name, "hex": annotated, "message": meaning})


def bad(name, annotated, error):
    cases.append({"name": name, "hex": annotated, "error": error})


add("hello from a node listening on 7310", 0x01,
    [(b"AMND", "magic"), (struct.pack(">H", 2), "version 2"), (struct.pack(">I", 0), "features"),
     (struct.pack(">H", 7310), "listen port 7310"), (bytes([9]), "name length"), (b"fablab-01", "name")],
    {"type": "hello", "version": 2, "features": 0, "listenPort": 7310, "name": "fablab-01"})
add("ping", 0x02, [(struct.pack(">Q", 0x0102030405060708), "nonce")], {"type": "ping", "nonce": 0x0102030405060708})
add("pong", 0x03, [(struct.pack(">Q", 42), "nonce")], {"type": "pong", "nonce": 42})
add("goodbye: shutting down", 0x04, [(struct.pack(">H", 8), "code 8 shutting down"), (struct.pack(">H", 8), "reason length"),
                                     (b"restart!", "reason")], {"type": "goodbye", "code": 8, "reason": "restart!"})
add("get-package", 0x10, [(struct.pack(">I", 7), "request 7"), (PACKAGE, "package ID")],
    {"type": "get-package", "request": 7, "package": PACKAGE.hex()})
add("package: not found", 0x11, [(struct.pack(">I", 7), "request 7"), (bytes([1]), "status not-found")],
    {"type": "package", "request": 7, "status": 1, "body": ""})
add("get-index", 0x12, [(struct.pack(">I", 8), "request 8"), (PACKAGE, "blob ID")],
    {"type": "get-index", "request": 8, "blob": PACKAGE.hex()})
add("get-chunk 3", 0x14, [(struct.pack(">I", 9), "request 9"), (PACKAGE, "blob ID"), (struct.pack(">I", 3), "chunk 3")],
    {"type": "get-chunk", "request": 9, "blob": PACKAGE.hex(), "chunk": 3})
add("chunk with 5 bytes of data", 0x15, [(struct.pack(">I", 9), "request 9"), (bytes([0]), "status ok"), (b"hello", "data")],
    {"type": "chunk", "request": 9, "status": 0, "body": b"hello".hex()})

add("hello with a name that is not ASCII", 0x01,
    [(b"AMND", "magic"), (struct.pack(">H", 2), "version 2"), (struct.pack(">I", 0), "features"),
     (struct.pack(">H", 7310), "port 7310"), (bytes([3]), "name length"), ("Sü".encode(), "'Sü' (ü is two bytes)")],
    {"type": "hello", "version": 2, "features": 0, "listenPort": 7310, "name": "Sü"})

# An index: the encoded chunk index of the 5-byte blob "hello" (Protocol/chunk-index.md), and a not-found answer.
chunk_index = next(c for c in json.loads((ROOT / "Protocol" / "vectors" / "chunk-index.json").read_text())["cases"] if c["blobSize"] > 0)
encoded_index = bytes.fromhex(chunk_index["encodedIndex"])
add("index: ok", 0x13, [(struct.pack(">I", 8), "request 8"), (bytes([0]), "status ok"), (encoded_index, "encoded chunk index")],
    {"type": "index", "request": 8, "status": 0, "body": encoded_index.hex()})
add("index: not found", 0x13, [(struct.pack(">I", 8), "request 8"), (bytes([1]), "status not-found")],
    {"type": "index", "request": 8, "status": 1, "body": ""})

# A node announcement signed with the RFC 8032 TEST 1 key (Ed25519 signatures are deterministic).
key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))
raw_public = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
node = base64.b32encode(raw_public).decode().lower().rstrip("=")
unsigned = {"addresses": ["198.51.100.7:7310"], "node": node, "schema": "allmende/node/1", "time": "2026-11-20T10:00:00Z"}
canonical = lambda value: json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
signature = key.sign(b"Allmende node v1\x00" + canonical(unsigned))
announcement = canonical(dict(unsigned, signature=signature.hex()))
add("node: a signed node announcement", 0x23, [(announcement, "canonical JSON of the announcement")],
    {"type": "node", "body": announcement.hex()})

add("announce a catalog entry", 0x20, [(b'{"signature":"..."}', "entry bytes")], {"type": "announce", "body": b'{"signature":"..."}'.hex()})
add("reconcile: session 5, skip everything", 0x21, [(struct.pack(">I", 5), "session 5"), (bytes([1, 0xFF, 0]), "version 1, infinity, skip")],
    {"type": "reconcile", "session": 5, "body": "01ff00"})
add("get-entries for two IDs", 0x22, [(struct.pack(">H", 2), "count 2"), (PACKAGE, "ID"), (PACKAGE[::-1], "ID")],
    {"type": "get-entries", "ids": [PACKAGE.hex(), PACKAGE[::-1].hex()]})
bad("get-entries claiming 3 IDs but carrying one", "00 00 00 23  # length 35\n22  # type\n00 03  # count 3\n" + " ".join(["ab"] * 32) + "  # one ID",
    "malformed get-entries: truncated")

# Holder records (Protocol/holders.md): the whole record of the holdings vectors, a get-holdings, a holders-reconcile.
holdings = next(c for c in json.loads((ROOT / "Protocol" / "vectors" / "holdings.json").read_text())["cases"] if c["valid"])["record"].encode()
add("holdings: a whole record", 0x24, [(holdings, "canonical JSON of the record")], {"type": "holdings", "body": holdings.hex()})
state_id = raw_public[:24] + struct.pack(">Q", 7)
add("get-holdings for one node's state", 0x25, [(struct.pack(">H", 1), "count 1"), (state_id, "24 bytes of the node key, seq 7")],
    {"type": "get-holdings", "ids": [state_id.hex()]})
add("holders-reconcile: skip everything", 0x26, [(bytes([1, 0xFF, 0]), "version 1, infinity, skip")],
    {"type": "holders-reconcile", "body": "01ff00"})
add("observed: the peer is seen at 203.0.113.5", 0x27, [(bytes([11]), "host length 11"), (b"203.0.113.5", "host")],
    {"type": "observed", "host": "203.0.113.5"})
bad("observed whose host is not UTF-8", "00 00 00 04  # length 4\n27  # type\n02  # host length 2\n61 ff  # 'a', then 0xff", "host is not UTF-8")
bad("observed with a host of 65 bytes", "00 00 00 43  # length 67\n27  # type\n41  # host length 65\n" + " ".join(["61"] * 65), "exceeds limit 66")
bad("get-holdings asking for 257 states", "00 00 00 03  # length 3\n25  # type\n01 01  # count 257", "257 IDs, at most 256")
bad("holdings with no record", "00 00 00 01  # length 1\n24  # type", "empty record")

bad("length zero", "00 00 00 00  # length 0", "empty frame")
bad("a frame claiming 4 GiB", "ff ff ff ff  # length 4294967295\n15  # type chunk", "exceeds limit 1048640")
bad("a control frame over 64 KiB", "00 01 00 01  # length 65537\n02  # type ping", "frame length 65537 exceeds limit 65536")
bad("a hello over 1 KiB", "00 00 04 01  # length 1025\n01  # type hello", "frame length 1025 exceeds limit 1024")
bad("unknown message type", "00 00 00 01  # length 1\n7f  # type 0x7f", "unknown message type 0x7f")
bad("ping with a truncated nonce", "00 00 00 05  # length 5\n02  # type\n00 00 00 01  # 4 of 8 nonce bytes", "malformed ping: truncated")
bad("pong with trailing bytes", "00 00 00 0a  # length 10\n03  # type\n00 00 00 00 00 00 00 01  # nonce\n ff  # extra",
    "1 unexpected bytes at the end")
bad("hello with the wrong magic", "00 00 00 12  # length 18\n01  # type\n48 54 54 50  # 'HTTP'\n00 01 00 00 00 00 1c 8e 04 61 62 63 64",
    "wrong magic")
bad("hello of version 1 (per-chunk hash indexes, before 2026-11-23)",
    "00 00 00 12  # length 18\n01  # type\n41 4d 4e 44  # magic\n00 01  # version 1\n00 00 00 00 1c 8e 04 61 62 63 64",
    "protocol version 1 is older than the oldest supported (2)")
bad("chunk with an unknown status", "00 00 00 06  # length 6\n15  # type\n00 00 00 01  # request\n09  # status 9", "unknown status 9")
bad("goodbye whose reason is not UTF-8 (a lone continuation byte)",
    "00 00 00 07  # length 7\n04  # type\n00 01  # code 1\n00 02  # reason length\n61 80  # 'a', then 0x80", "reason is not UTF-8")
bad("hello whose name ends inside a character",
    "00 00 00 10  # length 16\n01  # type\n41 4d 4e 44  # magic\n00 02  # version 2\n00 00 00 00  # features\n1c 8e  # port 7310\n"
    "02  # name length\n53 c3  # 'S', then half of 'ü'", "name is not UTF-8")
bad("package: not found, with trailing bytes", "00 00 00 08  # length 8\n11  # type\n00 00 00 07  # request 7\n01  # status not-found\n"
    "7b 7d  # '{}' after a non-ok status", "a non-ok answer carries no body")
bad("chunk: busy, with data", "00 00 00 08  # length 8\n15  # type\n00 00 00 09  # request 9\n02  # status busy\n"
    "00 00  # data after a non-ok status", "a non-ok answer carries no data")

doc = {
    "description": "Wire frames. 'hex' is annotated hex (text after # is a comment; whitespace is ignored). Cases with 'message' "
                   "must decode to that message (fields as in Protocol/wire.md; 'body' is the hex of the trailing bytes) and "
                   "re-encode to the same bytes, whole, drip-fed one byte at a time, and concatenated. Cases with 'error' must be "
                   "refused (the fragment is Allmende's message) without buffering the claimed payload.",
    "source": "Generated by Scripts/make-frame-vectors.py from Protocol/wire.md (independent of the Swift codec).",
    "cases": cases,
}
(ROOT / "Protocol" / "vectors" / "frames.json").write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
print(len(cases), "frame vectors")
