// FrameDecoder.swift: AllmendeWire. Pure: no sockets, no clocks. Spec: Protocol/wire.md "Framing".

/// Splits a byte stream into `[u32 length][u8 type][payload]` frames and decodes them into messages.
///
/// `length` counts type byte + payload. It is checked against the limit of the frame's type as soon as the
/// five header bytes are in — before any payload is buffered — so a peer claiming 4 GiB costs nothing.
/// The runtime appends one read at most, then drains `nextMessage()`; buffered bytes stay at most
/// the largest frame + 5 + one read.
///
/// The data of a large `chunk` frame (at least `directThreshold` bytes) is collected in a `ChunkData` of its own
/// instead of the shared buffer: once its 10-byte header is in, `directReadSpace` offers the rest of that data as
/// the place for the transport's next read, so a megabyte of chunk data is never copied after decryption.
public struct FrameDecoder: Sendable {
    /// Chunk data of at least this many bytes is collected in its own storage.
    public static let directThreshold = 64 * 1024

    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var pendingChunk: (request: UInt32, status: ResponseStatus, data: ChunkData)?

    public init() {}

    /// Bytes received but not yet decoded (including chunk data being collected).
    public var bufferedByteCount: Int { buffer.count - readIndex + (pendingChunk?.data.filled ?? 0) }

    /// Adds bytes received from the transport.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        let array = Array(bytes)
        array.withUnsafeBytes { append($0) }
    }

    /// Adds bytes received from the transport (one memcpy).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes
        if let pending = pendingChunk {
            rest = UnsafeRawBufferPointer(rebasing: rest[pending.data.fill(from: rest)...])
        }
        guard !rest.isEmpty else { return }
        buffer.append(contentsOf: UnsafeBufferPointer(start: rest.baseAddress?.assumingMemoryBound(to: UInt8.self), count: rest.count))
    }

    /// Where the transport should put its next read while a chunk's data is being collected (then call
    /// `didReadDirectly`); nil otherwise. Reading there saves copying the data.
    public var directReadSpace: UnsafeMutableRawBufferPointer? {
        guard let data = pendingChunk?.data, data.filled < data.count else { return nil }
        return data.unfilledSpace
    }

    /// Records that the transport wrote `count` bytes at the start of `directReadSpace`.
    public mutating func didReadDirectly(_ count: Int) {
        guard let data = pendingChunk?.data else { preconditionFailure("didReadDirectly without a direct read space") }
        precondition(count >= 0 && data.filled + count <= data.count, "direct read beyond the chunk's data")
        data.filled += count
    }

    /// Returns the next complete message, or `nil` if more bytes are needed.
    public mutating func nextMessage() throws(WireError) -> Message? {
        if let pending = pendingChunk {
            guard pending.data.filled == pending.data.count else { return nil }
            pendingChunk = nil
            return .chunk(request: pending.request, status: pending.status, data: pending.data)
        }
        guard buffer.count - readIndex >= 4 else { return nil }
        let length = buffer[readIndex..<readIndex + 4].reduce(0) { $0 << 8 | Int($1) }
        guard length >= 1 else { throw .emptyFrame }
        if length > WireLimits.maximumBulkFrameLength {
            throw .frameTooLarge(length: length, limit: WireLimits.maximumBulkFrameLength)
        }
        guard buffer.count - readIndex >= 5 else { return nil }
        let type = buffer[readIndex + 4]
        guard let limit = MessageType.maximumLength(of: type) else { throw .unknownMessageType(type) }
        guard length <= limit else { throw .frameTooLarge(length: length, limit: limit) }
        let headerSize = MessageCodec.chunkHeaderSize
        if type == MessageType.chunk && length - (headerSize - 4) >= Self.directThreshold {
            guard buffer.count - readIndex >= headerSize else { return nil }
            try startChunk(dataCount: length - (headerSize - 4))
            return try nextMessage()
        }
        guard buffer.count - readIndex >= 4 + length else { return nil }
        let start = readIndex + 5
        let end = readIndex + 4 + length
        readIndex = end
        defer { compactIfWorthIt() }
        return try MessageCodec.decode(type: type, payload: buffer[start..<end])
    }

    /// Takes a large chunk frame's header off the buffer and moves the data already buffered into its own storage.
    private mutating func startChunk(dataCount: Int) throws(WireError) {
        let request = buffer[readIndex + 5..<readIndex + 9].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let rawStatus = buffer[readIndex + 9]
        guard let status = ResponseStatus(rawValue: rawStatus) else {
            throw .malformedPayload(type: "chunk", reason: "unknown status \(rawStatus)")
        }
        guard status == .ok else {
            throw .malformedPayload(type: "chunk", reason: "a non-ok answer carries no data")
        }
        let data = ChunkData(uninitializedCount: dataCount)
        readIndex += MessageCodec.chunkHeaderSize
        let taken = buffer.withUnsafeBytes { data.fill(from: UnsafeRawBufferPointer(rebasing: $0[readIndex...])) }
        readIndex += taken
        pendingChunk = (request, status, data)
        compactIfWorthIt()
    }

    /// Drops consumed bytes once they are at least half the buffer.
    private mutating func compactIfWorthIt() {
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 2 * WireLimits.maximumBulkFrameLength)
            readIndex = 0
        } else if readIndex > 64 * 1024 && readIndex * 2 > buffer.count {
            buffer.removeFirst(readIndex)
            readIndex = 0
        }
    }
}
