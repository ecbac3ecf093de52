// ChunkIndexTests.swift: the chained chunk index (Protocol/chunk-index.md): published vectors, encoding, must-reject
// inputs, and chunk checks that catch every kind of wrong chunk. Pure.

import AllmendeCrypto
import AllmendeStore
import AllmendeTestSupport
import Testing

@Suite("ChunkIndex")
struct ChunkIndexTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let note: String
        let chunkSize: Int
        let blobSize: Int
        let blobID: String
        let encoded: [UInt8]
        let indexID: String
        var testDescription: String { note }
    }

    static func vectors() throws -> [Vector] {
        try Repository.vectorCases("chunk-index.json").map { entry in
            Vector(note: entry["note"] as? String ?? "?", chunkSize: entry["chunkSize"] as? Int ?? 0, blobSize: entry["blobSize"] as? Int ?? 0,
                   blobID: entry["blobID"] as? String ?? "", encoded: Hex.decode(entry["encodedIndex"] as? String ?? "") ?? [],
                   indexID: entry["indexID"] as? String ?? "")
        }
    }

    /// The vectors' blob bytes: SHA-256("allmende chunk vector " ‖ u32 counter) for counter 0, 1, …, cut to `size`.
    static func vectorBlob(_ size: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var counter: UInt32 = 0
        while bytes.count < size {
            bytes += SHA256Hasher.hash(Array("allmende chunk vector ".utf8) + withUnsafeBytes(of: counter.bigEndian) { Array($0) }).bytes
            counter += 1
        }
        return Array(bytes.prefix(size))
    }

    @Test("matches the independent vectors in Protocol/vectors/chunk-index.json", arguments: try vectors())
    func matchesVectors(_ vector: Vector) throws {
        let data = Self.vectorBlob(vector.blobSize)
        let index = data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: vector.chunkSize) }
        #expect(index.encoded() == vector.encoded)
        #expect(index.id.hex == vector.indexID)
        #expect(index.blobID.hex == vector.blobID)
        #expect(index.blobID == SHA256Hasher.hash(data))
        let decoded = try ChunkIndex(decoding: vector.encoded)
        #expect(decoded == index)
        for chunk in 0..<decoded.chunkCount {
            #expect(decoded.verify(chunk: chunk, Array(data[decoded.byteRange(ofChunk: chunk)])))
        }
    }

    @Test("building from pieces of any size gives the same index as one piece")
    func builderPieces() {
        let data = pseudoRandomBytes(count: 5 * 4096 + 333, seed: 8)
        let whole = data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: 4096) }
        for pieceSize in [1, 63, 64, 1000, 4096, 4097, 9000] {
            var builder = ChunkIndexBuilder(chunkSize: 4096)
            for start in stride(from: 0, to: data.count, by: pieceSize) {
                data[start..<min(start + pieceSize, data.count)].withUnsafeBytes { builder.add($0) }
            }
            #expect(builder.finish() == whole, "pieces of \(pieceSize) bytes")
        }
    }

    @Test("a chunk check catches flipped bits, swapped chunks, a short or long chunk and a wrong number")
    func verifyCatchesWrongChunks() {
        let data = pseudoRandomBytes(count: 4 * 4096 + 10, seed: 9)
        let index = data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: 4096) }
        func chunk(_ n: Int) -> [UInt8] { Array(data[index.byteRange(ofChunk: n)]) }
        for n in 0..<index.chunkCount { #expect(index.verify(chunk: n, chunk(n))) }
        var flipped = chunk(2)
        flipped[100] ^= 0x01
        #expect(!index.verify(chunk: 2, flipped))
        #expect(!index.verify(chunk: 1, chunk(2)))   // right bytes, wrong place
        #expect(!index.verify(chunk: 3, chunk(3).dropLast() + [0]))
        #expect(!index.verify(chunk: 4, chunk(4) + [0]))
        #expect(!index.verify(chunk: 4, Array(chunk(4).dropLast())))
        #expect(!index.verify(chunk: 5, chunk(4)))
        #expect(!index.verify(chunk: -1, chunk(0)))
    }

    @Test("checking many chunks at once gives each chunk's own verdict, in lanes and out")
    func batchVerify() {
        let data = pseudoRandomBytes(count: 40 * 4096 + 100, seed: 12)
        let index = data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: 4096) }
        var chunks = (0..<index.chunkCount).map { (number: $0, bytes: Array(data[index.byteRange(ofChunk: $0)])) }
        chunks[3].bytes[7] ^= 0x10                                  // corrupt, inside the first 16
        chunks[20].bytes = chunks[21].bytes                         // right bytes, wrong place
        chunks[33].bytes.removeLast()                               // short
        chunks.append((number: 41, bytes: chunks[0].bytes))         // no such chunk
        chunks.append((number: 2, bytes: Array(data[index.byteRange(ofChunk: 2)])))   // a duplicate, right
        let expected = chunks.map { index.verify(chunk: $0.number, $0.bytes) }
        #expect(expected.filter { !$0 }.count == 4)
        func borrowAll(_ from: Int, _ buffers: [UnsafeRawBufferPointer]) -> [Bool] {
            guard from < chunks.count else { return index.verify(chunks: zip(chunks, buffers).map { ($0.number, $1) }) }
            return chunks[from].bytes.withUnsafeBytes { borrowAll(from + 1, buffers + [$0]) }
        }
        #expect(borrowAll(0, []) == expected)
        #expect(index.verify(chunks: []) == [])
    }

    @Test("encodes to the documented layout and decodes back")
    func roundTrip() throws {
        let data = pseudoRandomBytes(count: (1 << 20) + 5, seed: 3)
        let index = data.withUnsafeBytes { ChunkIndex(of: $0) }
        let bytes = index.encoded()
        #expect(bytes.count == 20 + 64)
        #expect(Array(bytes[0..<8]) == Array("AMCHUNK2".utf8))
        #expect(Array(bytes[8..<12]) == [0x00, 0x10, 0x00, 0x00])
        #expect(Array(bytes[12..<20]) == [0, 0, 0, 0, 0, 0x10, 0x00, 0x05])
        #expect(try ChunkIndex(decoding: bytes) == index)
        #expect(index.id == SHA256Hasher.hash(bytes))
        #expect(index.byteRange(ofChunk: 1) == (1 << 20)..<((1 << 20) + 5))
        #expect(Array(bytes[52..<84]) == SHA256Hasher.hash(data).bytes)
    }

    @Test("an empty blob has no chunks and the ID of no bytes")
    func empty() throws {
        let empty = ChunkIndex(chunkSize: 1 << 20, blobSize: 0, chainValues: [])
        #expect(try ChunkIndex(decoding: empty.encoded()) == empty)
        #expect(empty.encoded().count == 20)
        #expect(empty.blobID == SHA256Hasher.hash([UInt8]()))
    }

    @Test("rejects malformed encodings with a reason")
    func malformed() {
        let data = pseudoRandomBytes(count: (1 << 20) + 5, seed: 4)
        let index = data.withUnsafeBytes { ChunkIndex(of: $0) }
        var bytes = index.encoded()
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: Array(bytes.prefix(10))) }
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: Array(bytes.dropLast())) }
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: bytes + [0]) }
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: StoreError.malformedChunkIndex(reason: "missing 'AMCHUNK2' magic")) { try ChunkIndex(decoding: bytes) }
        bytes.replaceSubrange(0..<8, with: Array("AMCHUNK1".utf8))
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: bytes) }
        var badSize = index.encoded()
        badSize[10] = 0x01   // chunk size 0x100100: not a power of two
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: badSize) }
        var huge = index.encoded()
        huge[12] = 0xFF   // absurd blob size
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: huge) }
    }
}
