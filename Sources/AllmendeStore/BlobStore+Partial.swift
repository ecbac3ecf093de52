// BlobStore+Partial.swift: AllmendeStore. Blobs being fetched: written chunk by chunk, resumable, verified on commit.

import AllmendeCrypto
import AllmendeSystem
import Foundation

extension BlobStore {
    var partialPath: String { root + "/partial" }

    /// The partial file of a blob being fetched.
    public func partialFile(of id: ContentID) -> String { partialPath + "/" + id.hex }

    /// Opens (creating) the partial file of `id`, sized for `index`, and returns the chunks it already holds
    /// intact (re-hashed against the index), so an interrupted fetch never downloads a verified chunk twice.
    public func openPartial(_ id: ContentID, index: ChunkIndex) throws(StoreError) -> (FileDescriptor, Set<Int>) {
        let descriptor: FileDescriptor
        let existing: Int
        do {
            try FileSystem.makeDirectories(partialPath)
            descriptor = try FileDescriptor.open(partialFile(of: id), O_RDWR | O_CREAT, mode: 0o600)
            existing = Int(try descriptor.status().st_size)
        } catch {
            throw .system(error)
        }
        do throws(StoreError) {
            // Chunks wholly inside the existing file, each checked on its own against the index.
            let complete = existing >= index.blobSize ? index.chunkCount : min(index.chunkCount, existing / index.chunkSize)
            let bad = try Self.badChunks(in: descriptor, index: index, limit: complete)
            if existing != index.blobSize {
                do { try descriptor.truncate(to: index.blobSize) } catch { throw .system(error) }
            }
            return (descriptor, Set(0..<complete).subtracting(bad))
        } catch {
            descriptor.close()
            throw error
        }
    }

    /// Writes one verified chunk. With `direct`, a full chunk from a page-aligned buffer is written with
    /// `O_DIRECT` (no page-cache copy); if the file system refuses, or for a short last chunk, it is written
    /// through the page cache and its write-back is started at once so the final `fdatasync` stays short.
    public func writeChunk(
        _ raw: UnsafeRawBufferPointer, chunk: Int, index: ChunkIndex, to descriptor: FileDescriptor, direct: Bool
    ) throws(StoreError) {
        let offset = index.byteRange(ofChunk: chunk).lowerBound
        if direct, raw.count % 4096 == 0, offset % 4096 == 0, Int(bitPattern: raw.baseAddress) % 4096 == 0, descriptor.setDirectIO(true) {
            defer { _ = descriptor.setDirectIO(false) }
            if (try? pwriteAll(raw, at: offset, to: descriptor)) != nil { return }
            // Direct I/O refused (e.g. EINVAL on this file system): fall through to a buffered write.
        }
        do { try pwriteAll(raw, at: offset, to: descriptor) } catch { throw .system(error) }
        _ = linuxSyncFileRange(descriptor.rawValue, Int64(offset), Int64(raw.count), 2)   // SYNC_FILE_RANGE_WRITE
    }

    private func pwriteAll(_ raw: UnsafeRawBufferPointer, at offset: Int, to descriptor: FileDescriptor) throws(SystemError) {
        var written = 0
        while written < raw.count {
            let result = pwrite(descriptor.rawValue, raw.baseAddress! + written, raw.count - written, off_t(offset + written))
            if result < 0 && errno == EINTR { continue }
            if result <= 0 { throw SystemError.current("write", path: descriptor.path) }
            written += result
        }
    }

    /// Verifies the complete partial file against `id` and moves it into the store.
    ///
    /// With `chunksVerified` the caller checked every chunk it wrote (or kept) against `index`; since the index's
    /// chaining values end with `id`, that proves the file hashes to `id` and it is not read again. Otherwise it
    /// is re-hashed here.
    public func commitPartial(
        _ id: ContentID, index: ChunkIndex, descriptor: FileDescriptor, chunksVerified: Bool = false
    ) throws(StoreError) -> StoredBlob {
        let path = partialFile(of: id)
        do {
            try descriptor.syncData()
            guard lseek(descriptor.rawValue, 0, SEEK_SET) == 0 else { throw SystemError.current("seek", path: path) }
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .packageDamaged("\(error)")
        }
        let checked = chunksVerified && index.blobID == id
            ? index : try BlobIngest.run(source: descriptor, destination: nil, chunkSize: index.chunkSize)
        guard checked.blobID == id else {
            try? FileSystem.removeFile(path)
            throw .hashMismatch(expected: id, actual: checked.blobID)
        }
        do {
            try descriptor.setMode(0o444)
            let destination = self.path(of: id)
            try FileSystem.makeDirectories(FileSystem.parentDirectory(of: destination))
            try FileSystem.rename(path, to: destination)
            try FileSystem.syncDirectory(FileSystem.parentDirectory(of: destination))
        } catch {
            throw .system(error)
        }
        // After the blob (see `commit`): a crash in between leaves an index to rebuild, not a missing blob.
        try writeChunkIndex(checked, for: id)
        return StoredBlob(id: id, chunkIndex: checked, wasAlreadyStored: false)
    }

    /// Maps chunk `chunk` of complete blob `id` read-only (see `FileMapping`: complete blobs are never changed in
    /// place, and the file's size is checked first). The caller unmaps it.
    public func mapChunk(_ id: ContentID, chunk: Int, index: ChunkIndex) throws(StoreError) -> FileMapping {
        guard chunk >= 0 && chunk < index.chunkCount else { throw .blobNotFound(id) }
        let range = index.byteRange(ofChunk: chunk)
        let descriptor = try open(id)
        defer { descriptor.close() }   // the mapping outlives the descriptor
        let size: Int
        do { size = Int(try descriptor.status().st_size) } catch { throw .system(error) }
        guard range.upperBound <= size else { throw .packageDamaged("blob \(id.hex) is shorter than its chunk index") }
        do { return try FileMapping.map(descriptor, offset: range.lowerBound, count: range.count) } catch { throw .system(error) }
    }

    /// Reads chunk `chunk` of a stored blob into `buffer`, which must be exactly the chunk's size (for serving peers).
    public func readChunk(_ id: ContentID, chunk: Int, index: ChunkIndex, into buffer: UnsafeMutableRawBufferPointer) throws(StoreError) {
        guard chunk >= 0 && chunk < index.chunkCount else { throw .blobNotFound(id) }
        let range = index.byteRange(ofChunk: chunk)
        precondition(buffer.count == range.count, "the buffer must hold exactly chunk \(chunk)")
        let descriptor = try open(id)
        defer { descriptor.close() }
        let filled: Int
        do { filled = try descriptor.readFully(into: buffer, atOffset: range.lowerBound) } catch { throw .system(error) }
        guard filled == range.count else { throw .packageDamaged("blob \(id.hex) is shorter than its chunk index") }
    }
}

/// Linux sync_file_range(2) (declared by fcntl.h only with _GNU_SOURCE, so not part of the Glibc module).
@_silgen_name("sync_file_range")
private func linuxSyncFileRange(_ fd: Int32, _ offset: Int64, _ count: Int64, _ flags: UInt32) -> Int32
