// BlobBatchTests.swift: many small files stored in one pass, several at once, durable with one sync per folder:
// the same blobs and chunk indexes as the streaming path, nothing left behind, large files declined.

import AllmendeCrypto
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Small blobs in batches")
struct BlobBatchTests {
    static let chunk = 1 << 16

    @Test("300 small files on 4 threads: each blob and chunk index as the streaming path stores it; duplicates and larger files handled")
    func manySmallFiles() throws {
        try withTempDirectory("batch") { folder throws in
            let store = try BlobStore(root: folder.file("store"), chunkSize: Self.chunk)
            var paths: [String] = []
            var contents: [[UInt8]] = []
            for number in 0..<300 {
                // Sizes 0 … chunk-1, two files with the same bytes, and one file of exactly a chunk (too large here).
                let size = number == 299 ? Self.chunk : (number * 997) % Self.chunk
                let bytes = number == 1 ? contents[0] : pseudoRandomBytes(count: size, seed: UInt64(number))
                contents.append(bytes)
                paths.append(try folder.write("part-\(number).stl", bytes))
            }
            let (results, error) = store.putSmallFiles(paths, workers: 4)
            #expect(error == nil)
            #expect(results[299] == nil, "a file of a whole chunk takes the streaming path")
            for (number, result) in results.enumerated().dropLast() {
                let blob = try #require(result)
                #expect(blob.id == SHA256Hasher.hash(contents[number]))
                #expect(try store.read(blob.id) == contents[number])
                #expect(try store.chunkIndex(of: blob.id) == contents[number].withUnsafeBytes { ChunkIndex(of: $0, chunkSize: Self.chunk) })
                #expect(try store.verify(blob.id) == .intact)
            }
            // Nothing is left in tmp/ or as stray files; stored files are read-only.
            #expect(try FileSystem.contentsOfDirectory(folder.file("store") + "/tmp").isEmpty)
            let report = try store.fsck(repair: false)
            #expect(report.isClean, "\(report.problems)")
            let blob = try #require(results[5])
            var info = stat()
            #expect(stat(store.path(of: blob.id), &info) == 0 && info.st_mode & 0o777 == 0o444)
            // The same files again: all recognised as stored.
            let again = store.putSmallFiles(Array(paths.dropLast()), workers: 2)
            #expect(again.results.allSatisfy { $0?.wasAlreadyStored == true })
        }
    }

    @Test("where unnamed files cannot be used, locked temporary files are renamed instead; an unreadable file stops the batch with its error")
    func fallbackAndErrors() throws {
        try withTempDirectory("batch-fallback") { folder throws in
            let store = try BlobStore(root: folder.file("store"), chunkSize: Self.chunk)
            var batch = BlobBatch()
            batch.hasUnnamedFiles = false
            let bytes = pseudoRandomBytes(count: 5000, seed: 9)
            let stored = try #require(try store.putSmall(contentsOf: try folder.write("a.bin", bytes), batch: &batch))
            try store.finish(&batch)
            #expect(try store.read(stored.id) == bytes)
            #expect(try FileSystem.contentsOfDirectory(folder.file("store") + "/tmp").isEmpty)
            let (_, error) = store.putSmallFiles([try folder.write("b.bin", [1, 2, 3]), folder.file("missing.bin")], workers: 1)
            #expect(error != nil)
            #expect(throws: StoreError.self) { _ = try store.putSmall(contentsOf: folder.path, batch: &batch) }
        }
    }
}
