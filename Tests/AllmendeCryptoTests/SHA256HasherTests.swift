// SHA256HasherTests.swift: NIST vectors from Protocol/vectors/sha256.json and streaming equivalence.

import AllmendeCrypto
import AllmendeTestSupport
import Testing

@Suite("SHA-256")
struct SHA256HasherTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [UInt8]
        let expected: String
        var testDescription: String { name }
    }

    static func vectors() throws -> [Vector] {
        try Repository.vectorCases("sha256.json").map { entry in
            let input = entry["input"] as? [String: Any] ?? [:]
            let bytes: [UInt8]
            if let ascii = input["ascii"] as? String {
                bytes = Array(ascii.utf8)
            } else {
                let unit = Array((input["repeat"] as? String ?? "").utf8)
                bytes = Array([[UInt8]](repeating: unit, count: input["count"] as? Int ?? 0).joined())
            }
            return Vector(name: entry["name"] as? String ?? "?", input: bytes, expected: entry["expected"] as? String ?? "")
        }
    }

    @Test("matches the published NIST / FIPS 180 vectors", arguments: try vectors())
    func publishedVectors(_ vector: Vector) {
        #expect(SHA256Hasher.hash(vector.input).hex == vector.expected)
        let hasher = SHA256Hasher()
        hasher.update(vector.input)
        #expect(hasher.finalize().hex == vector.expected)
    }

    @Test("the vector file has the four required NIST cases")
    func vectorFileIsComplete() throws {
        let names = try Self.vectors().map(\.name).joined(separator: "\n")
        for needed in ["empty", "\"abc\"", "448-bit", "one million"] { #expect(names.contains(needed)) }
    }

    @Test("streaming in odd piece sizes equals one-shot hashing", arguments: [1, 3, 55, 63, 64, 65, 1000, 4097, 65_537])
    func streamingEqualsOneShot(pieceSize: Int) {
        let data = pseudoRandomBytes(count: 300_001, seed: UInt64(pieceSize))
        let hasher = SHA256Hasher()
        var offset = 0
        while offset < data.count {
            let end = min(offset + pieceSize, data.count)
            hasher.update(data[offset..<end])
            offset = end
        }
        #expect(hasher.finalize() == SHA256Hasher.hash(data))
    }

    @Test("empty updates change nothing")
    func emptyUpdates() {
        let hasher = SHA256Hasher()
        hasher.update([UInt8]())
        hasher.update(Array("abc".utf8))
        hasher.update([UInt8]())
        #expect(hasher.finalize().hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }
}
