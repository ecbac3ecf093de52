// SwarmTests.swift: fetching from several seeders, a seeder that lies, peers that must be refused.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Several peers", .serialized)
struct SwarmTests {
    @Test("a fetch from two seeders uses both")
    func twoSeeders() throws {
        try withTempDirectory("swarm") { folder throws in
            let a = try TestNode.start("a", in: folder)
            defer { a.runtime.stop() }
            let package = try a.publishLargePackage(size: 24 << 20, in: folder)
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)])
            defer { b.runtime.stop() }
            #expect(b.waitForConnections(to: [a.id]))
            _ = try b.runtime.fetch(package)
            let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: a.address, node: a.id), PeerEntry(address: b.address, node: b.id)])
            defer { c.runtime.stop() }
            #expect(c.waitForConnections(to: [a.id, b.id]))
            let result = try c.runtime.fetch(package)
            #expect(Set(result.sources) == [a.id, b.id])
            #expect(try c.runtime.store.verifyPackage(package).isIntact)
        }
    }

    /// A liar set up by `misbehave` that holds `package` (fetched from `honest`), and a fetcher connected to both.
    static func liarAndFetcher(
        honest: TestNode, package: ContentID, in folder: TempDirectory, misbehave: (inout NodeOptions) -> Void
    ) throws -> (liar: TestNode, fetcher: TestNode) {
        let liar = try TestNode.start("liar", in: folder, peers: [PeerEntry(address: honest.address, node: honest.id)], configure: misbehave)
        #expect(liar.waitForConnections(to: [honest.id]))
        _ = try liar.runtime.fetch(package)
        let fetcher = try TestNode.start("fetcher", in: folder, peers: [
            PeerEntry(address: liar.address, node: liar.id), PeerEntry(address: honest.address, node: honest.id),
        ])
        #expect(fetcher.waitForConnections(to: [liar.id, honest.id]))
        return (liar, fetcher)
    }

    @Test("corrupt chunks from one seeder are detected, fetched from the other, and the liar is dropped")
    func lyingSeeder() throws {
        try withTempDirectory("swarm") { folder throws in
            let honest = try TestNode.start("honest", in: folder)
            defer { honest.runtime.stop() }
            let package = try honest.publishLargePackage(size: 12 << 20, in: folder)
            let (liar, fetcher) = try Self.liarAndFetcher(honest: honest, package: package, in: folder) {
                $0.servesCorruptChunksForTesting = true
            }
            defer { liar.runtime.stop(); fetcher.runtime.stop() }
            let result = try fetcher.runtime.fetch(package)
            #expect(result.sources == [honest.id])
            #expect(try fetcher.runtime.store.verifyPackage(package).isIntact)
            #expect(fetcher.runtime.events.contains { if case let .corruptChunk(from, _, _) = $0 { from == liar.id } else { false } })
            #expect(fetcher.waitForClose(.misbehaving, peer: liar.id))
        }
    }

    @Test("a forged index for a manifest of several chunks costs the liar, not the honest peer")
    func forgedManifestIndex() throws {
        try withTempDirectory("swarm") { folder throws in
            let honest = try TestNode.start("honest", in: folder)
            defer { honest.runtime.stop() }
            // 700 BOM lines with 1,900-character notes: a manifest of about 1.4 MiB, two chunks.
            let note = String(repeating: "Cut from 18 mm plywood, grain along the long side. ", count: 37)
            let lines = (0..<700).map { #"{"item": "Rib \#($0)", "quantity": "2", "unit": "pcs", "notes": "\#(note)"}"# }
            try folder.write("big-bom/allmende.json", text: """
                {"title": "Rib set with a long BOM", "version": "1.0.0", "summary": "Many ribs", "category": "building",
                 "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
                 "created": "2026-01-01T00:00:00Z", "bom": [\(lines.joined(separator: ","))]}
                """)
            try folder.write("big-bom/ribs.dxf", pseudoRandomBytes(count: 5000, seed: 3))
            let package = try honest.runtime.store.publish(folder: folder.file("big-bom"), as: LabIdentity(deviceKey: honest.key, delegation: nil),
                                                           options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
            #expect(try honest.runtime.store.blobs.chunkIndex(of: package).chunkCount == 2)
            let (liar, fetcher) = try Self.liarAndFetcher(honest: honest, package: package, in: folder) {
                $0.servesForgedIndexesForTesting = true
            }
            defer { liar.runtime.stop(); fetcher.runtime.stop() }
            _ = try fetcher.runtime.fetch(package)
            #expect(try fetcher.runtime.store.verifyPackage(package).isIntact)
            #expect(!fetcher.runtime.events.contains { if case let .closedPeer(peer, _, _) = $0 { peer == honest.id } else { false } })
            #expect(fetcher.runtime.connectionSummaries().contains { $0.peer == honest.id })
        }
    }

    @Test("a peer presenting another key than configured is refused")
    func wrongKey() throws {
        try withTempDirectory("swarm") { folder throws in
            let a = try TestNode.start("a", in: folder)
            defer { a.runtime.stop() }
            let impostorID = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: impostorID)])
            defer { b.runtime.stop() }
            #expect(b.waitForEvent { $0 == .unexpectedPeer(address: a.address, expected: impostorID, actual: a.id) })
            #expect(b.runtime.connectionSummaries().isEmpty)
        }
    }

    @Test("a private node refuses nodes that are not on its allow-list")
    func allowList() throws {
        try withTempDirectory("swarm") { folder throws in
            let friend = try Ed25519PrivateKey()
            let privateNode = try TestNode.start("private", in: folder, allowList: [NodeID(publicKey: friend.publicKey)])
            defer { privateNode.runtime.stop() }
            let stranger = try TestNode.start("stranger", in: folder, peers: [PeerEntry(address: privateNode.address, node: privateNode.id)])
            defer { stranger.runtime.stop() }
            #expect(privateNode.waitForEvent { if case let .notAllowed(peer, _) = $0 { peer == stranger.id } else { false } })
            let member = try TestNode.start("member", in: folder, peers: [PeerEntry(address: privateNode.address, node: privateNode.id)], key: friend)
            defer { member.runtime.stop() }
            #expect(member.waitForConnections(to: [privateNode.id]))
            #expect(!stranger.runtime.connectionSummaries().contains { $0.ready })
        }
    }
}
