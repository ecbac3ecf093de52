// ChunkIndex.swift: AllmendeStore. The SHA-256 of every fixed-size chunk of a blob. Pure. Spec: Protocol/chunk-index.md.

import AllmendeCrypto

/// The SHA-256 of each fixed-size chunk of a blob, so a download can be verified piece by piece.
///
/// Encoded form (big-endian): `"AMCHUNK1"` (8 bytes) ‖ chunk size (u32) ‖ blob size (u64) ‖ one 32-byte SHA-256
/// per chunk; the last chunk may be short, an empty blob has none. Its ID is the SHA-256 of those bytes.
public struct ChunkIndex: Equatable, Sendable {
    /// 1 MiB. Big enough that per-chunk overhead (a frame header, a hash, a bookkeeping entry) is noise and
    /// a 1 GiB file has only 1,024 chunks (a 32 KiB index); small enough that a resumed or multi-peer download
    /// wastes at most 1 MiB per interruption and a chunk frame stays far below any memory worry. The index of a
    /// blob up to 32 GiB itself fits in one chunk. Also the unit the ingest pipeline hands between threads.
    public static let defaultChunkSize = 1 << 20
    /// Smallest chunk size a decoder accepts (4 KiB).
    public static let minimumChunkSize = 1 << 12
    /// Largest chunk size a decoder accepts (16 MiB).
    public static let maximumChunkSize = 1 << 24
    /// Header bytes before the hashes.
    public static let headerSize = 20
    static let magic = Array("AMCHUNK1".utf8)

    /// Bytes per chunk (a power of two).
    public let chunkSize: Int
    /// Size of the whole blob in bytes.
    public let blobSize: Int
    /// SHA-256 of each chunk in order.
    public let chunkHashes: [ContentID]

    /// Builds an index; the number of hashes must match the sizes.
    public init(chunkSize: Int, blobSize: Int, chunkHashes: [ContentID]) {
        precondition(chunkSize > 0 && blobSize >= 0, "invalid chunk index sizes")
        precondition(chunkHashes.count == Self.chunkCount(blobSize: blobSize, chunkSize: chunkSize), "chunk count mismatch")
        self.chunkSize = chunkSize
        self.blobSize = blobSize
        self.chunkHashes = chunkHashes
    }

    /// Decodes the encoded form, checking every field.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        guard bytes.count >= Self.headerSize else {
            throw .malformedChunkIndex(reason: "\(bytes.count) bytes is shorter than the \(Self.headerSize)-byte header")
        }
        guard Array(bytes[0..<8]) == Self.magic else { throw .malformedChunkIndex(reason: "missing 'AMCHUNK1' magic") }
        let chunkSize = bytes[8..<12].reduce(0) { $0 << 8 | Int($1) }
        let blobSize = bytes[12..<20].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard chunkSize >= Self.minimumChunkSize, chunkSize <= Self.maximumChunkSize, chunkSize & (chunkSize - 1) == 0 else {
            throw .malformedChunkIndex(reason: "chunk size \(chunkSize) is not a power of two between 4 KiB and 16 MiB")
        }
        guard blobSize <= UInt64(Int64.max / 2) else { throw .malformedChunkIndex(reason: "blob size \(blobSize) is too large") }
        let count = Self.chunkCount(blobSize: Int(blobSize), chunkSize: chunkSize)
        guard bytes.count == Self.headerSize + 32 * count else {
            throw .malformedChunkIndex(reason: "\(bytes.count) bytes, expected \(Self.headerSize + 32 * count) for \(count) chunks")
        }
        var hashes: [ContentID] = []
        hashes.reserveCapacity(count)
        for index in 0..<count {
            let start = Self.headerSize + 32 * index
            hashes.append(ContentID(digest: bytes[start..<start + 32]))
        }
        self.init(chunkSize: chunkSize, blobSize: Int(blobSize), chunkHashes: hashes)
    }

    /// The encoded bytes.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + 32 * chunkHashes.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: chunkSize >> shift)) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: UInt64(blobSize) >> UInt64(shift))) }
        for hash in chunkHashes { bytes.append(contentsOf: hash.bytes) }
        return bytes
    }

    /// The index's own ID: SHA-256 of its encoded bytes.
    public var id: ContentID { SHA256Hasher.hash(encoded()) }

    /// The number of chunks.
    public var chunkCount: Int { chunkHashes.count }

    /// The byte range of chunk `index` within the blob.
    public func byteRange(ofChunk index: Int) -> Range<Int> {
        let start = index * chunkSize
        return start..<min(start + chunkSize, blobSize)
    }

    /// The number of chunks of a blob of `blobSize` bytes.
    public static func chunkCount(blobSize: Int, chunkSize: Int) -> Int { (blobSize + chunkSize - 1) / chunkSize }
}
