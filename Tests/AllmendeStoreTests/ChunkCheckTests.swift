// ChunkCheckTests.swift: finding damaged chunks of a stored blob, singly and in SIMD lanes, on real files.

import AllmendeCrypto
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Chunk check")
struct ChunkCheckTests {
    /// Engines to run the lane path with: the portable kernel and OpenSSL everywhere, AVX-512 where the CPU has it.
    static let engines: [SHA256ChainLanes.Engine?] = [nil, .portable, .openSSL] + (SHA256ChainLanes.cpuHasAVX512 ? [.avx512] : [])
    static let chunk = 4096
    /// 40 full chunks and a short last one: two full lane groups, a group of 8, and the last chunk alone.
    static let size = 40 * chunk + 100

    @Test("exactly the damaged chunks are found, wherever they sit in a lane group", arguments: engines)
    func damagedChunks(engine: SHA256ChainLanes.Engine?) throws {
        try withTempDirectory("chunkcheck") { folder throws in
            let store = try BlobStore(root: folder.file("store"), chunkSize: Self.chunk)
            let id = try store.put(bytes: pseudoRandomBytes(count: Self.size, seed: 12)).id
            let index = try store.chunkIndex(of: id)
            #expect(index.chunkCount == 41)
            try check(store, id, index, engine: engine, expect: [])
            let damaged = [0, 15, 16, 33, 39, 40]
            for chunk in damaged {
                // Inside the second 64 KiB slice would be past a 4 KiB chunk; vary the offset within the chunk instead.
                try FsckTests.flipByte(at: chunk * Self.chunk + (chunk * 97) % min(Self.chunk, index.byteRange(ofChunk: chunk).count),
                                       in: store.path(of: id))
            }
            try check(store, id, index, engine: engine, expect: damaged)
            // Only the first 20 chunks (as when resuming a partial file).
            let descriptor = try store.open(id)
            defer { descriptor.close() }
            #expect(try BlobStore.badChunks(in: descriptor, index: index, limit: 20, lanes: engine) == [0, 15, 16])
        }
    }

    @Test("chunks the file does not reach count as damaged; large chunks are read in slices", arguments: engines)
    func shortFileAndSlices(engine: SHA256ChainLanes.Engine?) throws {
        try withTempDirectory("chunkcheck") { folder throws in
            // 256 KiB chunks: four 64 KiB slices per chunk in the lane path.
            let chunk = 256 * 1024
            let store = try BlobStore(root: folder.file("store"), chunkSize: chunk)
            let id = try store.put(bytes: pseudoRandomBytes(count: 18 * chunk + 5, seed: 13)).id
            let index = try store.chunkIndex(of: id)
            try check(store, id, index, engine: engine, expect: [])
            try FsckTests.flipByte(at: 3 * chunk + 200_000, in: store.path(of: id))   // in chunk 3's last slice
            try check(store, id, index, engine: engine, expect: [3])
            #expect(truncate(store.path(of: id), off_t(12 * chunk + 1000)) == 0)
            try check(store, id, index, engine: engine, expect: [3] + Array(12...18))
        }
    }

    private func check(_ store: BlobStore, _ id: ContentID, _ index: ChunkIndex, engine: SHA256ChainLanes.Engine?, expect: [Int]) throws {
        let descriptor = try store.open(id)
        defer { descriptor.close() }
        #expect(try BlobStore.badChunks(in: descriptor, index: index, lanes: engine) == expect)
    }
}
