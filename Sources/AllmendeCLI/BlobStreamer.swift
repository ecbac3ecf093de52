// BlobStreamer.swift: AllmendeCLI. Streams a stored blob to standard output, chunk by verified chunk.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem

enum BlobStreamer {
    /// Writes blob `id` to `console`'s standard output; a chunk that does not match the index is not written.
    /// Checking every chunk against the chained index proves the whole blob; there is no second hash.
    static func stream(_ id: ContentID, from store: BlobStore, to console: Console) throws(StoreError) {
        let index = try store.chunkIndex(of: id)
        let descriptor = try store.open(id)
        defer { descriptor.close() }
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: index.chunkSize, alignment: 4096)
        defer { buffer.deallocate() }
        for chunk in 0..<index.chunkCount {
            let range = index.byteRange(ofChunk: chunk)
            let wanted = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
            let count: Int
            do { count = try descriptor.readFully(into: wanted) } catch { throw .system(error) }
            let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            guard index.verify(chunk: chunk, bytes) else {
                throw .corruptChunk(blob: id, chunk: chunk)
            }
            do { try console.writeChecked(bytes) } catch { throw .system(error) }
        }
        // Every chunk matched an index whose chaining values end with `id`: the bytes written hash to `id`.
    }
}
