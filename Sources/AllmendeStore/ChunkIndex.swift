// ChunkIndex.swift: AllmendeStore. A blob's SHA-256 chaining value at every chunk boundary, so each chunk can be
// checked alone. Pure. Spec: Protocol/chunk-index.md.

import AllmendeCrypto

/// The SHA-256 chaining value of a blob after each fixed-size chunk; the last entry is the blob's SHA-256 itself.
///
/// Chunk *i* is checked by resuming SHA-256 from entry *i − 1* (the standard start for chunk 0) at its offset and
/// comparing the result with entry *i* — so chunks can be verified alone, in any order, from any peer, and a blob
/// whose every chunk checks out has the whole-blob SHA-256 the index ends with, without a second pass.
///
/// Encoded form (big-endian): `"AMCHUNK2"` (8 bytes) ‖ chunk size (u32) ‖ blob size (u64) ‖ one 32-byte value
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
    /// Header bytes before the chaining values.
    public static let headerSize = 20
    static let magic = Array("AMCHUNK2".utf8)
    /// SHA-256 of no bytes: the ID of an empty blob.
    static let emptyBlobID = SHA256Hasher.hash([UInt8]())

    /// Bytes per chunk (a power of two).
    public let chunkSize: Int
    /// Size of the whole blob in bytes.
    public let blobSize: Int
    /// The SHA-256 chaining value after each chunk, in order; the last is the finished SHA-256 of the blob.
    public let chainValues: [ContentID]

    /// Builds an index; the number of values must match the sizes.
    public init(chunkSize: Int, blobSize: Int, chainValues: [ContentID]) {
        precondition(chunkSize > 0 && chunkSize % 64 == 0 && blobSize >= 0, "invalid chunk index sizes")
        precondition(chainValues.count == Self.chunkCount(blobSize: blobSize, chunkSize: chunkSize), "chunk count mismatch")
        self.chunkSize = chunkSize
        self.blobSize = blobSize
        self.chainValues = chainValues
    }

    /// Decodes the encoded form, checking every field.
    public init(decoding bytes: [UInt8]) throws(StoreError) {
        guard bytes.count >= Self.headerSize else {
            throw .malformedChunkIndex(reason: "\(bytes.count) bytes is shorter than the \(Self.headerSize)-byte header")
        }
        guard Array(bytes[0..<8]) == Self.magic else {
            let reason = Array(bytes[0..<8]) == Array("AMCHUNK1".utf8)
                ? "an 'AMCHUNK1' index (per-chunk hashes) from an older Allmende; 'allmende fsck --repair' rebuilds it"
                : "missing 'AMCHUNK2' magic"
            throw .malformedChunkIndex(reason: reason)
        }
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
        var values: [ContentID] = []
        values.reserveCapacity(count)
        for index in 0..<count {
            let start = Self.headerSize + 32 * index
            values.append(ContentID(digest: bytes[start..<start + 32]))
        }
        self.init(chunkSize: chunkSize, blobSize: Int(blobSize), chainValues: values)
    }

    /// The index of `bytes`, computed in one SHA-256 pass.
    public init(of bytes: UnsafeRawBufferPointer, chunkSize: Int = defaultChunkSize) {
        var builder = ChunkIndexBuilder(chunkSize: chunkSize)
        builder.add(bytes)
        self = builder.finish()
    }

    /// The encoded bytes.
    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        bytes.reserveCapacity(Self.headerSize + 32 * chainValues.count)
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: chunkSize >> shift)) }
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: UInt64(blobSize) >> UInt64(shift))) }
        for value in chainValues { bytes.append(contentsOf: value.bytes) }
        return bytes
    }

    /// The index's own ID: SHA-256 of its encoded bytes.
    public var id: ContentID { SHA256Hasher.hash(encoded()) }

    /// The SHA-256 of the blob this index describes (its last chaining value); a blob is only ever used with an
    /// index whose `blobID` is the blob's ID.
    public var blobID: ContentID { chainValues.last ?? Self.emptyBlobID }

    /// The number of chunks.
    public var chunkCount: Int { chainValues.count }

    /// The byte range of chunk `index` within the blob.
    public func byteRange(ofChunk index: Int) -> Range<Int> {
        let start = index * chunkSize
        return start..<min(start + chunkSize, blobSize)
    }

    /// Whether `bytes` are exactly chunk `chunk` of the blob (one SHA-256 pass over them).
    public func verify(chunk: Int, _ bytes: UnsafeRawBufferPointer) -> Bool {
        guard chunk >= 0, chunk < chunkCount, bytes.count == byteRange(ofChunk: chunk).count else { return false }
        return advance(chunk: chunk, bytes) == chainValues[chunk]
    }

    /// Whether `bytes` are exactly chunk `chunk` of the blob.
    public func verify(chunk: Int, _ bytes: [UInt8]) -> Bool { bytes.withUnsafeBytes { verify(chunk: chunk, $0) } }

    /// Whether each of `chunks` is exactly the chunk it claims to be. Full-size chunks other than the last are
    /// checked up to 16 at a time in SIMD lanes where the CPU has AVX-512 (`SHA256ChainLanes`); the result is the
    /// same as `verify(chunk:_:)` for each.
    public func verify(chunks: [(chunk: Int, bytes: UnsafeRawBufferPointer)]) -> [Bool] {
        var results = [Bool](repeating: false, count: chunks.count)
        var laneable: [Int] = []   // positions in `chunks`
        for (position, item) in chunks.enumerated() {
            if item.chunk >= 0, item.chunk < chunkCount - 1, item.bytes.count == chunkSize {
                laneable.append(position)
            } else {
                results[position] = verify(chunk: item.chunk, item.bytes)
            }
        }
        var start = 0
        while start < laneable.count {
            let group = laneable[start..<min(start + SHA256ChainLanes.width, laneable.count)]
            let values = SHA256ChainLanes.chainValues(after: group.map { position in
                let chunk = chunks[position].chunk
                return .init(start: chunk == 0 ? nil : chainValues[chunk - 1], offset: chunk * chunkSize, bytes: chunks[position].bytes)
            })
            for (position, value) in zip(group, values) { results[position] = value == chainValues[chunks[position].chunk] }
            start += SHA256ChainLanes.width
        }
        return results
    }

    /// The value chunk `chunk` holding `bytes` leads to (its entry, if the bytes are right).
    func advance(chunk: Int, _ bytes: UnsafeRawBufferPointer) -> ContentID {
        SHA256ChainHasher.advance(from: chunk == 0 ? nil : chainValues[chunk - 1], atOffset: chunk * chunkSize, over: bytes,
                                  finishing: chunk == chunkCount - 1)
    }

    /// The number of chunks of a blob of `blobSize` bytes.
    public static func chunkCount(blobSize: Int, chunkSize: Int) -> Int { (blobSize + chunkSize - 1) / chunkSize }
}

/// Builds a chunk index from a blob's bytes given in order, in pieces of any size, in one SHA-256 pass.
public struct ChunkIndexBuilder {
    private let chunkSize: Int
    private let hasher = SHA256ChainHasher()
    private var values: [ContentID] = []
    private var inCurrentChunk = 0

    /// Starts an empty blob.
    public init(chunkSize: Int = ChunkIndex.defaultChunkSize) {
        precondition(chunkSize > 0 && chunkSize % 64 == 0, "chunk size must be a multiple of 64")
        self.chunkSize = chunkSize
    }

    /// Appends the next bytes of the blob.
    public mutating func add(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        while !rest.isEmpty {
            let take = min(rest.count, chunkSize - inCurrentChunk)
            hasher.update(UnsafeRawBufferPointer(rebasing: rest[0..<take]))
            inCurrentChunk += take
            rest = UnsafeRawBufferPointer(rebasing: rest[take...])
            if inCurrentChunk == chunkSize {
                values.append(hasher.chainValue())
                inCurrentChunk = 0
            }
        }
    }

    /// Finishes the blob: the index, whose `blobID` is the blob's SHA-256.
    public mutating func finish() -> ChunkIndex {
        let blobSize = hasher.byteCount
        let digest = hasher.finalize()
        if inCurrentChunk > 0 {
            values.append(digest)
        } else if !values.isEmpty {
            values[values.count - 1] = digest
        }
        return ChunkIndex(chunkSize: chunkSize, blobSize: blobSize, chainValues: values)
    }
}
