// MessageCodec.swift: AllmendeWire. Message ↔ frame bytes. Pure. Spec: Protocol/wire.md "Messages".

import AllmendeCrypto

/// Encodes and decodes message payloads (big-endian integers, fixed-size IDs, length-prefixed strings).
public enum MessageCodec {
    /// Chunks smaller than this are copied into one frame: a page-aligned buffer of their own would cost more
    /// memory while queued than the bytes themselves.
    public static let smallestChunkSentInPlace = 64 * 1024

    /// The frame in pieces to write one after the other: for a large chunk the 10-byte header and the data itself
    /// (no copy of the megabyte), for everything else the whole frame.
    public static func frameParts(_ message: Message) -> [FramePart] {
        guard case let .chunk(request, status, data) = message, data.count >= smallestChunkSentInPlace else { return [.bytes(frame(message))] }
        return [.bytes(chunkHeader(request: request, status: status, dataCount: data.count)), .chunkData(data)]
    }

    /// Bytes in front of a chunk's data: length, type, request id, status.
    static let chunkHeaderSize = 10

    /// The 10 bytes in front of a chunk's data: length, type, request id, status.
    private static func chunkHeader(
        request: UInt32, status: ResponseStatus, dataCount: Int, reserving extra: Int = 0
    ) -> [UInt8] {
        var header: [UInt8] = []
        header.reserveCapacity(10 + extra)
        header.appendInteger(UInt32(dataCount + 6))
        header.append(MessageType.chunk)
        header.appendInteger(request)
        header.append(status.rawValue)
        return header
    }

    /// The complete frame for `message`: `[u32 length][u8 type][payload]`.
    public static func frame(_ message: Message) -> [UInt8] {
        // Bulk data is framed in one allocation: header, fixed fields, then the bytes.
        if case let .chunk(request, status, data) = message {
            var frame = chunkHeader(request: request, status: status, dataCount: data.count, reserving: data.count)
            data.withUnsafeBytes { frame.append(contentsOf: $0) }
            return frame
        }
        var payload: [UInt8] = []
        switch message {
        case let .hello(version, features, listenPort, name):
            payload += WireVersion.magic
            payload.appendInteger(version)
            payload.appendInteger(features)
            payload.appendInteger(listenPort)
            let nameBytes = name.utf8Prefix(maximumByteCount: WireLimits.maximumNodeNameLength)
            payload.append(UInt8(nameBytes.count))
            payload += nameBytes
        case let .ping(nonce), let .pong(nonce):
            payload.appendInteger(nonce)
        case let .goodbye(code, reason):
            payload.appendInteger(code.rawValue)
            let reasonBytes = reason.utf8Prefix(maximumByteCount: WireLimits.maximumReasonLength)
            payload.appendInteger(UInt16(reasonBytes.count))
            payload += reasonBytes
        case let .getPackage(request, package):
            payload.appendInteger(request)
            payload += package.bytes
        case let .package(request, status, statement):
            payload.appendInteger(request)
            payload.append(status.rawValue)
            payload += statement
        case let .getIndex(request, blob):
            payload.appendInteger(request)
            payload += blob.bytes
        case let .index(request, status, encoded):
            payload.appendInteger(request)
            payload.append(status.rawValue)
            payload += encoded
        case let .getChunk(request, blob, chunk):
            payload.appendInteger(request)
            payload += blob.bytes
            payload.appendInteger(chunk)
        case let .chunk(request, status, data):   // not reached: chunks return above
            payload.appendInteger(request)
            payload.append(status.rawValue)
            data.withUnsafeBytes { payload.append(contentsOf: $0) }
        case let .announce(entry):
            payload += entry
        case let .reconcile(session, body):
            payload.appendInteger(session)
            payload += body
        case let .getEntries(ids):
            payload.appendInteger(UInt16(ids.count))
            for id in ids { payload += id.bytes }
        case let .node(announcement):
            payload += announcement
        case let .holdings(record):
            payload += record
        case let .getHoldings(ids):
            payload.appendInteger(UInt16(ids.count))
            for id in ids { payload += id.bytes }
        case let .holdersReconcile(body):
            payload += body
        case let .observed(host):
            let bytes = Array(host.utf8.prefix(WireLimits.maximumObservedHostLength))
            payload.append(UInt8(bytes.count))
            payload += bytes
        }
        var frame: [UInt8] = []
        frame.reserveCapacity(5 + payload.count)
        frame.appendInteger(UInt32(payload.count + 1))
        frame.append(message.typeByte)
        frame += payload
        return frame
    }

    /// Decodes one message from its type byte and payload.
    public static func decode(type: UInt8, payload: ArraySlice<UInt8>) throws(WireError) -> Message {
        var reader = PayloadReader(bytes: payload, type: MessageType.name(of: type))
        let message: Message
        switch type {
        case MessageType.hello:
            guard try reader.bytes(4) == WireVersion.magic else { throw .wrongMagic }
            let version: UInt16 = try reader.integer()
            guard version >= WireVersion.minimum else {
                throw .badHello("protocol version \(version) is older than the oldest supported (\(WireVersion.minimum))")
            }
            let features: UInt32 = try reader.integer()
            let port: UInt16 = try reader.integer()
            let length = Int(try reader.byte())
            guard length <= WireLimits.maximumNodeNameLength else { throw reader.fail("name longer than \(WireLimits.maximumNodeNameLength) bytes") }
            guard let name = String(validating: try reader.bytes(length), as: UTF8.self) else { throw reader.fail("name is not UTF-8") }
            message = .hello(version: version, features: features, listenPort: port, name: name)
        case MessageType.ping: message = .ping(nonce: try reader.integer())
        case MessageType.pong: message = .pong(nonce: try reader.integer())
        case MessageType.goodbye:
            let rawCode: UInt16 = try reader.integer()
            let length = Int(try reader.integer() as UInt16)
            guard length <= WireLimits.maximumReasonLength else { throw reader.fail("reason longer than \(WireLimits.maximumReasonLength) bytes") }
            guard let reason = String(validating: try reader.bytes(length), as: UTF8.self) else { throw reader.fail("reason is not UTF-8") }
            message = .goodbye(code: GoodbyeCode(rawValue: rawCode) ?? .protocolError, reason: reason)
        case MessageType.getPackage: message = .getPackage(request: try reader.integer(), package: try reader.contentID())
        case MessageType.package: message = .package(request: try reader.integer(), status: try reader.status(), publishStatement: try reader.body())
        case MessageType.getIndex: message = .getIndex(request: try reader.integer(), blob: try reader.contentID())
        case MessageType.index: message = .index(request: try reader.integer(), status: try reader.status(), encodedIndex: try reader.body())
        case MessageType.getChunk: message = .getChunk(request: try reader.integer(), blob: try reader.contentID(), chunk: try reader.integer())
        case MessageType.chunk:
            let request: UInt32 = try reader.integer()
            let status = try reader.status()
            guard status == .ok || reader.bytes.isEmpty else { throw reader.fail("a non-ok answer carries no data") }
            message = .chunk(request: request, status: status, data: ChunkData(reader.restSlice()))
        case MessageType.announce:
            let entry = reader.rest()
            guard !entry.isEmpty else { throw reader.fail("empty entry") }
            message = .announce(entry: entry)
        case MessageType.reconcile: message = .reconcile(session: try reader.integer(), payload: reader.rest())
        case MessageType.getEntries:
            let count = Int(try reader.integer() as UInt16)
            guard count <= WireLimits.maximumEntriesPerRequest else { throw reader.fail("\(count) IDs, at most \(WireLimits.maximumEntriesPerRequest)") }
            var ids: [ContentID] = []
            for _ in 0..<count { ids.append(try reader.contentID()) }
            message = .getEntries(ids: ids)
        case MessageType.node:
            let announcement = reader.rest()
            guard !announcement.isEmpty else { throw reader.fail("empty announcement") }
            message = .node(announcement: announcement)
        case MessageType.holdings:
            let record = reader.rest()
            guard !record.isEmpty else { throw reader.fail("empty record") }
            message = .holdings(record: record)
        case MessageType.getHoldings:
            let count = Int(try reader.integer() as UInt16)
            guard count <= WireLimits.maximumHoldingsPerRequest else { throw reader.fail("\(count) IDs, at most \(WireLimits.maximumHoldingsPerRequest)") }
            var ids: [ContentID] = []
            for _ in 0..<count { ids.append(try reader.contentID()) }
            message = .getHoldings(ids: ids)
        case MessageType.holdersReconcile: message = .holdersReconcile(payload: reader.rest())
        case MessageType.observed:
            let length = Int(try reader.byte())
            guard length <= WireLimits.maximumObservedHostLength else { throw reader.fail("host longer than \(WireLimits.maximumObservedHostLength) bytes") }
            guard let host = String(validating: try reader.bytes(length), as: UTF8.self) else { throw reader.fail("host is not UTF-8") }
            message = .observed(host: host)
        default: throw .unknownMessageType(type)
        }
        try reader.requireEnd()
        return message
    }
}

/// Reads a payload field by field, failing with the message type's name.
struct PayloadReader {
    var bytes: ArraySlice<UInt8>
    let type: String
    /// The status read last (answers).
    var lastStatus: ResponseStatus?

    func fail(_ reason: String) -> WireError { .malformedPayload(type: type, reason: reason) }

    mutating func bytes(_ count: Int) throws(WireError) -> [UInt8] {
        guard bytes.count >= count else { throw fail("truncated: needs \(count) more bytes, has \(bytes.count)") }
        let result = Array(bytes.prefix(count))
        bytes = bytes.dropFirst(count)
        return result
    }

    mutating func byte() throws(WireError) -> UInt8 { try bytes(1)[0] }

    mutating func integer<T: FixedWidthInteger & UnsignedInteger>() throws(WireError) -> T {
        try bytes(MemoryLayout<T>.size).reduce(T(0)) { $0 << 8 | T($1) }
    }

    mutating func contentID() throws(WireError) -> ContentID { ContentID(digest: try bytes(32)) }

    /// The rest of the payload after an answer's status, which must be empty unless the status was ok.
    mutating func body() throws(WireError) -> [UInt8] {
        guard lastStatus == .ok || bytes.isEmpty else { throw fail("a non-ok answer carries no body") }
        return rest()
    }

    mutating func status() throws(WireError) -> ResponseStatus {
        let raw = try byte()
        guard let status = ResponseStatus(rawValue: raw) else { throw fail("unknown status \(raw)") }
        lastStatus = status
        return status
    }

    /// The remaining bytes, without copying them.
    mutating func restSlice() -> ArraySlice<UInt8> {
        defer { bytes = bytes.suffix(0) }
        return bytes
    }

    mutating func rest() -> [UInt8] {
        defer { bytes = bytes.suffix(0) }
        return bytes.withContiguousStorageIfAvailable { Array($0) } ?? Array(bytes)
    }

    func requireEnd() throws(WireError) {
        guard bytes.isEmpty else { throw fail("\(bytes.count) unexpected bytes at the end") }
    }
}

extension Array where Element == UInt8 {
    mutating func appendInteger<T: FixedWidthInteger>(_ value: T) {
        for shift in stride(from: T.bitWidth - 8, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> shift)) }
    }
}
