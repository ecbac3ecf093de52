// FsckTests.swift: damaged stores (flipped bytes, crashes, stray files) are found, reported and repaired.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("fsck and crash recovery")
struct FsckTests {
    /// Flips one bit of the file at `path` at `offset`.
    static func flipByte(at offset: Int, in path: String) throws {
        chmod(path, 0o644)
        let descriptor = try FileDescriptor.open(path, O_RDWR)
        defer { descriptor.close() }
        var byte: [UInt8] = [0]
        _ = try byte.withUnsafeMutableBytes { try descriptor.read(into: $0, atOffset: offset) }
        byte[0] ^= 0x01
        let written = byte.withUnsafeBytes { pwrite(descriptor.rawValue, $0.baseAddress, 1, off_t(offset)) }
        #expect(written == 1)
    }

    /// The pid of a process that has already exited.
    static func deadProcessID() throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("a flipped byte is reported by verify and fsck with its chunk, and repair quarantines the blob")
    func flippedByte() throws {
        try withTempDirectory("fsck") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let chunk = ChunkIndex.defaultChunkSize
            let good = try store.put(bytes: pseudoRandomBytes(count: 100, seed: 1)).id
            let damaged = try store.put(bytes: pseudoRandomBytes(count: 3 * chunk, seed: 2)).id
            #expect(try store.fsck().isClean)

            try Self.flipByte(at: chunk + 4242, in: store.path(of: damaged))
            guard case let .corrupt(actual, badChunks) = try store.verify(damaged) else {
                Issue.record("flipped byte not detected")
                return
            }
            #expect(actual != damaged)
            #expect(badChunks == [1])
            #expect(try store.verify(good) == .intact)

            let report = try store.fsck()
            #expect(report.blobsChecked == 2)
            #expect(report.problems == [.corruptBlob(damaged, actual: actual, badChunks: [1])])
            #expect(report.problems[0].description.contains("bad chunks: 1"))

            let repaired = try store.fsck(repair: true)
            #expect(repaired.repairs.count == 1)
            #expect(!store.has(damaged))
            #expect(store.has(good))
            #expect(try FileSystem.contentsOfDirectory(folder.file("store/quarantine")).count == 1)
            #expect(try store.fsck().isClean)
        }
    }

    @Test("a truncated temporary file from a crashed writer is ignored and cleaned, not reported as damage")
    func abandonedTemporaryFile() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            let store = try BlobStore(root: root)
            let id = try store.put(bytes: Array("wall panel".utf8)).id
            let leftover = root + "/tmp/put-\(try Self.deadProcessID())-0123456789abcdef"
            try folder.write("../" + FileSystem.lastComponent(of: folder.path) + "/store/tmp/" + FileSystem.lastComponent(of: leftover),
                             pseudoRandomBytes(count: 12_345, seed: 9))
            #expect(FileSystem.exists(leftover))
            #expect(try store.list() == [id])
            let report = try store.fsck()
            #expect(report.isClean)
            #expect(report.cleaned.count == 1)
            #expect(!FileSystem.exists(leftover))
            // Opening the store (as the next process does) removes such files too.
            try folder.write("store/tmp/" + FileSystem.lastComponent(of: leftover), [1, 2, 3])
            _ = try BlobStore(root: root)
            #expect(!FileSystem.exists(leftover))
            #expect(try store.fsck().isClean)
        }
    }

    @Test("a temporary file still locked by a live writer is left alone")
    func liveTemporaryFile() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            _ = try BlobStore(root: root)
            let path = root + "/tmp/put-\(try Self.deadProcessID())-feedfacefeedface"
            let descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            defer { descriptor.close() }
            #expect(try descriptor.lockExclusive(wait: false))
            try descriptor.writeAll(Array("half written".utf8))
            let store = try BlobStore(root: root)
            #expect(FileSystem.exists(path))
            #expect(try store.fsck().isClean)
        }
    }

    @Test("what a crash between steps leaves is cleaned, not damage: a blob whose index was not saved, an atomic write's temp file")
    func crashLeftovers() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            let store = try BlobStore(root: root)
            let stored = try store.put(bytes: pseudoRandomBytes(count: 9000, seed: 12))
            let indexPath = root + "/chunks/" + stored.id.hex.prefix(2) + "/" + stored.id.hex
            chmod(indexPath, 0o644)
            try FileSystem.removeFile(indexPath)   // killed after the blob's rename, before the index was saved
            let leftover = try folder.write("store/chunks/" + stored.id.hex.prefix(2) + "/.tmp-" + stored.id.hex + "-\(try Self.deadProcessID())-1a2b3c",
                                            Array("half an index".utf8))
            #expect(try store.verify(stored.id) == .missingChunkIndex)
            let report = try store.fsck()
            #expect(report.isClean, "\(report.problems)")
            #expect(report.cleaned.count == 2)
            #expect(!FileSystem.exists(leftover))
            #expect(try store.verify(stored.id) == .intact)
            #expect(try store.fsck().cleaned.isEmpty)
        }
    }

    @Test("stray files, missing blobs and bad chunk indexes are reported and repaired")
    func strayAndMissing() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            let store = try BlobStore(root: root)
            let kept = try store.put(bytes: pseudoRandomBytes(count: 5000, seed: 4)).id
            let lost = try store.put(bytes: pseudoRandomBytes(count: 6000, seed: 5)).id
            try FileSystem.removeFile(store.path(of: lost))   // blob gone, chunk index left
            let stray = try folder.write("store/blobs/zz-notes.txt", Array("hello".utf8))
            let wrongName = try folder.write("store/blobs/ab/abcd", Array("x".utf8))
            let indexPath = root + "/chunks/" + kept.hex.prefix(2) + "/" + kept.hex
            chmod(indexPath, 0o644)
            try folder.write("store/chunks/" + kept.hex.prefix(2) + "/" + kept.hex, Array("not an index".utf8))

            let report = try store.fsck()
            #expect(report.problems.contains(.missingBlob(lost)))
            #expect(report.problems.contains(.strayFile(path: stray)))
            #expect(report.problems.contains(.strayFile(path: wrongName)))
            #expect(report.problems.contains { if case .badChunkIndex(kept, _) = $0 { return true } else { return false } })
            #expect(report.problems.count == 4)

            let repaired = try store.fsck(repair: true)
            #expect(repaired.repairs.count == 4)
            #expect(try store.fsck().isClean)
            #expect(try store.verify(kept) == .intact)
            #expect(try FileSystem.contentsOfDirectory(root + "/quarantine").count == 2)
        }
    }

    @Test("a chunk index of another blob, and an old 'AMCHUNK1' index, are reported and rebuilt")
    func foreignAndOldIndexes() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            let store = try BlobStore(root: root)
            let first = try store.put(bytes: pseudoRandomBytes(count: 9000, seed: 6))
            let second = try store.put(bytes: pseudoRandomBytes(count: 9000, seed: 7))
            let third = try store.put(bytes: pseudoRandomBytes(count: 700, seed: 8))
            func indexPath(_ id: ContentID) -> String { root + "/chunks/" + id.hex.prefix(2) + "/" + id.hex }
            // A well-formed index of the right size, but for other bytes.
            chmod(indexPath(first.id), 0o644)
            try FileSystem.removeFile(indexPath(first.id))
            try folder.write("store/chunks/" + first.id.hex.prefix(2) + "/" + first.id.hex, second.chunkIndex.encoded())
            // An index in the format of earlier versions.
            var old = third.chunkIndex.encoded()
            old.replaceSubrange(0..<8, with: Array("AMCHUNK1".utf8))
            chmod(indexPath(third.id), 0o644)
            try FileSystem.removeFile(indexPath(third.id))
            try folder.write("store/chunks/" + third.id.hex.prefix(2) + "/" + third.id.hex, old)

            guard case let .badChunkIndex(reason) = try store.verify(first.id) else {
                Issue.record("a foreign chunk index was not noticed")
                return
            }
            #expect(reason.contains("does not end with the blob's SHA-256"))
            let report = try store.fsck()
            #expect(report.problems.count == 2)
            #expect(report.problems.allSatisfy { $0.kind == "bad-chunk-index" })
            #expect(report.problems.contains { $0.description.contains("AMCHUNK1") })
            _ = try store.fsck(repair: true)
            #expect(try store.fsck().isClean)
            #expect(try store.chunkIndex(of: first.id) == first.chunkIndex)
            #expect(try store.chunkIndex(of: third.id) == third.chunkIndex)
        }
    }

    @Test("fsck counts interrupted fetches in partial/ and quarantines files there that are not named by a blob ID")
    func partialFolder() throws {
        try withTempDirectory("fsck") { folder throws in
            let root = folder.file("store")
            let store = try BlobStore(root: root)
            let data = pseudoRandomBytes(count: 9000, seed: 11)
            let index = data.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: 4096) }
            let (descriptor, have) = try store.openPartial(index.blobID, index: index)
            descriptor.close()
            #expect(have.isEmpty)
            let junk = try folder.write("store/partial/notes.txt", Array("left here by hand".utf8))
            let report = try store.fsck()
            #expect(report.partialFetches == 1)
            #expect(report.problems == [.strayFile(path: junk)])
            _ = try store.fsck(repair: true)
            let after = try store.fsck()
            #expect(after.isClean && after.partialFetches == 1)
            #expect(FileSystem.exists(store.partialFile(of: index.blobID)))
        }
    }
}
