// CatalogGossipTests.swift: catalog entries spread along a line of real nodes, converge after a partition, and
// bad entries stop at the first hop.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import AllmendeWire
import Foundation
import Testing

@Suite("Catalog gossip", .serialized)
struct CatalogGossipTests {
    static func gossipOptions(_ options: inout NodeOptions) {
        options.antiEntropyInterval = .milliseconds(400)
        options.targetOutbound = 0   // keep the line a line: no shortcuts found by discovery
    }

    static func waitUntil(_ timeout: Duration = .seconds(20), _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Five nodes in a line: B dials A, C dials B and D, E dials D.
    static func line(in folder: TempDirectory, cKey: Ed25519PrivateKey) throws -> [TestNode] {
        let a = try TestNode.start("a", in: folder, configure: gossipOptions)
        let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)], configure: gossipOptions)
        let d = try TestNode.start("d", in: folder, configure: gossipOptions)
        let e = try TestNode.start("e", in: folder, peers: [PeerEntry(address: d.address, node: d.id)], configure: gossipOptions)
        let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: b.address, node: b.id), PeerEntry(address: d.address, node: d.id)],
                                   key: cKey, configure: gossipOptions)
        return [a, b, c, d, e]
    }

    @Test("five nodes in a line: an entry published on A reaches E, and its retraction follows")
    func lineOfFive() throws {
        try withTempDirectory("gossip") { folder throws in
            let nodes = try Self.line(in: folder, cKey: try Ed25519PrivateKey())
            defer { nodes.forEach { $0.runtime.stop() } }
            let (a, e) = (nodes[0], nodes[4])
            #expect(nodes[2].waitForConnections(to: [nodes[1].id, nodes[3].id]))
            let key = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
            let signer = LabIdentity(deviceKey: key, delegation: nil)
            let published = try a.runtime.store.publish(folder: Repository.root + "/Examples/packages/pem-fuel-cell-end-plate", as: signer,
                                                        options: PublishOptions(now: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))))
            #expect(a.runtime.announceLocal(published.statementID))
            #expect(Self.waitUntil { e.runtime.store.catalog.ids.contains(published.statementID) })
            let retraction = try SignedStatement.sign(
                Statement(kind: .retract, package: published.packageID, identity: signer.identity,
                          time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), reason: "gasket groove too shallow"),
                with: key, delegation: nil)
            #expect(a.runtime.acceptEntry(try retraction.canonicalBytes()) == .accepted)
            #expect(Self.waitUntil { e.runtime.store.catalog.ids.contains(try! retraction.statementID()) })
            #expect(nodes.allSatisfy { $0.runtime.store.catalog.count == 2 })
        }
    }

    @Test("a new node takes in a catalog larger than one answer (6,000 entries, 4 MB) in sessions back to back, not one per interval")
    func largeCatalogBackToBack() throws {
        try withTempDirectory("gossip-large") { folder throws in
            let labs = try (0..<2).map { _ in try Ed25519PrivateKey() }
            // The seeder's catalog, written before it starts (synced once, as a daemon does).
            let seederHome = NodeHome(path: folder.file("seeder"))
            let filling = try PackageStore(home: seederHome)
            for number in 0..<6000 {
                let key = labs[number % 2]
                let summary = PackageSummary(title: "Part \(number) " + String(repeating: "x", count: 60), version: "1.0.0", license: "CERN-OHL-S-2.0",
                                             category: "tools-machines", tags: ["timber"], size: 1000, files: 1)
                let entry = try SignedStatement.sign(Statement(kind: .publish, package: SHA256Hasher.hash(Array("large \(number)".utf8)),
                                                               identity: NodeID(publicKey: key.publicKey),
                                                               time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), summary: summary),
                                                     with: key, delegation: nil)
                try filling.catalog.append(entryBytes: try entry.canonicalBytes(), durable: false)
            }
            try filling.catalog.syncPending()
            // Neither side starts a regular round within the test: only the new node's sessions back to back bring the rest.
            let seeder = try TestNode.start("seeder", in: folder) { options in
                options.targetOutbound = 0
                options.antiEntropyInterval = .seconds(600)
            }
            defer { seeder.runtime.stop() }
            // The new node trusts both labs (no strangers' quota) and would reconcile again only after 10 minutes.
            let learner = try TestNode.start("learner", in: folder, peers: [PeerEntry(address: seeder.address, node: seeder.id)]) { options in
                options.targetOutbound = 0
                options.antiEntropyInterval = .seconds(600)
                options.trusted = labs.map { NodeID(publicKey: $0.publicKey) }
            }
            defer { learner.runtime.stop() }
            #expect(Self.waitUntil(.seconds(120)) { learner.runtime.store.catalog.count == 6000 },
                    "the new node has \(learner.runtime.store.catalog.count) of 6,000 entries")
            let missing = Set(seeder.runtime.store.catalog.ids).subtracting(learner.runtime.store.catalog.ids).count
            #expect(missing == 0, "\(missing) entries missing")
            // More than one session carried them (an answer carries at most 2 MiB).
            let sessions = learner.runtime.events.all.filter { if case .reconciliationEnded = $0 { true } else { false } }.count
            #expect(sessions >= 2, "\(sessions) sessions")
        }
    }

    @Test("partition and heal: stop C, publish on both sides, restart C: every catalog converges")
    func partitionAndHeal() throws {
        try withTempDirectory("gossip") { folder throws in
            let cKey = try Ed25519PrivateKey()
            var nodes = try Self.line(in: folder, cKey: cKey)
            defer { nodes.forEach { $0.runtime.stop() } }
            #expect(nodes[2].waitForConnections(to: [nodes[1].id, nodes[3].id]))
            nodes[2].runtime.stop()
            let left = try nodes[0].publishLargePackage(size: 1000, in: folder, seed: 1)
            let right = try nodes[4].publishLargePackage(size: 1000, in: folder, seed: 2)
            for node in [nodes[0], nodes[4]] { for id in node.runtime.store.catalog.ids { _ = node.runtime.announceLocal(id) } }
            #expect(Self.waitUntil { nodes[1].runtime.store.catalog.count == 1 && nodes[3].runtime.store.catalog.count == 1 })
            nodes[2] = try TestNode.start("c", in: folder, peers: [PeerEntry(address: nodes[1].address, node: nodes[1].id),
                                                                  PeerEntry(address: nodes[3].address, node: nodes[3].id)],
                                          key: cKey, configure: Self.gossipOptions)
            let everyone = Set(nodes[0].runtime.store.catalog.ids + nodes[4].runtime.store.catalog.ids)
            #expect(everyone.count == 2)
            #expect(Self.waitUntil(.seconds(30)) { nodes.allSatisfy { Set($0.runtime.store.catalog.ids) == everyone } },
                    "catalog sizes: \(nodes.map { $0.runtime.store.catalog.count })")
            _ = (left, right)
        }
    }

    @Test("a forged, a far-future and an oversized entry are rejected at the first hop and never forwarded", arguments: ["forged", "future", "oversized"])
    func badEntries(kind: String) throws {
        try withTempDirectory("gossip") { folder throws in
            let b = try TestNode.start("b", in: folder, configure: Self.gossipOptions)
            defer { b.runtime.stop() }
            let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: b.address, node: b.id)], configure: Self.gossipOptions)
            defer { c.runtime.stop() }
            #expect(c.waitForConnections(to: [b.id]))
            let key = try Ed25519PrivateKey()
            let identity = NodeID(publicKey: key.publicKey)
            let now = Int64(Date().timeIntervalSince1970)
            var statement = Statement(kind: .attest, package: SHA256Hasher.hash([7]), identity: identity,
                                      time: Timestamp(secondsSinceEpoch: kind == "future" ? now + 86_400 : now), note: "built it")
            if kind == "oversized" { statement.note = String(repeating: "x", count: 16_000) }
            var signed = try SignedStatement.sign(statement, with: key, delegation: nil)
            if kind == "forged" { signed.statement.note = "built it twice" }
            var bytes = try signed.canonicalBytes()
            if kind == "oversized" { bytes += [UInt8](repeating: 0x20, count: 70_000) }
            let raw = try RawClient(port: b.runtime.listenPort)
            // The node may hang up while an oversized frame is still being written: that is the refusal, not a failure.
            try? raw.send(RawClient.hello + MessageCodec.frame(.announce(entry: bytes)))
            if kind == "oversized" {
                #expect(b.waitForClose(.frameTooLarge))
            } else {
                #expect(b.waitForEvent { if case .entryRejected = $0 { true } else { false } })
            }
            raw.close()
            #expect(b.runtime.store.catalog.count == 0)
            // A full reconciliation between B and C after the refusal: C still has nothing.
            let ended = { (node: TestNode) in node.runtime.events.all.filter { if case .reconciliationEnded = $0 { true } else { false } }.count }
            let before = ended(b) + ended(c)
            b.runtime.reconcileNow()
            #expect(CatalogGossipTests.waitUntil { ended(b) + ended(c) > before })
            #expect(c.runtime.store.catalog.count == 0)
            #expect(!c.runtime.events.contains { if case .entryRejected = $0 { true } else { false } })
        }
    }

    @Test("a peer that keeps sending invalid entries is struck and disconnected")
    func strikes() throws {
        try withTempDirectory("gossip") { folder throws in
            let node = try TestNode.start("node", in: folder, configure: Self.gossipOptions)
            defer { node.runtime.stop() }
            let key = try Ed25519PrivateKey()
            let identity = NodeID(publicKey: key.publicKey)
            var frames = RawClient.hello
            for number in 0..<3 {
                var signed = try SignedStatement.sign(
                    Statement(kind: .attest, package: SHA256Hasher.hash([UInt8(number)]), identity: identity,
                              time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), note: "report \(number)"),
                    with: key, delegation: nil)
                signed.statement.note = "forged \(number)"
                frames += MessageCodec.frame(.announce(entry: try signed.canonicalBytes()))
            }
            let raw = try RawClient(port: node.runtime.listenPort)
            try raw.send(frames)
            let outcome = raw.readUntilClosed()
            raw.close()
            #expect(outcome.closed)
            #expect(outcome.messages.contains { if case .goodbye(.misbehaving, _) = $0 { true } else { false } })
            #expect(node.waitForClose(.misbehaving))
            #expect(node.runtime.store.catalog.count == 0)
        }
    }
}
