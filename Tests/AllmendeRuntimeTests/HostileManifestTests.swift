// HostileManifestTests.swift: a peer that serves a manifest whose file sizes overflow, and a node whose name is
// not ASCII: the fetching daemon refuses the manifest with a clear error and keeps running; the name connects.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import AllmendeWire
import Foundation
import Synchronization
import Testing

@Suite("Hostile manifests and names", .serialized)
struct HostileManifestTests {
    /// Answers a node's requests for one blob (`bytes`) and its publish statement until `done` says stop.
    static func serve(_ raw: RawClient, package: ContentID, statement: [UInt8], bytes: [UInt8], until done: () -> Bool) throws {
        let index = bytes.withUnsafeBytes { ChunkIndex(of: $0) }
        var decoder = FrameDecoder()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        let deadline = ContinuousClock.now + .seconds(20)
        while !done() && ContinuousClock.now < deadline {
            switch try buffer.withUnsafeMutableBytes({ try raw.tls.read(into: $0) }) {
            case let .bytes(count): decoder.append(buffer[0..<count])
            case .wantRead, .wantWrite:
                _ = raw.tls.socket.waitUntil(writable: false, timeout: .milliseconds(50))
                continue
            case .closed: return
            }
            while let message = try decoder.nextMessage() {
                switch message {
                case let .ping(nonce): try raw.send(MessageCodec.frame(.pong(nonce: nonce)))
                case let .getPackage(request, id):
                    try raw.send(MessageCodec.frame(.package(request: request, status: id == package ? .ok : .notFound, publishStatement: id == package ? statement : [])))
                case let .getIndex(request, _): try raw.send(MessageCodec.frame(.index(request: request, status: .ok, encodedIndex: index.encoded())))
                case let .getChunk(request, _, _): try raw.send(MessageCodec.frame(.chunk(request: request, status: .ok, data: ChunkData(bytes))))
                default: break
                }
            }
        }
    }

    @Test("a served manifest of 1,024 files of 2^53 bytes: fetch fails naming the field, the daemon keeps serving")
    func overflowingManifest() throws {
        try withTempDirectory("hostile-manifest") { folder throws in
            let target = try TestNode.start("target", in: folder)
            defer { target.runtime.stop() }
            let key = try Ed25519PrivateKey()
            let publisher = NodeID(publicKey: key.publicKey)
            let bytes = try manifestWithFiles(1024, size: 1 << 53, publisher: publisher.text)
            let package = SHA256Hasher.hash(bytes)
            let statement = try SignedStatement.sign(
                Statement(kind: .publish, package: package, identity: publisher, time: Timestamp(secondsSinceEpoch: 1_790_000_000)),
                with: key, delegation: nil).canonicalBytes()
            let raw = try RawClient(port: target.runtime.listenPort)
            defer { raw.close() }
            try raw.send(RawClient.hello)
            #expect(CatalogGossipTests.waitUntil(.seconds(5)) { target.runtime.connectionSummaries().contains { $0.ready && $0.name == "raw" } })

            let outcome = Mutex<String?>(nil)
            let fetcher = Thread {
                let message: String
                do {
                    _ = try target.runtime.fetch(package)
                    message = "fetched"
                } catch {
                    message = "\(error)"
                }
                outcome.withLock { $0 = message }
            }
            fetcher.start()
            try Self.serve(raw, package: package, statement: statement, bytes: bytes) { outcome.withLock { $0 != nil } }
            let message = try #require(outcome.withLock { $0 })
            #expect(message.contains("files[1].size"), "fetch said: \(message)")
            #expect(!target.runtime.store.hasManifest(package))
            // Still running: a new peer is served.
            let second = try RawClient(port: target.runtime.listenPort)
            defer { second.close() }
            try second.send(MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "second")))
            #expect(CatalogGossipTests.waitUntil(.seconds(5)) { target.runtime.connectionSummaries().contains { $0.ready && $0.name == "second" } })
        }
    }

    @Test("a node named with 64 characters that are not ASCII connects, its name cut between characters")
    func nonASCIIName() throws {
        let name = "Offene Werkstätte Süd: Fahrradküche, Holz & Löten — Grüße! ÄÖÜ"
        #expect(name.count <= 64 && name.utf8.count > WireLimits.maximumNodeNameLength)
        try withTempDirectory("hostile-name") { folder throws in
            let a = try TestNode.start("a", in: folder) { $0.name = name }
            defer { a.runtime.stop() }
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)]) { $0.name = name }
            defer { b.runtime.stop() }
            #expect(b.waitForConnections(to: [a.id]))
            // Ready on both sides (each side finishes its own hello exchange).
            #expect(a.waitForConnections(to: [b.id]))
            let seen = a.runtime.connectionSummaries().first { $0.peer == b.id && $0.ready }?.name ?? ""
            #expect(!seen.isEmpty && name.hasPrefix(seen))
        }
    }
}
