#!/usr/bin/env python3
"""Writes Protocol/vectors/holdings.json: holdings records (Protocol/holders.md).

A second, independent implementation of the record rules (Python's json + hashlib and PyCA cryptography's
Ed25519), so the vectors check the Swift code rather than repeat it. Requires:
    python3 -m pip install cryptography
"""
import base64
import hashlib
import json
import pathlib

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives import serialization

ROOT = pathlib.Path(__file__).resolve().parent.parent
TEST1 = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")  # RFC 8032 TEST 1 seed
TEST2 = bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb")  # RFC 8032 TEST 2 seed
CONTEXT = b"Allmende holdings v1\x00"


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def node_id(key):
    return base64.b32encode(key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)).decode().lower().rstrip("=")


NODE = Ed25519PrivateKey.from_private_bytes(TEST1)
NODE_ID = node_id(NODE)
LAB = Ed25519PrivateKey.from_private_bytes(TEST2)


def delegation(device, label="Offene Werkstatt, workshop node"):
    unsigned = {"schema": "allmende/delegation/1", "identity": node_id(LAB), "device": device, "validFrom": "2026-11-01T00:00:00Z",
                "label": label}
    return dict(unsigned, signature=LAB.sign(b"Allmende delegation v1\x00" + canonical(unsigned)).hex())
IDS = sorted(hashlib.sha256(f"package {n}".encode()).hexdigest() for n in range(5))


def digest(ids):
    return hashlib.sha256(b"".join(bytes.fromhex(i) for i in sorted(ids))).hexdigest()


def record(ids, seq, time, expires, base=0, added=None, removed=None, sign_count=None, addresses=("198.51.100.7:7310",)):
    state = {"schema": "allmende/holdings/1", "node": NODE_ID, "addresses": list(addresses), "seq": seq, "time": time, "expires": expires,
             "count": len(ids) if sign_count is None else sign_count, "digest": digest(ids)}
    signature = NODE.sign(CONTEXT + canonical(state)).hex()
    document = dict(state, signature=signature, base=base, added=sorted(ids) if added is None else added)
    if removed:
        document["removed"] = removed
    return document


def text(document):
    return canonical(document).decode()


cases = []
whole = record(IDS, 7, "2026-12-01T12:00:00Z", "2026-12-04T12:00:00Z")
cases.append({"name": "whole state of five packages", "record": text(whole), "valid": True, "digestOfAdded": digest(IDS)})
empty = record([], 8, "2026-12-01T12:00:00Z", "2026-12-04T12:00:00Z")
cases.append({"name": "whole state of nothing (a node that dropped everything)", "record": text(empty), "valid": True,
              "digestOfAdded": digest([])})
new_ids = IDS[1:] + [hashlib.sha256(b"package 5").hexdigest()]
change = record(new_ids, 9, "2026-12-02T12:00:00Z", "2026-12-05T12:00:00Z", base=7,
                added=sorted(set(new_ids) - set(IDS)), removed=sorted(set(IDS) - set(new_ids)))
cases.append({"name": "a change against state 7: one added, one removed (apply to the whole state above)", "record": text(change),
              "valid": True, "appliesTo": "whole state of five packages", "resultingDigest": digest(new_ids)})
renewal = record(IDS, 10, "2026-12-03T12:00:00Z", "2026-12-06T12:00:00Z", base=7, added=[])
cases.append({"name": "a renewal: a change with nothing added or removed", "record": text(renewal), "valid": True})
forged = dict(whole)
forged["count"] = 4
cases.append({"name": "count altered after signing (parses; the signature fails)", "record": text(forged), "valid": True,
              "signatureValid": False})
unsorted = dict(whole, added=[IDS[1], IDS[0]] + IDS[2:])
cases.append({"name": "added not sorted", "record": text(unsorted), "valid": False})
repeated = dict(whole, added=[IDS[0]] + IDS[:4])
cases.append({"name": "an ID listed twice", "record": text(repeated), "valid": False})
cases.append({"name": "base not before seq", "record": text(dict(whole, base=7)), "valid": False})
cases.append({"name": "seq 0", "record": text(record(IDS, 0, "2026-12-01T12:00:00Z", "2026-12-02T12:00:00Z")), "valid": False})
cases.append({"name": "valid for more than 7 days",
              "record": text(record(IDS, 3, "2026-12-01T12:00:00Z", "2026-12-08T12:00:01Z")), "valid": False})
cases.append({"name": "expires before its time",
              "record": text(record(IDS, 3, "2026-12-01T12:00:00Z", "2026-12-01T11:00:00Z")), "valid": False})
cases.append({"name": "a whole record that removes", "record": text(dict(whole, removed=[IDS[0]])), "valid": False})
cases.append({"name": "an unknown field", "record": text(dict(whole, mirror=True)), "valid": False})
cases.append({"name": "an upper-case ID", "record": text(dict(whole, added=[i.upper() for i in IDS])), "valid": False})
no_address = record(IDS, 11, "2026-12-01T12:00:00Z", "2026-12-04T12:00:00Z", addresses=())
cases.append({"name": "a node that gives no address", "record": text(no_address), "valid": True, "digestOfAdded": digest(IDS)})
moved = dict(whole, addresses=["203.0.113.9:7310"])
cases.append({"name": "address altered after signing (parses; the signature fails)", "record": text(moved), "valid": True,
              "signatureValid": False})
cases.append({"name": "a whole record with the lab's delegation of this node", "record": text(dict(whole, delegation=delegation(NODE_ID))),
              "valid": True, "delegationValid": True})
cases.append({"name": "a delegation of another device (parses; must not name the lab)",
              "record": text(dict(whole, delegation=delegation(node_id(LAB)))), "valid": True, "delegationValid": False})
cases.append({"name": "a change that carries a delegation", "record": text(dict(change, delegation=delegation(NODE_ID))), "valid": False})
cases.append({"name": "five addresses", "record": text(record(IDS, 12, "2026-12-01T12:00:00Z", "2026-12-04T12:00:00Z",
                                                              addresses=[f"198.51.100.{n}:7310" for n in range(5)])), "valid": False})

out = {
    "description": "Holdings records (Protocol/holders.md). 'record' is the canonical JSON of a record. For valid cases an "
                   "implementation must parse it, re-encode it to the same bytes, and verify the signature over "
                   "\"Allmende holdings v1\\0\" + canonical({schema, node, addresses, seq, time, expires, count, digest}) with the node's "
                   "key (signatureValid=false: the signature must fail). digestOfAdded = SHA-256 of the sorted 32-byte IDs. "
                   "Cases with valid=false must be refused when parsed.",
    "source": "Generated by Scripts/make-holdings-vectors.py with PyCA cryptography Ed25519; node key = RFC 8032 TEST 1 seed.",
    "cases": cases,
}
(ROOT / "Protocol/vectors/holdings.json").write_text(json.dumps(out, indent=2, ensure_ascii=False) + "\n")
print(f"wrote {len(cases)} cases")
