// FrameDecoderTests.swift: Protocol/vectors/frames.json whole, drip-fed and concatenated; limits before buffering.

import AllmendeCrypto
import AllmendeTestSupport
import AllmendeWire
import Testing

@Suite("Frame decoder and message codec")
struct FrameDecoderTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let bytes: [UInt8]
        let message: Message?
        let error: String?
        var testDescription: String { name }
    }

    static func parseHex(_ annotated: String) -> [UInt8] {
        let digits = annotated.split(separator: "\n").map { line in line.split(separator: "#", maxSplits: 1).first ?? "" }
            .joined().filter { !$0.isWhitespace }
        return Hex.decode(digits) ?? []
    }

    static func message(_ fields: [String: Any]) -> Message? {
        func int(_ key: String) -> Int { fields[key] as? Int ?? -1 }
        func id(_ key: String) -> ContentID { (try? ContentID(parsing: fields[key] as? String ?? "")) ?? SHA256Hasher.hash([]) }
        func body() -> [UInt8] { Hex.decode(fields["body"] as? String ?? "") ?? [] }
        func status() -> ResponseStatus { ResponseStatus(rawValue: UInt8(int("status"))) ?? .invalidRequest }
        switch fields["type"] as? String {
        case "hello": return .hello(version: UInt16(int("version")), features: UInt32(int("features")), listenPort: UInt16(int("listenPort")),
                                    name: fields["name"] as? String ?? "")
        case "ping": return .ping(nonce: UInt64(int("nonce")))
        case "pong": return .pong(nonce: UInt64(int("nonce")))
        case "goodbye": return .goodbye(code: GoodbyeCode(rawValue: UInt16(int("code"))) ?? .normal, reason: fields["reason"] as? String ?? "")
        case "get-package": return .getPackage(request: UInt32(int("request")), package: id("package"))
        case "package": return .package(request: UInt32(int("request")), status: status(), publishStatement: body())
        case "get-index": return .getIndex(request: UInt32(int("request")), blob: id("blob"))
        case "get-chunk": return .getChunk(request: UInt32(int("request")), blob: id("blob"), chunk: UInt32(int("chunk")))
        case "chunk": return .chunk(request: UInt32(int("request")), status: status(), data: ChunkData(body()))
        case "announce": return .announce(entry: body())
        case "reconcile": return .reconcile(session: UInt32(int("session")), payload: body())
        case "get-entries": return .getEntries(ids: (fields["ids"] as? [String] ?? []).compactMap { try? ContentID(parsing: $0) })
        case "index": return .index(request: UInt32(int("request")), status: status(), encodedIndex: body())
        case "node": return .node(announcement: body())
        case "holdings": return .holdings(record: body())
        case "get-holdings": return .getHoldings(ids: (fields["ids"] as? [String] ?? []).compactMap { try? ContentID(parsing: $0) })
        case "holders-reconcile": return .holdersReconcile(payload: body())
        case "observed": return .observed(host: fields["host"] as? String ?? "")
        default: return nil
        }
    }

    static func vectors() throws -> [Vector] {
        try Repository.vectorCases("frames.json").map { entry in
            Vector(name: entry["name"] as? String ?? "?", bytes: parseHex(entry["hex"] as? String ?? ""),
                   message: (entry["message"] as? [String: Any]).flatMap(message), error: entry["error"] as? String)
        }
    }

    /// Feeds `bytes` in pieces of `step` and collects every message.
    static func decodeAll(_ bytes: [UInt8], step: Int) throws(WireError) -> [Message] {
        var decoder = FrameDecoder()
        var messages: [Message] = []
        var offset = 0
        while offset < bytes.count {
            decoder.append(bytes[offset..<min(offset + step, bytes.count)])
            offset += step
            while let message = try decoder.nextMessage() { messages.append(message) }
        }
        return messages
    }

    @Test("valid frames decode whole, drip-fed and concatenated, and re-encode to the same bytes",
          arguments: try vectors().filter { $0.message != nil })
    func validFrames(_ vector: Vector) throws {
        let expected = try #require(vector.message)
        #expect(try Self.decodeAll(vector.bytes, step: vector.bytes.count) == [expected])
        #expect(try Self.decodeAll(vector.bytes, step: 1) == [expected])
        #expect(try Self.decodeAll(vector.bytes + vector.bytes + vector.bytes, step: 7) == [expected, expected, expected])
        #expect(MessageCodec.frame(expected) == vector.bytes)
    }

    @Test("bad frames are refused with a reason", arguments: try vectors().filter { $0.error != nil })
    func badFrames(_ vector: Vector) {
        for step in [vector.bytes.count, 1] {
            do {
                _ = try Self.decodeAll(vector.bytes, step: max(step, 1))
                Issue.record("accepted \(vector.name)")
            } catch {
                #expect(error.description.contains(vector.error ?? "?"), "message was: \(error)")
            }
        }
    }

    @Test("a frame claiming 4 GiB is refused after its 5-byte header, before any payload is buffered")
    func hugeLengthRefusedEarly() {
        var decoder = FrameDecoder()
        decoder.append([0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: WireError.frameTooLarge(length: 0xFFFF_FFFF, limit: WireLimits.maximumBulkFrameLength)) { try decoder.nextMessage() }
        #expect(decoder.bufferedByteCount == 4)
    }

    @Test("every message type round-trips", arguments: [
        Message.hello(version: WireVersion.current, features: 0xDEAD_BEEF, listenPort: 7310, name: "Werkstatt Süd"),
        .ping(nonce: .max), .pong(nonce: 0), .goodbye(code: .misbehaving, reason: "sent 3 corrupt chunks"),
        .getPackage(request: 1, package: SHA256Hasher.hash([1])), .package(request: 1, status: .ok, publishStatement: Array("{}".utf8)),
        .getIndex(request: 2, blob: SHA256Hasher.hash([2])), .index(request: 2, status: .notFound, encodedIndex: []),
        .getChunk(request: .max, blob: SHA256Hasher.hash([3]), chunk: 1023),
        .chunk(request: 3, status: .ok, data: ChunkData(pseudoRandomBytes(count: 1 << 20, seed: 1))),
        .chunk(request: 4, status: .ok, data: ChunkData(pseudoRandomBytes(count: FrameDecoder.directThreshold - 1, seed: 2))),
        .chunk(request: 5, status: .notFound, data: .empty),
        .announce(entry: Array("{\"statement\":{}}".utf8)), .reconcile(session: 7, payload: [1, 0xFF, 0]),
        .getEntries(ids: [SHA256Hasher.hash([4]), SHA256Hasher.hash([5])]), .getEntries(ids: []),
    ])
    func roundTrip(message: Message) throws {
        #expect(try Self.decodeAll(MessageCodec.frame(message), step: 4096) == [message])
        #expect(MessageCodec.frameParts(message).flatMap { $0.withUnsafeBytes { Array($0) } } == MessageCodec.frame(message))
    }

    @Test("a wrong hello magic is a protocol error, an old version an unsupported one")
    func helloGoodbyeCodes() {
        #expect(WireError.wrongMagic.goodbyeCode == .protocolError)
        #expect(WireError.badHello("protocol version 1 is older than the oldest supported (2)").goodbyeCode == .unsupportedVersion)
    }

    @Test("names and reasons longer than their byte limit are cut between characters, never inside one")
    func textCutOnCharacterBoundary() throws {
        // 64 characters, most of them two or three bytes in UTF-8 (a workshop's name with umlauts).
        let name = String(repeating: "Ä", count: 30) + "Werkstätte Süd " + String(repeating: "€", count: 19)
        #expect(name.count == 64 && name.utf8.count > WireLimits.maximumNodeNameLength)
        let hello = try Self.decodeAll(MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 7310, name: name)), step: 1)
        guard case let .hello(_, _, _, sent)? = hello.first else { Issue.record("not a hello: \(hello)"); return }
        #expect(name.hasPrefix(sent) && sent.utf8.count <= WireLimits.maximumNodeNameLength && sent.utf8.count >= WireLimits.maximumNodeNameLength - 1)
        let reason = String(repeating: "€", count: 100) + "e\u{301}"   // 'é' as e + combining accent: one character
        let goodbye = try Self.decodeAll(MessageCodec.frame(.goodbye(code: .normal, reason: reason)), step: 7)
        guard case let .goodbye(_, cut)? = goodbye.first else { Issue.record("not a goodbye: \(goodbye)"); return }
        #expect(cut == String(repeating: "€", count: 85))
        #expect("Süd".utf8Prefix(maximumByteCount: 2) == Array("S".utf8))
        #expect("e\u{301}x".utf8Prefix(maximumByteCount: 2) == [])
        #expect("abc".utf8Prefix(maximumByteCount: 3) == Array("abc".utf8))
    }

    @Test("a large chunk's data is read straight into its own page-aligned storage, split anywhere")
    func directRead() throws {
        let first = Message.chunk(request: 1, status: .ok, data: ChunkData(pseudoRandomBytes(count: 100_000, seed: 3)))
        let second = Message.chunk(request: 2, status: .ok, data: ChunkData(pseudoRandomBytes(count: 1 << 20, seed: 4)))
        let stream = MessageCodec.frame(first) + MessageCodec.frame(second) + MessageCodec.frame(.ping(nonce: 9))
        for step in [1, 7, 10, 4096, 65_536, 300_000] {
            var decoder = FrameDecoder()
            var received: [Message] = []
            var position = 0
            var directBytes = 0
            while position < stream.count {
                let piece = min(step, stream.count - position)
                if let space = decoder.directReadSpace {
                    let count = min(piece, space.count)
                    stream.withUnsafeBytes { space.baseAddress!.copyMemory(from: $0.baseAddress! + position, byteCount: count) }
                    decoder.didReadDirectly(count)
                    directBytes += count
                    position += count
                } else {
                    stream[position..<position + piece].withUnsafeBytes { decoder.append($0) }
                    position += piece
                }
                while let message = try decoder.nextMessage() { received.append(message) }
            }
            #expect(received == [first, second, .ping(nonce: 9)], "step \(step)")
            // Only what arrived with a chunk's header in one read was copied; everything after went in directly.
            #expect(directBytes >= 100_000 + (1 << 20) - 2 * step, "step \(step): only \(directBytes) bytes were read directly")
            #expect(decoder.bufferedByteCount == 0)
            if case let .chunk(_, _, data)? = received.first {
                #expect(data.withUnsafeBytes { Int(bitPattern: $0.baseAddress) } % ChunkData.alignment == 0)
            }
        }
    }

    @Test("a large chunk with an unknown status is refused as soon as its header is in")
    func largeChunkBadStatus() {
        var frame = MessageCodec.frame(.chunk(request: 1, status: .ok, data: ChunkData(pseudoRandomBytes(count: 1 << 20, seed: 5))))
        frame[9] = 9
        var decoder = FrameDecoder()
        decoder.append(frame[0..<10])
        #expect(throws: WireError.malformedPayload(type: "chunk", reason: "unknown status 9")) { try decoder.nextMessage() }
    }

    @Test("random garbage never crashes the decoder")
    func garbage() {
        for seed in 0..<200 {
            let bytes = pseudoRandomBytes(count: 64 + seed * 13, seed: UInt64(seed))
            var decoder = FrameDecoder()
            decoder.append(bytes)
            do { while try decoder.nextMessage() != nil {} } catch {}
            #expect(decoder.bufferedByteCount <= bytes.count)
        }
    }
}
