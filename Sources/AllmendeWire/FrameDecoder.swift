// FrameDecoder.swift: AllmendeWire. Pure: no sockets, no clocks. Spec: Protocol/wire.md "Framing".

/// Splits a byte stream into `[u32 length][u8 type][payload]` frames and decodes them into messages.
///
/// `length` counts type byte + payload. It is checked against the limit of the frame's type as soon as the
/// five header bytes are in — before any payload is buffered — so a peer claiming 4 GiB costs nothing.
/// The runtime appends one read at most, then drains `nextMessage()`; buffered bytes stay at most
/// the largest frame + 5 + one read.
public struct FrameDecoder: Sendable {
    private var buffer: [UInt8] = []
    private var readIndex = 0

    public init() {}

    /// Bytes waiting to be decoded.
    public var bufferedByteCount: Int { buffer.count - readIndex }

    /// Adds bytes received from the transport.
    public mutating func append(_ bytes: some Sequence<UInt8>) { buffer.append(contentsOf: bytes) }

    /// Adds bytes received from the transport (one memcpy).
    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        buffer.append(contentsOf: UnsafeBufferPointer(start: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), count: bytes.count))
    }

    /// Returns the next complete message, or `nil` if more bytes are needed.
    public mutating func nextMessage() throws(WireError) -> Message? {
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
        guard buffer.count - readIndex >= 4 + length else { return nil }
        let start = readIndex + 5
        let end = readIndex + 4 + length
        readIndex = end
        defer { compactIfWorthIt() }
        return try MessageCodec.decode(type: type, payload: buffer[start..<end])
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
