#!/usr/bin/env python3
"""Writes Protocol/vectors/lab-profiles.json: signed lab profiles (Protocol/lab-profile.md).

A second, independent implementation of the signing rules (Python's json + hashlib and PyCA cryptography's
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
DEVICE = Ed25519PrivateKey.from_private_bytes(bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"))  # RFC 8032 TEST 1
LAB = Ed25519PrivateKey.from_private_bytes(bytes.fromhex("4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"))  # RFC 8032 TEST 2
OTHER = Ed25519PrivateKey.from_private_bytes(bytes.fromhex("c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7"))  # RFC 8032 TEST 3
CONTEXT = b"Allmende lab profile v1\x00"


def canonical(value):
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def node_id(key):
    raw = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return base64.b32encode(raw).decode().lower().rstrip("=")


def delegation(identity_key, device_key, valid_from="2026-11-01T00:00:00Z"):
    unsigned = {"schema": "allmende/delegation/1", "identity": node_id(identity_key), "device": node_id(device_key),
                "validFrom": valid_from, "label": "workshop node"}
    return dict(unsigned, signature=identity_key.sign(b"Allmende delegation v1\x00" + canonical(unsigned)).hex())


def signed(profile, key, with_delegation=None):
    entry = {"profile": profile, "signer": node_id(key), "signature": key.sign(CONTEXT + canonical(profile)).hex()}
    if with_delegation is not None:
        entry["delegation"] = with_delegation
    return entry


def profile(time="2026-11-20T09:00:00Z", **extra):
    value = {
        "schema": "allmende/lab-profile/1", "identity": node_id(LAB), "time": time,
        "name": "Fab Lab Altona", "facilityStatus": "active", "accessType": "public",
        "description": "Open workshop with a large CNC router for timber building systems.",
        "location": {"city": "Hamburg", "country": "DE", "latitude": "53.55", "longitude": "9.93"},
        "openingHours": "Tue-Sat 10:00-20:00", "languages": ["de", "en"],
        "equipment": [{"kind": "cnc-routing", "name": "CNC router", "make": "Felder", "model": "F4", "workingArea": [3100, 2100, 200],
                       "materials": ["plywood", "MDF"], "maxThickness": "40"},
                      {"kind": "laser-cutting", "name": "laser cutter", "workingArea": [1300, 900], "maxThickness": "8"}],
        "manufacturingProcesses": ["woodworking", "assembly"], "typicalMaterials": ["birch plywood 18 mm"],
        "services": ["supervised-use", "builds-to-order"],
    }
    value.update(extra)
    return value


def case(name, entry, valid, why=None, text=None):
    body = text if text is not None else canonical(entry).decode()
    result = {"name": name, "entry": body, "valid": valid}
    if valid:
        result["entryID"] = hashlib.sha256(body.encode()).hexdigest()
    else:
        result["why"] = why
    return result


lab_delegation = delegation(LAB, DEVICE)
cases = [
    case("signed by the lab identity itself", signed(profile(), LAB), True),
    case("signed by a delegated device", signed(profile(time="2026-11-21T09:00:00Z"), DEVICE, lab_delegation), True),
    case("a withdrawal", signed({"schema": "allmende/lab-profile/1", "identity": node_id(LAB), "time": "2026-11-22T09:00:00Z",
                                 "withdrawn": "the workshop has moved"}, LAB), True),
    case("minimal: a name and a city", signed({"schema": "allmende/lab-profile/1", "identity": node_id(LAB), "time": "2026-11-20T09:00:00Z",
                                               "name": "Repair Café", "facilityStatus": "active",
                                               "location": {"city": "Berlin", "country": "DE"}}, LAB), True),
]
tampered = signed(profile(), LAB)
tampered["profile"]["name"] = "Fab Lab Ottensen"
cases.append(case("name changed after signing", tampered, False, "signature"))
cases.append(case("a device key without a delegation", signed(profile(), DEVICE), False, "delegation"))
cases.append(case("a delegation by another identity", signed(profile(), DEVICE, delegation(OTHER, DEVICE)), False, "delegation"))
cases.append(case("signed before the delegation was valid", signed(profile(time="2026-10-01T00:00:00Z"), DEVICE, lab_delegation), False, "delegation"))
cases.append(case("coordinates finer than 0.01 degree", signed(profile(location={"city": "Hamburg", "country": "DE", "latitude": "53.551",
                                                                                 "longitude": "9.993"}), LAB), False, "field"))
cases.append(case("an unknown field", signed(profile(owner="someone"), LAB), False, "field"))
cases.append(case("an equipment kind outside the process vocabulary",
                  signed(profile(equipment=[{"kind": "lathe"}]), LAB), False, "field"))
cases.append(case("a country that is not an ISO code", signed(profile(location={"city": "Hamburg", "country": "Germany"}), LAB), False, "field"))
spaced = signed(profile(), LAB)
cases.append(case("not in canonical form", spaced, False, "canonical", text=json.dumps(spaced, sort_keys=True)))

document = {
    "description": "Signed lab profiles (allmende/lab-profile/1, Protocol/lab-profile.md). Lab identity key = RFC 8032 TEST 2 "
                   "seed, device key = TEST 1 seed, a third identity = TEST 3 seed. A valid entry parses, verifies, re-encodes "
                   "to the same bytes and has the given entry ID (SHA-256 of the bytes); an invalid one is refused.",
    "labIdentity": node_id(LAB), "device": node_id(DEVICE),
    "cases": cases,
}
out = ROOT / "Protocol" / "vectors" / "lab-profiles.json"
out.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
print("wrote", out, len(cases), "cases")
