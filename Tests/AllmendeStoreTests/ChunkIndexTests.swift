// ChunkIndexTests.swift: the encoded chunk index (Protocol/chunk-index.md) and its must-reject inputs. Pure.

import AllmendeCrypto
import AllmendeStore
import Testing

@Suite("ChunkIndex")
struct ChunkIndexTests {
    let index = ChunkIndex(chunkSize: 1 << 20, blobSize: (1 << 20) + 5,
                           chunkHashes: [SHA256Hasher.hash([1]), SHA256Hasher.hash([2])])

    @Test("encodes to the documented layout and decodes back")
    func roundTrip() throws {
        let bytes = index.encoded()
        #expect(bytes.count == 20 + 64)
        #expect(Array(bytes[0..<8]) == Array("AMCHUNK1".utf8))
        #expect(Array(bytes[8..<12]) == [0x00, 0x10, 0x00, 0x00])
        #expect(Array(bytes[12..<20]) == [0, 0, 0, 0, 0, 0x10, 0x00, 0x05])
        #expect(try ChunkIndex(decoding: bytes) == index)
        #expect(index.id == SHA256Hasher.hash(bytes))
        #expect(index.byteRange(ofChunk: 1) == (1 << 20)..<((1 << 20) + 5))
    }

    @Test("an empty blob has no chunks")
    func empty() throws {
        let empty = ChunkIndex(chunkSize: 1 << 20, blobSize: 0, chunkHashes: [])
        #expect(try ChunkIndex(decoding: empty.encoded()) == empty)
        #expect(empty.encoded().count == 20)
    }

    @Test("rejects malformed encodings with a reason")
    func malformed() {
        var bytes = index.encoded()
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: Array(bytes.prefix(10))) }
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: Array(bytes.dropLast())) }
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: bytes + [0]) }
        bytes[0] = UInt8(ascii: "X")
        #expect(throws: StoreError.malformedChunkIndex(reason: "missing 'AMCHUNK1' magic")) { try ChunkIndex(decoding: bytes) }
        var badSize = index.encoded()
        badSize[10] = 0x01   // chunk size 0x100100: not a power of two
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: badSize) }
        var huge = index.encoded()
        huge[12] = 0xFF   // absurd blob size
        #expect(throws: StoreError.self) { try ChunkIndex(decoding: huge) }
    }
}
