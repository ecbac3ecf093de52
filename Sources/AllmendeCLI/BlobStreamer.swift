// BlobStreamer.swift: AllmendeCLI. Streams a stored blob to standard output, chunk by verified chunk.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem

enum BlobStreamer {
    /// Writes blob `id` to `console`'s standard output; a chunk that does not match the index is not written.
    static func stream(_ id: ContentID, from store: BlobStore, to console: Console) throws(StoreError) {
        let index = try store.chunkIndex(of: id)
        let descriptor = try store.open(id)
        defer { descriptor.close() }
        let whole = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: index.chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        for chunk in 0..<index.chunkCount {
            let range = index.byteRange(ofChunk: chunk)
            let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
            let count: Int
            do { count = try descriptor.readFully(into: wanted) } catch { throw .system(error) }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            let actual = SHA256Hasher.hash(bytes)
            guard count == range.count, actual == index.chunkHashes[chunk] else {
                throw .hashMismatch(expected: index.chunkHashes[chunk], actual: actual)
            }
            whole.update(bytes)
            do { try console.writeChecked(bytes) } catch { throw .system(error) }
        }
        let actual = whole.finalize()
        guard actual == id else { throw .hashMismatch(expected: id, actual: actual) }
    }
}
