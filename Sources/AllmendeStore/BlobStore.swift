// BlobStore.swift: AllmendeStore. Content-addressed files on disk, named by their SHA-256.

import AllmendeCrypto
import AllmendeSystem
import Foundation

/// What `put` stored.
public struct StoredBlob: Sendable, Equatable {
    /// The blob's ID: SHA-256 of its bytes.
    public let id: ContentID
    /// The blob's chunk index.
    public let chunkIndex: ChunkIndex
    /// True if the blob was already in the store (the new copy was discarded).
    public let wasAlreadyStored: Bool

    /// Size of the blob in bytes.
    public var size: Int { chunkIndex.blobSize }
}

/// A folder of immutable blobs named by their SHA-256, each with its chunk index.
///
/// Layout under `root`: `blobs/ab/<64 hex>` (mode 0444), `chunks/ab/<64 hex>` (the blob's encoded chunk index),
/// `tmp/` (files being written, each held under an `flock` by its writer), `quarantine/` (what `fsck --repair`
/// moved aside). A blob becomes visible only by an atomic rename after its data is on the device, so a reader
/// never sees a partial blob; two writers of the same blob both succeed.
public final class BlobStore: Sendable {
    /// The store folder.
    public let root: String
    /// Bytes per chunk for new chunk indexes.
    public let chunkSize: Int

    /// Opens (creating if needed) the store at `root` and removes temporary files left by dead writers.
    public init(root: String, chunkSize: Int = ChunkIndex.defaultChunkSize) throws(StoreError) {
        self.root = FileSystem.absolutePath(root)
        self.chunkSize = chunkSize
        do {
            for folder in [self.root, blobsPath, chunksPath, temporaryPath] { try FileSystem.makeDirectories(folder) }
        } catch {
            throw .system(error)
        }
        _ = try? TemporaryBlobFile.removeAbandoned(in: temporaryPath)
    }

    /// Opens the store of a node home folder.
    public convenience init(home: NodeHome) throws(StoreError) {
        try self.init(root: home.storePath)
    }

    var blobsPath: String { root + "/blobs" }
    var chunksPath: String { root + "/chunks" }
    var temporaryPath: String { root + "/tmp" }
    public var quarantinePath: String { root + "/quarantine" }

    /// The path where blob `id` lives (whether or not it is stored).
    public func path(of id: ContentID) -> String {
        let hex = id.hex
        return blobsPath + "/" + hex.prefix(2) + "/" + hex
    }

    func chunkIndexPath(of id: ContentID) -> String {
        let hex = id.hex
        return chunksPath + "/" + hex.prefix(2) + "/" + hex
    }

    // MARK: Writing

    /// Stores the regular file at `path`; returns its ID (what `sha256sum` prints for it).
    public func put(contentsOf path: String, progress: ProgressHandler? = nil) throws(StoreError) -> StoredBlob {
        let source: FileDescriptor
        do { source = try FileDescriptor.openForReading(path) } catch { throw .system(error) }
        defer { source.close() }
        do {
            let info = try source.status()
            guard info.st_mode & S_IFMT == S_IFREG else { throw StoreError.notARegularFile(path: path) }
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .notARegularFile(path: path)
        }
        return try put(from: source, progress: progress)
    }

    /// Stores everything readable from `source` (a file, pipe or socket) until end of stream, or its next
    /// `limit` bytes if given (fewer if the stream ends first: the caller compares the stored size).
    public func put(from source: FileDescriptor, progress: ProgressHandler? = nil, limit: Int? = nil) throws(StoreError) -> StoredBlob {
        let temporary = try TemporaryBlobFile.create(in: temporaryPath)
        do {
            let index = try BlobIngest.run(
                source: source, destination: temporary.descriptor, chunkSize: chunkSize, progress: progress, limit: limit)
            return try commit(temporary, index: index)
        } catch {
            temporary.discard()
            throw error
        }
    }

    /// The chunk index (and so the ID and size) of the next `limit` bytes of `source`, storing nothing.
    public func hashOnly(from source: FileDescriptor, limit: Int, progress: ProgressHandler? = nil) throws(StoreError) -> ChunkIndex {
        try BlobIngest.run(source: source, destination: nil, chunkSize: chunkSize, progress: progress, limit: limit)
    }

    /// Stores `bytes`.
    public func put(bytes: [UInt8]) throws(StoreError) -> StoredBlob {
        let temporary = try TemporaryBlobFile.create(in: temporaryPath)
        do throws(StoreError) {
            do { try temporary.descriptor.writeAll(bytes) } catch { throw StoreError.system(error) }
            let index = bytes.withUnsafeBytes { ChunkIndex(of: $0, chunkSize: chunkSize) }
            return try commit(temporary, index: index)
        } catch {
            temporary.discard()
            throw error
        }
    }

    /// Makes a fully written temporary file visible under its ID: fsync, index, rename, fsync of the folder.
    private func commit(_ temporary: TemporaryBlobFile, index: ChunkIndex) throws(StoreError) -> StoredBlob {
        let id = index.blobID
        do throws(SystemError) {
            if has(id) {
                temporary.discard()
                if (try? storedChunkIndex(of: id)) == nil { try? writeChunkIndex(index, for: id) }
                return StoredBlob(id: id, chunkIndex: index, wasAlreadyStored: true)
            }
            // The blob first, then its index: a crash in between leaves a blob whose index is rebuilt on demand
            // (and by fsck), never an index whose blob is missing (which would look like lost data).
            try temporary.moveIntoPlace(at: path(of: id))
        } catch {
            throw .system(error)
        }
        try writeChunkIndex(index, for: id)
        return StoredBlob(id: id, chunkIndex: index, wasAlreadyStored: false)
    }

    /// Saves a chunk index atomically. Its temporary file is a locked file in tmp/, like a blob's, so what a
    /// crash leaves is removed when the store is next opened.
    func writeChunkIndex(_ index: ChunkIndex, for id: ContentID) throws(StoreError) {
        let target = chunkIndexPath(of: id)
        let temporary = try TemporaryBlobFile.create(in: temporaryPath)
        do throws(SystemError) {
            try temporary.descriptor.writeAll(index.encoded())
            try temporary.moveIntoPlace(at: target)
        } catch {
            temporary.discard()
            throw .system(error)
        }
    }

    // MARK: Reading

    /// True if blob `id` is stored.
    public func has(_ id: ContentID) -> Bool { (try? FileSystem.kind(of: path(of: id))) == .regular }

    /// The size of blob `id` in bytes.
    public func size(of id: ContentID) throws(StoreError) -> Int {
        do { return try FileSystem.size(of: path(of: id)) } catch {
            throw error.isNotFound ? .blobNotFound(id) : .system(error)
        }
    }

    /// Opens blob `id` for reading. The caller closes the descriptor; the blob stays readable through it
    /// even if it is removed from the store meanwhile.
    public func open(_ id: ContentID) throws(StoreError) -> FileDescriptor {
        do { return try FileDescriptor.openForReading(path(of: id)) } catch {
            throw error.isNotFound ? .blobNotFound(id) : .system(error)
        }
    }

    /// Reads a whole blob into memory, refusing blobs larger than `limit` bytes.
    public func read(_ id: ContentID, limit: Int = 64 << 20) throws(StoreError) -> [UInt8] {
        let descriptor = try open(id)
        defer { descriptor.close() }
        do { return try descriptor.readAll(limit: limit) } catch { throw .system(error) }
    }

    /// The chunk index of blob `id`, recomputed and saved if its file is missing or damaged.
    public func chunkIndex(of id: ContentID) throws(StoreError) -> ChunkIndex {
        if let stored = try? storedChunkIndex(of: id) { return stored }
        let descriptor = try open(id)
        defer { descriptor.close() }
        let index = try BlobIngest.run(source: descriptor, destination: nil, chunkSize: chunkSize)
        guard index.blobID == id else { throw .hashMismatch(expected: id, actual: index.blobID) }
        try writeChunkIndex(index, for: id)
        return index
    }

    /// The chunk index as saved on disk, without recomputing.
    func storedChunkIndex(of id: ContentID) throws(StoreError) -> ChunkIndex {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(chunkIndexPath(of: id), limit: 64 << 20) } catch { throw .system(error) }
        let index = try ChunkIndex(decoding: bytes)
        guard index.blobID == id else { throw .malformedChunkIndex(reason: "it does not end with the blob's SHA-256") }
        return index
    }

    /// The IDs of all stored blobs, sorted.
    public func list() throws(StoreError) -> [ContentID] {
        try listIDs(in: blobsPath)
    }

    func listIDs(in folder: String) throws(StoreError) -> [ContentID] {
        var ids: [ContentID] = []
        do {
            for fanout in try FileSystem.contentsOfDirectory(folder) where fanout.count == 2 {
                for name in try FileSystem.contentsOfDirectory(folder + "/" + fanout)
                where name.count == 64 && name.hasPrefix(fanout) {
                    if let id = try? ContentID(parsing: name), id.hex == name { ids.append(id) }
                }
            }
        } catch {
            throw .system(error)
        }
        return ids.sorted()
    }

    /// Resolves a typed prefix to the one stored blob it names.
    public func resolve(_ prefix: ContentIDPrefix) throws(StoreError) -> ContentID {
        if let id = prefix.completeID {
            guard has(id) else { throw .blobNotFound(id) }
            return id
        }
        let folder = blobsPath + "/" + prefix.hex.prefix(2)
        let names = (try? FileSystem.contentsOfDirectory(folder)) ?? []
        let matches = names.filter { $0.count == 64 && $0.hasPrefix(prefix.hex) }.compactMap { try? ContentID(parsing: $0) }.sorted()
        guard let first = matches.first else { throw .noMatch(prefix: prefix.hex) }
        guard matches.count == 1 else { throw .ambiguousPrefix(prefix: prefix.hex, candidates: matches) }
        return first
    }

    // MARK: Removing

    /// Removes blob `id` and its chunk index; returns false if it was not stored.
    @discardableResult
    public func remove(_ id: ContentID) throws(StoreError) -> Bool {
        let existed = has(id)
        do {
            try FileSystem.removeFile(path(of: id))
            try FileSystem.removeFile(chunkIndexPath(of: id))
        } catch {
            throw .system(error)
        }
        return existed
    }
}
