// TLSConnectionTests.swift: real TLS 1.3 on 127.0.0.1 with node-key certificates; what must be refused is refused.

import AllmendeCrypto
import AllmendeSystem
import AllmendeTLS
import AllmendeTestSupport
import Foundation
import Synchronization
import Testing

@Suite("TLS between nodes")
struct TLSConnectionTests {
    /// Listens on a free port and runs `serve` on the first accepted, handshaken connection (or its error).
    static func server(key: Ed25519PrivateKey, serve: @escaping @Sendable (Result<TLSConnection, TLSError>) -> Void) throws -> (UInt16, DispatchSemaphore) {
        let (listener, port) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        let context = try TLSContext(key: key, isServer: true)
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { listener.close(); done.signal() }
            guard listener.waitUntil(writable: false, timeout: .seconds(10)), let (socket, _) = try? listener.accept() else { return }
            do throws(TLSError) {
                let connection = try TLSConnection(context: context, socket: socket, isServer: true)
                _ = try connection.handshake(timeout: .seconds(5))
                serve(.success(connection))
                connection.close()
            } catch {
                socket.close()
                serve(.failure(error))
            }
        }
        thread.start()
        return (port, done)
    }

    static func writeAll(_ connection: TLSConnection, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let result = try bytes.withUnsafeBytes { try connection.write(UnsafeRawBufferPointer(rebasing: $0[offset...])) }
            switch result {
            case let .bytes(count): offset += count
            case .wantRead: _ = connection.socket.waitUntil(writable: false, timeout: .seconds(5))
            case .wantWrite: _ = connection.socket.waitUntil(writable: true, timeout: .seconds(5))
            case .closed: throw TLSError.closed
            }
        }
    }

    static func readExactly(_ connection: TLSConnection, _ count: Int) throws -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while result.count < count {
            let outcome = try buffer.withUnsafeMutableBytes { try connection.read(into: UnsafeMutableRawBufferPointer(rebasing: $0[0..<min($0.count, count - result.count)])) }
            switch outcome {
            case let .bytes(read): result += buffer[0..<read]
            case .wantRead: _ = connection.socket.waitUntil(writable: false, timeout: .seconds(5))
            case .wantWrite: _ = connection.socket.waitUntil(writable: true, timeout: .seconds(5))
            case .closed: throw TLSError.closed
            }
        }
        return result
    }

    @Test("two nodes learn each other's node ID from the certificates and exchange bytes")
    func mutualAuthentication() throws {
        let serverKey = try Ed25519PrivateKey()
        let clientKey = try Ed25519PrivateKey()
        let seenByServer = Mutex<NodeID?>(nil)
        let (port, done) = try Self.server(key: serverKey) { result in
            guard case let .success(connection) = result else { return }
            seenByServer.withLock { $0 = connection.peer }
            if let data = try? Self.readExactly(connection, 300_000) { try? Self.writeAll(connection, data.reversed()) }
        }
        let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(5))
        let client = try TLSConnection(context: TLSContext(key: clientKey, isServer: false), socket: socket, isServer: false)
        let serverID = try client.handshake(timeout: .seconds(5), expectedPeer: NodeID(publicKey: serverKey.publicKey))
        #expect(serverID == NodeID(publicKey: serverKey.publicKey))
        let payload = pseudoRandomBytes(count: 300_000, seed: 5)
        try Self.writeAll(client, payload)
        #expect(try Self.readExactly(client, payload.count) == Array(payload.reversed()))
        client.close()
        done.wait()
        #expect(seenByServer.withLock { $0 } == NodeID(publicKey: clientKey.publicKey))
    }

    @Test("a server presenting another key than the dialled node ID is refused")
    func unexpectedPeer() throws {
        let (port, done) = try Self.server(key: try Ed25519PrivateKey()) { _ in }
        let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(5))
        let client = try TLSConnection(context: TLSContext(key: try Ed25519PrivateKey(), isServer: false), socket: socket, isServer: false)
        let expected = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
        do {
            _ = try client.handshake(timeout: .seconds(5), expectedPeer: expected)
            Issue.record("accepted the wrong node")
        } catch let TLSError.unexpectedPeer(wanted, _) {
            #expect(wanted == expected)
        }
        client.close()
        done.wait()
    }

    /// Runs `openssl s_server` with `certificate` and `key` for one connection; returns its port and process.
    static func opensslServer(certificate: String, key: String) throws -> (UInt16, Process) {
        let (probe, port) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        probe.close()
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl", "s_server", "-accept", "127.0.0.1:\(port)", "-cert", certificate, "-key", key, "-tls1_3", "-naccept", "1", "-quiet"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = FileHandle.nullDevice
        try process.run()
        return (port, process)
    }

    @Test("a certificate carrying a node key but signed by another key is refused; one signed by its own key is accepted")
    func certificateMustBeSelfSigned() throws {
        try withTempDirectory("tls-cert") { folder throws in
            func openssl(_ arguments: [String]) throws {
                let run = try ProcessRunner.run("openssl", arguments)
                try #require(run.status == 0, "openssl \(arguments): \(run.standardError)")
            }
            let (a, b) = (folder.file("a.pem"), folder.file("b.pem"))
            try openssl(["genpkey", "-algorithm", "ed25519", "-out", a])
            try openssl(["genpkey", "-algorithm", "ed25519", "-out", b])
            try openssl(["req", "-new", "-x509", "-key", b, "-subj", "/CN=other", "-days", "2", "-out", folder.file("b.crt")])
            try openssl(["req", "-new", "-key", a, "-subj", "/CN=node", "-out", folder.file("a.csr")])
            try openssl(["x509", "-req", "-in", folder.file("a.csr"), "-CA", folder.file("b.crt"), "-CAkey", b, "-CAcreateserial",
                         "-days", "2", "-out", folder.file("a-by-b.crt")])
            try openssl(["req", "-new", "-x509", "-key", a, "-subj", "/CN=node", "-days", "2", "-out", folder.file("a-self.crt")])
            let context = try TLSContext(key: try Ed25519PrivateKey(), isServer: false)
            func connect(_ certificate: String) throws -> Result<NodeID, TLSError> {
                let (port, server) = try Self.opensslServer(certificate: certificate, key: a)
                defer { server.terminate(); server.waitUntilExit() }
                let deadline = ContinuousClock.now + .seconds(10)
                var socket: Socket?
                while socket == nil && ContinuousClock.now < deadline {
                    socket = try? Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(1))
                    if socket == nil { usleep(20_000) }
                }
                let connected = try #require(socket)
                let connection = try TLSConnection(context: context, socket: connected, isServer: false)
                defer { connection.close() }
                return Result { () throws(TLSError) in try connection.handshake(timeout: .seconds(5)) }
            }
            #expect(try connect(folder.file("a-by-b.crt")) == .failure(.notSelfSigned))
            guard case .success = try connect(folder.file("a-self.crt")) else {
                Issue.record("a self-signed node certificate made by openssl was refused")
                return
            }
        }
    }

    @Test("a plain TCP client is refused by the handshake")
    func plainTCP() throws {
        let outcome = Mutex<String?>(nil)
        let (port, done) = try Self.server(key: try Ed25519PrivateKey()) { result in
            if case let .failure(error) = result { outcome.withLock { $0 = error.description } }
        }
        let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(5))
        _ = Array("GET / HTTP/1.0\r\n\r\n".utf8).withUnsafeBytes { write(socket.descriptor, $0.baseAddress, $0.count) }
        done.wait()
        socket.close()
        #expect(outcome.withLock { $0 }?.hasPrefix("TLS handshake failed") == true)
    }

    @Test("TLS 1.2 and clients without a certificate are refused", arguments: [
        ["-tls1_2"], ["-tls1_3"],
    ])
    func opensslClients(flags: [String]) throws {
        let outcome = Mutex<String?>(nil)
        let (port, done) = try Self.server(key: try Ed25519PrivateKey()) { result in
            switch result {
            case let .failure(error): outcome.withLock { $0 = error.description }
            case .success: outcome.withLock { $0 = "accepted" }
            }
        }
        _ = try ProcessRunner.run("openssl", ["s_client", "-connect", "127.0.0.1:\(port)", "-quiet"] + flags)
        done.wait()
        let message = outcome.withLock { $0 } ?? "nothing"
        #expect(message.hasPrefix("TLS handshake failed"), "server said: \(message)")
    }
}
