// ChunkDataTests.swift: chunk data storage: alignment, equality, and the recycling of 1 MiB buffers.

import AllmendeTestSupport
@testable import AllmendeWire
import Synchronization
import Testing

@Suite("Chunk data")
struct ChunkDataTests {
    @Test("storage is page-aligned, equality compares bytes, and a filled copy reads back")
    func basics() throws {
        let bytes = pseudoRandomBytes(count: 100_000, seed: 1)
        let data = ChunkData(bytes)
        #expect(data.count == bytes.count && data.bytes == bytes)
        #expect(data.withUnsafeBytes { Int(bitPattern: $0.baseAddress) } % ChunkData.alignment == 0)
        #expect(data == ChunkData(bytes))
        var other = bytes
        other[99_999] ^= 1
        #expect(data != ChunkData(other))
        let built = ChunkData(count: 5) { buffer in for i in 0..<5 { buffer[i] = UInt8(i) } }
        #expect(built.bytes == [0, 1, 2, 3, 4])
        #expect(ChunkData.empty.isEmpty && ChunkData([]) == .empty)
    }

    @Test("a released 1 MiB buffer is reused for the next large chunk; at most maximumFree are kept; small ones are not pooled")
    func recycling() {
        let pool = ChunkStoragePool()
        let first = pool.take(count: 1 << 20)
        pool.give(first)
        #expect(pool.freeCount == 1)
        let again = pool.take(count: 300_000)
        #expect(again.baseAddress == first.baseAddress && again.count == ChunkStoragePool.bufferSize)
        #expect(Int(bitPattern: again.baseAddress) % ChunkData.alignment == 0)
        let many = (0..<(ChunkStoragePool.maximumFree + 4)).map { _ in pool.take(count: 1 << 20) } + [again]
        many.forEach { pool.give($0) }
        #expect(pool.freeCount == ChunkStoragePool.maximumFree)
        let small = pool.take(count: 100)
        #expect(small.count == 100)
        pool.give(small)
        #expect(pool.freeCount == ChunkStoragePool.maximumFree)
    }

    @Test("borrowed bytes are sent as they are, never pooled, and released exactly once when the data goes away")
    func borrowed() {
        let source = pseudoRandomBytes(count: 200_000, seed: 2)
        let backing = UnsafeMutableRawBufferPointer.allocate(byteCount: source.count, alignment: 16)
        backing.copyBytes(from: source)
        let releases = Mutex<[Int]>([])
        do {
            let data = ChunkData(borrowing: UnsafeRawBufferPointer(backing)) { bytes in releases.withLock { $0.append(bytes.count) } }
            #expect(data.count == source.count && data.bytes == source)
            #expect(FramePart.chunkData(data).withUnsafeBytes { $0.baseAddress } == UnsafeRawPointer(backing.baseAddress))
            #expect(releases.withLock { $0.isEmpty })
        }
        #expect(releases.withLock { $0 } == [source.count])
        backing.deallocate()   // a second free here would crash had the data handed the bytes to the pool
    }
}
