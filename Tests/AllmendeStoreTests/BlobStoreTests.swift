// BlobStoreTests.swift: the blob store on real files in temp folders.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("BlobStore")
struct BlobStoreTests {
    static let chunk = ChunkIndex.defaultChunkSize

    @Test("bytes put in come back out, with the SHA-256 as ID and a correct chunk index",
          arguments: [0, 1, 4095, chunk - 1, chunk, chunk + 1, 3 * chunk + 17])
    func roundTrip(size: Int) throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let data = pseudoRandomBytes(count: size, seed: UInt64(size))
            let path = try folder.write("input.bin", data)
            let stored = try store.put(contentsOf: path)
            #expect(stored.id == SHA256Hasher.hash(data))
            #expect(stored.size == size)
            #expect(!stored.wasAlreadyStored)
            #expect(store.has(stored.id))
            #expect(try store.size(of: stored.id) == size)
            #expect(try store.read(stored.id) == data)
            #expect(try store.list() == [stored.id])
            let index = try store.chunkIndex(of: stored.id)
            #expect(index == stored.chunkIndex)
            #expect(index.chunkCount == (size + Self.chunk - 1) / Self.chunk)
            #expect(index.blobID == stored.id)
            for number in 0..<index.chunkCount {
                #expect(index.verify(chunk: number, Array(data[index.byteRange(ofChunk: number)])))
            }
            #expect(try store.verify(stored.id) == .intact)
            // The same bytes through put(bytes:) give the same result and are recognised as present.
            let again = try store.put(bytes: data)
            #expect(again.id == stored.id && again.chunkIndex == stored.chunkIndex && again.wasAlreadyStored)
        }
    }

    @Test("the ID equals what sha256sum prints for the file")
    func agreesWithSha256sum() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let path = try folder.write("plywood-panel.dxf", pseudoRandomBytes(count: 2 * Self.chunk + 12_345, seed: 7))
            let stored = try store.put(contentsOf: path)
            let output = try ProcessRunner.run("sha256sum", [path])
            try #require(output.status == 0)
            #expect(output.standardOutput.hasPrefix(stored.id.hex + "  "))
        }
    }

    @Test("a stream from a pipe is stored in one pass, across many ring wrap-arounds")
    func streamFromPipe() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"), chunkSize: 1 << 16)
            let data = pseudoRandomBytes(count: (1 << 16) * 40 + 999, seed: 3)
            var fds: [Int32] = [0, 0]
            try #require(pipe(&fds) == 0)
            let writer = FileDescriptor(rawValue: fds[1])
            let feeder = Thread {
                try? writer.writeAll(data)
                writer.close()
            }
            feeder.start()
            let reader = FileDescriptor(rawValue: fds[0])
            defer { reader.close() }
            let stored = try store.put(from: reader)
            #expect(stored.id == SHA256Hasher.hash(data))
            #expect(stored.chunkIndex.chunkCount == 41)
            #expect(stored.chunkIndex.chunkSize == 1 << 16)
            #expect(try store.read(stored.id) == data)
            #expect(try store.verify(stored.id) == .intact)
        }
    }

    @Test("records of a longer stream (a bundle's blobs) are read with a limit: each stored or hashed whole, the stream left right after it",
          arguments: [0, 1, 4095, chunk - 1, chunk, chunk + 1])
    func recordsWithLimit(size: Int) throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let first = pseudoRandomBytes(count: size, seed: UInt64(size) + 11)
            let second = pseudoRandomBytes(count: size + 3, seed: UInt64(size) + 12)
            let path = try folder.write("records.bin", first + second + [7, 7])
            let file = try FileDescriptor.openForReading(path)
            defer { file.close() }
            let stored = try store.put(from: file, limit: first.count)
            #expect(stored.id == SHA256Hasher.hash(first) && stored.size == first.count)
            #expect(try store.read(stored.id) == first)
            let hashed = try store.hashOnly(from: file, limit: second.count)
            #expect(hashed.blobID == SHA256Hasher.hash(second) && hashed.blobSize == second.count)
            #expect(!store.has(hashed.blobID))
            var rest = [UInt8](repeating: 0, count: 4)
            let count = try rest.withUnsafeMutableBytes { try file.readFully(into: $0) }
            #expect(Array(rest[0..<count]) == [7, 7])
        }
    }

    @Test("concurrent puts of the same blob all succeed and leave one intact copy")
    func concurrentPuts() throws {
        try withTempDirectory("store") { folder throws in
            let root = folder.file("store")
            let data = pseudoRandomBytes(count: 3 * Self.chunk + 5, seed: 11)
            let path = try folder.write("same.bin", data)
            let results = LockedList<Result<ContentID, StoreError>>()
            let group = DispatchGroup()
            for _ in 0..<6 {
                DispatchQueue.global().async(group: group) {
                    results.append(Result { () throws(StoreError) in
                        try BlobStore(root: root).put(contentsOf: path).id   // a new store per writer, as processes would
                    })
                }
            }
            group.wait()
            let ids = try results.all.map { try $0.get() }
            #expect(ids.count == 6)
            #expect(Set(ids) == [SHA256Hasher.hash(data)])
            let store = try BlobStore(root: root)
            #expect(try store.list() == [SHA256Hasher.hash(data)])
            #expect(try store.verify(SHA256Hasher.hash(data)) == .intact)
            #expect(try FileSystem.contentsOfDirectory(root + "/tmp").isEmpty)
        }
    }

    @Test("chunks read or mapped from a stored blob are its bytes; a blob cut short is refused, not touched")
    func chunkAccess() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let data = pseudoRandomBytes(count: 3 * Self.chunk + 17, seed: 6)
            let stored = try store.put(bytes: data)
            let index = stored.chunkIndex
            for number in 0..<index.chunkCount {
                let expected = Array(data[index.byteRange(ofChunk: number)])
                var read = [UInt8](repeating: 0, count: expected.count)
                try read.withUnsafeMutableBytes { try store.readChunk(stored.id, chunk: number, index: index, into: $0) }
                #expect(read == expected)
                let mapping = try store.mapChunk(stored.id, chunk: number, index: index)
                #expect(Array(mapping.bytes) == expected)
                mapping.unmap()
            }
            #expect(throws: StoreError.blobNotFound(stored.id)) { try store.mapChunk(stored.id, chunk: index.chunkCount, index: index) }
            // Cut the file inside chunk 1: chunk 0 is still whole; mapping chunk 1 or 3 would fault, so it is refused.
            #expect(chmod(store.path(of: stored.id), 0o644) == 0)
            #expect(truncate(store.path(of: stored.id), off_t(Self.chunk + 5)) == 0)
            let first = try store.mapChunk(stored.id, chunk: 0, index: index)
            #expect(Array(first.bytes) == Array(data[0..<Self.chunk]))
            first.unmap()
            for number in [1, 3] {
                #expect(throws: StoreError.self) { try store.mapChunk(stored.id, chunk: number, index: index) }
            }
        }
    }

    @Test("a reader keeps streaming a blob that is removed meanwhile")
    func removeWhileReading() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            let data = pseudoRandomBytes(count: 2 * Self.chunk, seed: 5)
            let id = try store.put(bytes: data).id
            let descriptor = try store.open(id)
            defer { descriptor.close() }
            var received = [UInt8](repeating: 0, count: 1000)
            let first = try received.withUnsafeMutableBytes { try descriptor.readFully(into: $0) }
            #expect(first == 1000)
            #expect(try store.remove(id))
            #expect(!store.has(id))
            #expect(try !store.remove(id))
            let rest = try descriptor.readAll(limit: 1 << 30)
            #expect(Array(received.prefix(first)) + rest == data)
            #expect(throws: StoreError.blobNotFound(id)) { try store.open(id) }
            #expect(try store.verify(id) == .missing)
        }
    }

    @Test("prefixes resolve to the one blob they name; ambiguity and absence are explained")
    func prefixResolution() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            // Find two small inputs whose IDs share their first 4 hex digits.
            var seen: [String: [UInt8]] = [:]
            var pair: ([UInt8], [UInt8])?
            for number in 0..<100_000 where pair == nil {
                let input = Array("part-\(number)".utf8)
                let prefix = String(SHA256Hasher.hash(input).hex.prefix(4))
                if let other = seen[prefix] { pair = (other, input) } else { seen[prefix] = input }
            }
            let (a, b) = try #require(pair)
            let idA = try store.put(bytes: a).id
            let idB = try store.put(bytes: b).id
            let shared = try ContentIDPrefix(parsing: String(idA.hex.prefix(4)))
            #expect(throws: StoreError.ambiguousPrefix(prefix: shared.hex, candidates: [idA, idB].sorted())) {
                try store.resolve(shared)
            }
            #expect(try store.resolve(ContentIDPrefix(parsing: String(idA.hex.prefix(12)))) == idA)
            #expect(try store.resolve(ContentIDPrefix(parsing: idB.hex)) == idB)
            let absent = idA.hex.hasPrefix("0000") ? "ffff" : "0000"
            #expect(throws: StoreError.noMatch(prefix: absent)) { try store.resolve(ContentIDPrefix(parsing: absent)) }
            let missing = SHA256Hasher.hash(Array("never stored".utf8))
            #expect(throws: StoreError.blobNotFound(missing)) { try store.resolve(ContentIDPrefix(parsing: missing.hex)) }
        }
    }

    @Test("only regular files can be added")
    func refusesDirectories() throws {
        try withTempDirectory("store") { folder throws in
            let store = try BlobStore(root: folder.file("store"))
            try FileSystem.makeDirectories(folder.file("a-folder"))
            #expect(throws: StoreError.notARegularFile(path: folder.file("a-folder"))) {
                try store.put(contentsOf: folder.file("a-folder"))
            }
            do {
                _ = try store.put(contentsOf: folder.file("no-such-file"))
                Issue.record("stored a missing file")
            } catch let StoreError.system(error) {
                #expect(error.isNotFound)
                #expect(error.description.contains("no-such-file"))
            }
            #expect(try store.list().isEmpty)
        }
    }
}
