// BlobStore+Batch.swift: AllmendeStore. Many small files in one pass: each is read into one reused buffer,
// hashed and written from memory on the calling thread, and the batch is made durable with one `fsync` per
// folder it touched instead of four syncs per file.

import AllmendeCrypto
import AllmendeSystem
import Dispatch
import Glibc
import Synchronization

/// What a batch of small blobs has written and not yet made durable.
public struct BlobBatch: Sendable {
    /// Folders that gained entries (renamed into) since the batch began.
    var touched: Set<String> = []
    /// Folders known to exist.
    var existing: Set<String> = []
    /// The read buffer, reused for every file.
    var buffer: [UInt8] = []
    /// False once the file system refused an unnamed file (`O_TMPFILE`).
    var hasUnnamedFiles = true

    public init() {}
}

extension BlobStore {
    /// Stores the regular file at `path` as part of `batch` if it is smaller than one chunk; nil if it is not (store
    /// it with `put(contentsOf:)`). Its data is written out (`sync_file_range`, waiting for the device) before it is
    /// renamed into place; `finish(_:)` then syncs each folder the batch touched once, which makes the names and
    /// (with the device cache flush that sync issues) the data durable. Until `finish` returns, nothing may refer
    /// to the batch's blobs durably (a publish writes its manifest after it).
    public func putSmall(contentsOf path: String, batch: inout BlobBatch) throws(StoreError) -> StoredBlob? {
        let source: FileDescriptor
        do { source = try FileDescriptor.openForReading(path) } catch { throw .system(error) }
        defer { source.close() }
        let info: stat
        do { info = try source.status() } catch { throw .system(error) }
        guard info.st_mode & S_IFMT == S_IFREG else { throw .notARegularFile(path: path) }
        let size = Int(info.st_size)
        guard size < chunkSize else { return nil }
        // One byte more than the size: a file that grew meanwhile is left to the streaming path.
        if batch.buffer.count < size + 1 { batch.buffer = [UInt8](repeating: 0, count: max(size + 1, 64 * 1024)) }
        let result = batch.buffer.withUnsafeMutableBytes { buffer in
            Result { () throws(SystemError) in try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size + 1])) }
        }
        let read: Int
        do { read = try result.get() } catch { throw .system(error) }
        guard read <= size else { return nil }
        let stored = batch.buffer.withUnsafeBytes { buffer in
            Result { () throws(StoreError) -> (StoredBlob, [UInt8]?) in
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<read])
                let index = ChunkIndex(of: bytes, chunkSize: chunkSize)
                if has(index.blobID) {
                    if (try? storedChunkIndex(of: index.blobID)) == nil { try writeChunkIndex(index, for: index.blobID) }
                    return (StoredBlob(id: index.blobID, chunkIndex: index, wasAlreadyStored: true), nil)
                }
                return (StoredBlob(id: index.blobID, chunkIndex: index, wasAlreadyStored: false), index.encoded())
            }
        }
        let (blob, encodedIndex) = try stored.get()
        guard let encodedIndex else { return blob }
        // The blob first, then its index (as in `commit`): a crash between leaves a blob whose index is rebuilt.
        let contents = Array(batch.buffer[0..<read])
        try place(contents, at: self.path(of: blob.id), batch: &batch, writeOut: true)
        // The index is not written out: if a crash loses its bytes, it is rebuilt from the blob (as fsck does).
        try place(encodedIndex, at: chunkIndexPath(of: blob.id), batch: &batch, writeOut: false)
        return blob
    }

    /// Makes everything `batch` wrote durable: one `fsync` per folder it renamed files into.
    public func finish(_ batch: inout BlobBatch) throws(StoreError) {
        do {
            for folder in batch.touched.sorted() { try FileSystem.syncDirectory(folder) }
        } catch {
            throw .system(error)
        }
        batch.touched.removeAll()
    }

    /// Writes `bytes` to an unnamed file in the destination's folder (nothing is left behind if the process dies;
    /// no shared temporary folder to contend for), writes it out if asked, and links it to `destination`. Where the
    /// file system has no unnamed files, a locked temporary file in tmp/ is renamed instead.
    private func place(_ bytes: [UInt8], at destination: String, batch: inout BlobBatch, writeOut: Bool) throws(StoreError) {
        let folder = FileSystem.parentDirectory(of: destination)
        do throws(SystemError) {
            if !batch.existing.contains(folder) {
                try FileSystem.makeDirectories(folder)
                batch.existing.insert(folder)
            }
            if batch.hasUnnamedFiles, let file = try? FileDescriptor.openUnnamed(in: folder, mode: 0o444) {
                defer { file.close() }
                try file.writeAll(bytes)
                if writeOut { try file.writeOut() }
                // Already there (another writer stored the same bytes): nothing to do.
                _ = try file.link(to: destination)
                batch.touched.insert(folder)
                return
            }
            batch.hasUnnamedFiles = false
        } catch {
            throw .system(error)
        }
        let temporary = try TemporaryBlobFile.create(in: temporaryPath)
        do throws(SystemError) {
            try temporary.descriptor.writeAll(bytes)
            if writeOut { try temporary.descriptor.writeOut() }
            try temporary.descriptor.setMode(0o444)
            try FileSystem.rename(temporary.path, to: destination)
            temporary.close()
            batch.touched.insert(folder)
        } catch {
            temporary.discard()
            throw .system(error)
        }
    }
}

extension BlobStore {
    /// Stores the small files among `paths` (see `putSmall`) on `workers` threads at once — their syncs wait on the
    /// device, so several in flight keep it busy — and makes them durable with one `fsync` per folder touched.
    /// Returns, per path, the stored blob (nil for a file too large for this path), and the first error met (the
    /// blobs stored before it are in the results, so that a caller can remove them again).
    public func putSmallFiles(_ paths: [String], workers: Int = 4, stored: (@Sendable (Int) -> Void)? = nil)
        -> (results: [StoredBlob?], error: StoreError?) {
        let results = Mutex([StoredBlob?](repeating: nil, count: paths.count))
        let firstError = Mutex<StoreError?>(nil)
        let touched = Mutex<Set<String>>([])
        let workers = max(1, min(workers, paths.count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var batch = BlobBatch()
            for index in stride(from: worker, to: paths.count, by: workers) {
                guard firstError.withLock({ $0 == nil }) else { break }
                do throws(StoreError) {
                    let blob = try putSmall(contentsOf: paths[index], batch: &batch)
                    results.withLock { $0[index] = blob }
                    if let blob { stored?(blob.size) }
                } catch {
                    firstError.withLock { if $0 == nil { $0 = error } }
                }
            }
            touched.withLock { $0.formUnion(batch.touched) }
        }
        var batch = BlobBatch()
        batch.touched = touched.withLock { $0 }
        var error = firstError.withLock { $0 }
        if error == nil {
            do throws(StoreError) { try finish(&batch) } catch let failure { error = failure }
        }
        return (results.withLock { $0 }, error)
    }
}
