// HostileInputTests.swift: a node fed garbage, huge lengths, drip-fed and truncated frames over real TLS.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTLS
import AllmendeTestSupport
import AllmendeWire
import Foundation
import Testing

/// A raw TLS client that can send any bytes to a node.
struct RawClient {
    let tls: TLSConnection

    init(port: UInt16, from localHost: String? = nil) throws {
        let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), from: localHost, timeout: .seconds(5))
        tls = try TLSConnection(context: TLSContext(key: try Ed25519PrivateKey(), isServer: false), socket: socket, isServer: false)
        _ = try tls.handshake(timeout: .seconds(5))
    }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            switch try bytes.withUnsafeBytes({ try tls.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }) {
            case let .bytes(count): offset += count
            case .wantRead, .wantWrite: _ = tls.socket.waitUntil(writable: true, timeout: .seconds(1))
            case .closed: throw TLSError.closed
            }
        }
    }

    /// Reads until the node closes the connection (or `timeout`); returns the messages it sent.
    func readUntilClosed(timeout: Duration = .seconds(10)) -> (messages: [Message], closed: Bool) {
        read(timeout: timeout) { _ in false }
    }

    /// Reads until `isEnough` holds for the messages so far, the node closes the connection, or `timeout`.
    func read(timeout: Duration = .seconds(10), until isEnough: ([Message]) -> Bool) -> (messages: [Message], closed: Bool) {
        var decoder = FrameDecoder()
        var messages: [Message] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline && !isEnough(messages) {
            let result = buffer.withUnsafeMutableBytes { try? tls.read(into: $0) }
            switch result {
            case let .bytes(count)?:
                decoder.append(buffer[0..<count])
                while let message = try? decoder.nextMessage() { messages.append(message) }
            case .wantRead?, .wantWrite?: _ = tls.socket.waitUntil(writable: false, timeout: .milliseconds(200))
            case .closed?, nil: return (messages, true)
            }
        }
        return (messages, false)
    }

    func close() { tls.close() }

    static let hello = MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "raw"))
}

@Suite("Hostile input", .serialized)
struct HostileInputTests {
    static func node(in folder: TempDirectory) throws -> TestNode {
        try TestNode.start("target", in: folder) {
            $0.timeouts = NodeTimeouts(handshake: .seconds(2), pingAfter: .milliseconds(500), closeAfter: .seconds(2))
        }
    }

    @Test("garbage, a 4 GiB length and an unknown type each drop only their connection, with the goodbye code", arguments: [
        ("random garbage", pseudoRandomBytes(count: 4096, seed: 99), [GoodbyeCode.frameTooLarge, .protocolError]),
        ("a frame claiming 4 GiB", RawClient.hello + [0xFF, 0xFF, 0xFF, 0xFF, 0x15], [.frameTooLarge]),
        ("an unknown message type", RawClient.hello + [0x00, 0x00, 0x00, 0x01, 0x7F], [.protocolError]),
        ("a request before hello", MessageCodec.frame(.ping(nonce: 1)), [.protocolError]),
    ])
    func dropsBadConnections(name: String, bytes: [UInt8], codes: [GoodbyeCode]) throws {
        try withTempDirectory("hostile") { folder throws in
            let target = try Self.node(in: folder)
            defer { target.runtime.stop() }
            let package = try target.publishExample("pem-fuel-cell-end-plate")
            let good = try TestNode.start("good", in: folder, peers: [PeerEntry(address: target.address, node: target.id)])
            defer { good.runtime.stop() }
            #expect(good.waitForConnections(to: [target.id]))

            let raw = try RawClient(port: target.runtime.listenPort)
            try? raw.send(bytes)   // the node may hang up mid-write: that is the refusal
            let outcome = raw.readUntilClosed()
            raw.close()
            #expect(outcome.closed, "\(name): connection not closed")
            #expect(target.waitForEvent { if case let .closedPeer(_, code, _) = $0 { codes.contains(code) } else { false } },
                    "\(name): no goodbye \(codes)")
            // The good peer is still served right after.
            _ = try good.runtime.fetch(package)
            #expect(try good.runtime.store.verifyPackage(package).isIntact)
        }
    }

    @Test("one host cannot take more than its share of connections; a slot frees up when one closes")
    func connectionsPerHost() throws {
        try withTempDirectory("hostile") { folder throws in
            let target = try TestNode.start("target", in: folder) { $0.maxConnectionsPerHost = 2 }
            defer { target.runtime.stop() }
            let first = try RawClient(port: target.runtime.listenPort)
            let second = try RawClient(port: target.runtime.listenPort)
            defer { second.close() }
            #expect(throws: (any Error).self) { try RawClient(port: target.runtime.listenPort) }
            #expect(target.waitForEvent { if case let .inboundRefused(address, _) = $0 { address.hasPrefix("127.0.0.1:") } else { false } })
            first.close()
            var admitted: RawClient?
            let deadline = ContinuousClock.now + .seconds(10)
            while admitted == nil && ContinuousClock.now < deadline {
                admitted = try? RawClient(port: target.runtime.listenPort)
                if admitted == nil { Thread.sleep(forTimeInterval: 0.05) }
            }
            #expect(admitted != nil, "no slot after a connection from the same host closed")
            admitted?.close()
        }
    }

    @Test("a full node with nobody to replace lets a newcomer in only to send it other nodes' addresses, then says goodbye; the newcomer connects there")
    func fullNodeRefersOnward() throws {
        try withTempDirectory("referral") { folder throws in
            // Its one slot stays taken for the whole test (a loaded machine must not let the grace period run out).
            let full = try TestNode.start("full", in: folder) {
                $0.maxConnections = 1
                $0.inboundGrace = .seconds(3600)
            }
            defer { full.runtime.stop() }
            let settled = try TestNode.start("settled", in: folder, peers: [PeerEntry(address: full.address, node: full.id)])
            defer { settled.runtime.stop() }
            #expect(settled.waitForConnections(to: [full.id]))
            #expect(CatalogGossipTests.waitUntil { full.runtime.knownNodes.contains(settled.id) })
            let newcomer = try TestNode.start("newcomer", in: folder, peers: [PeerEntry(address: full.address, node: full.id)])
            defer { newcomer.runtime.stop() }
            // Refused a slot, but told where else to go: it connects to the settled node it learned of.
            #expect(full.waitForEvent { if case .inboundRefused = $0 { true } else { false } })
            #expect(newcomer.waitForConnections(to: [settled.id]))
            #expect(newcomer.runtime.knownNodes.contains(settled.id))
            // The full node keeps its settled peer (the newcomer's back-off after "full" is PeerDirectoryTests.backOffWhenFull).
            #expect(CatalogGossipTests.waitUntil { Set(full.runtime.connectionSummaries().filter { !$0.outbound }.map(\.peer)) == [settled.id] })
        }
    }

    @Test("peers tell a node the host they see it at; two peers at different hosts confirm it, and status shows it")
    func observedAddress() throws {
        try withTempDirectory("observed") { folder throws in
            let a = try TestNode.start("a", in: folder)
            defer { a.runtime.stop() }
            let toA = [PeerEntry(address: a.address, node: a.id)]
            let b = try TestNode.start("b", in: folder, peers: toA) { $0.listen = SocketAddress(host: "127.0.0.2", port: 0) }
            defer { b.runtime.stop() }
            #expect(b.waitForConnections(to: [a.id]))
            // One peer's word is not enough.
            #expect(a.runtime.observedHosts().isEmpty)
            let c = try TestNode.start("c", in: folder, peers: toA) { $0.listen = SocketAddress(host: "127.0.0.3", port: 0) }
            defer { c.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { a.runtime.observedHosts() == ["127.0.0.1"] })
            #expect(b.runtime.observedHosts().isEmpty)
            let status = a.runtime.statusReport()
            #expect(status["observedAddresses"]?.arrayValue?.compactMap(\.stringValue) == ["127.0.0.1:\(a.runtime.listenPort)"])
        }
    }

    @Test("a hello drip-fed one byte at a time is accepted")
    func dripFedHello() throws {
        try withTempDirectory("hostile") { folder throws in
            let target = try Self.node(in: folder)
            defer { target.runtime.stop() }
            let raw = try RawClient(port: target.runtime.listenPort)
            defer { raw.close() }
            for byte in RawClient.hello { try raw.send([byte]) }
            let deadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < deadline && !target.runtime.connectionSummaries().contains(where: \.ready) { usleep(10_000) }
            #expect(target.runtime.connectionSummaries().contains { $0.ready && $0.name == "raw" })
        }
    }

    @Test("a burst of 1,500 small frames in one write is handled to its last frame without waiting for more bytes")
    func burstOfSmallFrames() throws {
        try withTempDirectory("hostile-burst") { folder throws in
            let target = try Self.node(in: folder)
            defer { target.runtime.stop() }
            let raw = try RawClient(port: target.runtime.listenPort)
            defer { raw.close() }
            // 1,500 tiny node announcements (beyond their rate: dropped unread, no strike), then one ping at the end.
            var burst = RawClient.hello
            for number in 0..<1500 { burst += MessageCodec.frame(.node(announcement: [UInt8(truncatingIfNeeded: number), 1, 2, 3])) }
            burst += MessageCodec.frame(.ping(nonce: 42))
            try raw.send(burst)
            // The pong comes although nothing follows the ping.
            let answered = raw.read { $0.contains(.pong(nonce: 42)) }.messages.contains(.pong(nonce: 42))
            #expect(answered, "no pong to the ping after 1,500 frames")
        }
    }

    @Test("a truncated frame followed by silence is closed by the idle timeout")
    func truncatedThenSilence() throws {
        try withTempDirectory("hostile") { folder throws in
            let target = try Self.node(in: folder)
            defer { target.runtime.stop() }
            let raw = try RawClient(port: target.runtime.listenPort)
            try raw.send(RawClient.hello + [0x00, 0x00, 0x10, 0x00, 0x15, 0x00, 0x00])   // a chunk frame cut short
            let outcome = raw.readUntilClosed(timeout: .seconds(10))
            raw.close()
            #expect(outcome.closed)
            #expect(outcome.messages.contains { if case .ping = $0 { true } else { false } })
            #expect(outcome.messages.contains { if case .goodbye(.timeout, _) = $0 { true } else { false } })
            #expect(target.waitForClose(.timeout))
        }
    }

    @Test("plain TCP and TLS 1.2 clients are refused by a running node", arguments: [["-tls1_2"], ["-tls1_3"]])
    func nonTLS13Clients(flags: [String]) throws {
        try withTempDirectory("hostile") { folder throws in
            let target = try Self.node(in: folder)
            defer { target.runtime.stop() }
            _ = try ProcessRunner.run("openssl", ["s_client", "-connect", target.address, "-quiet"] + flags)
            let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: target.runtime.listenPort), timeout: .seconds(5))
            _ = Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8).withUnsafeBytes { write(socket.descriptor, $0.baseAddress, $0.count) }
            #expect(target.waitForEvent { if case let .handshakeFailed(address, _) = $0 { address.hasPrefix("127.0.0.1:") } else { false } })
            socket.close()
            #expect(target.runtime.connectionSummaries().isEmpty)
        }
    }
}

@Suite("Inbound squatting", .serialized)
struct SquattingTests {
    @Test("64 idle sessions from 8 addresses hold every inbound slot: a new honest peer still connects within 5 s")
    func squattersMakeRoom() throws {
        try withTempDirectory("squat") { folder throws in
            let target = try TestNode.start("target", in: folder) {
                $0.maxConnections = 64
                $0.maxConnectionsPerHost = 8
                $0.maxConnectionsPerRange = 64   // loopback is one /24: let the squatters take every slot
                $0.inboundGrace = .zero
            }
            defer { target.runtime.stop() }
            var squatters: [RawClient] = []
            defer { squatters.forEach { $0.close() } }
            for host in 2...9 {
                for index in 0..<8 {
                    let squatter = try RawClient(port: target.runtime.listenPort, from: "127.0.0.\(host)")
                    try squatter.send(MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "squat-\(host)-\(index)")))
                    squatters.append(squatter)
                }
            }
            #expect(CatalogGossipTests.waitUntil(.seconds(20)) { target.runtime.connectionSummaries().filter(\.ready).count == 64 })
            let honest = try TestNode.start("honest", in: folder, peers: [PeerEntry(address: target.address, node: target.id)])
            defer { honest.runtime.stop() }
            #expect(honest.waitForConnections(to: [target.id], timeout: .seconds(5)))
            #expect(target.runtime.connectionSummaries().count <= 64)
            #expect(target.runtime.connectionSummaries().contains { $0.peer == honest.id && $0.ready })
        }
    }
}
