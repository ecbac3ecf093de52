#!/usr/bin/env python3
"""Writes Protocol/vectors/chunk-index.json from Protocol/chunk-index.md alone (independent of the Swift code).

SHA-256 is written out here (FIPS 180-4) because hashlib does not expose the chaining value; every finished
digest is cross-checked against hashlib.
"""
import hashlib
import json
import pathlib
import struct

ROOT = pathlib.Path(__file__).resolve().parent.parent

K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]
IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]
M = 0xFFFFFFFF


def rotr(x, n):
    return ((x >> n) | (x << (32 - n))) & M


def compress(state, block):
    w = list(struct.unpack(">16I", block))
    for t in range(16, 64):
        s0 = rotr(w[t - 15], 7) ^ rotr(w[t - 15], 18) ^ (w[t - 15] >> 3)
        s1 = rotr(w[t - 2], 17) ^ rotr(w[t - 2], 19) ^ (w[t - 2] >> 10)
        w.append((w[t - 16] + s0 + w[t - 7] + s1) & M)
    a, b, c, d, e, f, g, h = state
    for t in range(64):
        t1 = (h + (rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25)) + ((e & f) ^ (~e & g)) + K[t] + w[t]) & M
        t2 = ((rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22)) + ((a & b) ^ (a & c) ^ (b & c))) & M
        a, b, c, d, e, f, g, h = (t1 + t2) & M, a, b, c, (d + t1) & M, e, f, g
    return [(x + y) & M for x, y in zip(state, [a, b, c, d, e, f, g, h])]


def run(state, data):
    assert len(data) % 64 == 0
    for offset in range(0, len(data), 64):
        state = compress(state, data[offset:offset + 64])
    return state


def finish(state, tail, total):
    padded = tail + b"\x80" + b"\x00" * ((55 - len(tail)) % 64) + struct.pack(">Q", total * 8)
    return run(state, padded)


def words(state):
    return struct.pack(">8I", *state)


def blob(size):
    """Deterministic test bytes: SHA-256("allmende chunk vector " || u32 counter) for counter 0, 1, ..."""
    out = bytearray()
    counter = 0
    while len(out) < size:
        out += hashlib.sha256(b"allmende chunk vector " + struct.pack(">I", counter)).digest()
        counter += 1
    return bytes(out[:size])


def chunk_index(data, chunk_size):
    values = []
    state = IV
    count = (len(data) + chunk_size - 1) // chunk_size
    for i in range(count):
        piece = data[i * chunk_size:(i + 1) * chunk_size]
        if i < count - 1:
            state = run(state, piece)
            values.append(words(state))
        else:
            full = len(piece) - len(piece) % 64
            state = run(state, piece[:full])
            values.append(words(finish(state, piece[full:], len(data))))
    blob_id = values[-1] if values else hashlib.sha256(b"").digest()
    assert blob_id == hashlib.sha256(data).digest(), "the last chaining value must be the blob's SHA-256"
    encoded = b"AMCHUNK2" + struct.pack(">IQ", chunk_size, len(data)) + b"".join(values)
    return encoded, blob_id


cases = []
for chunk_size, size, note in [
    (4096, 0, "empty blob: no chunks, the 20-byte header only"),
    (4096, 1, "one byte: one short chunk, its value is the blob's SHA-256"),
    (4096, 4095, "one short chunk"),
    (4096, 4096, "exactly one chunk"),
    (4096, 4097, "one chunk and one byte"),
    (4096, 3 * 4096, "three full chunks: the last value is the finished SHA-256, not a chaining value"),
    (4096, 3 * 4096 + 100, "three full chunks and a short one"),
    (1 << 20, (1 << 20) + 5, "the example of chunk-index.md: 1 MiB + 5 bytes"),
]:
    data = blob(size)
    encoded, blob_id = chunk_index(data, chunk_size)
    cases.append({
        "note": note,
        "chunkSize": chunk_size,
        "blobSize": size,
        "blobID": blob_id.hex(),
        "encodedIndex": encoded.hex(),
        "indexID": hashlib.sha256(encoded).hexdigest(),
    })

document = {
    "description": "Chunk indexes (Protocol/chunk-index.md) of deterministic blobs. Blob bytes: the concatenation of "
                   "SHA-256(\"allmende chunk vector \" || counter as 4 big-endian bytes) for counter 0, 1, 2, ..., "
                   "cut to blobSize. encodedIndex is the whole encoded index in hex; indexID its SHA-256.",
    "source": "Scripts/make-chunk-index-vectors.py (SHA-256 written out from FIPS 180-4, digests checked against hashlib)",
    "cases": cases,
}
(ROOT / "Protocol/vectors/chunk-index.json").write_text(json.dumps(document, indent=2) + "\n")
print(f"wrote {len(cases)} cases")
