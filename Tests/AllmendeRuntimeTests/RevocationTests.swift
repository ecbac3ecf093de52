// RevocationTests.swift: a stolen device key, revoked by its lab. The revocation travels like a catalog entry;
// a node that has it refuses what the key signs whatever date it claims, and one that saw statements before it
// arrived flags those it first saw after the revocation took effect.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Revocation against a thief", .serialized)
struct RevocationTests {
    /// A publish statement for a one-file package of `lab`, signed by `device` under `delegation`, claiming `time`.
    static func publish(_ title: String, lab: NodeID, device: Ed25519PrivateKey, delegation: Delegation, time: Timestamp) throws -> SignedStatement {
        let manifest = try DesignManifest(parsing: manifestWithFiles(1, size: 100 + title.count, publisher: lab.text))
        return try SignedStatement.sign(Statement(kind: .publish, package: SHA256Hasher.hash(Array(title.utf8)), identity: lab, time: time,
                                                  summary: PackageSummary(manifest: manifest)),
                                        with: device, delegation: delegation)
    }

    @Test("a backdated statement of a revoked key is refused where the revocation came first, and flagged where it came later")
    func stolenKey() throws {
        try withTempDirectory("revocation") { folder throws in
            let now = Int64(Date().timeIntervalSince1970)
            let labKey = try Ed25519PrivateKey()
            let lab = NodeID(publicKey: labKey.publicKey)
            let device = try Ed25519PrivateKey()
            let delegation = try Delegation.sign(device: NodeID(publicKey: device.publicKey), validFrom: Timestamp(secondsSinceEpoch: now - 86_400 * 30),
                                                 label: "workshop laptop", with: labKey)
            let claimed = Timestamp(secondsSinceEpoch: now - 86_400)
            let before = try Self.publish("seen before the theft", lab: lab, device: device, delegation: delegation, time: claimed)
            let after = try Self.publish("seen after the theft", lab: lab, device: device, delegation: delegation, time: claimed)
            let revocation = try Revocation.sign(device: NodeID(publicKey: device.publicKey), revokedFrom: Timestamp(secondsSinceEpoch: now - 60),
                                                 reason: "laptop stolen", with: labKey)

            // Node A saw one statement two minutes ago and the other half a minute ago (after the theft).
            let aHome = NodeHome(path: folder.file("a"))
            do {
                let store = try PackageStore(home: aHome)
                try store.catalog.append(before, seenAt: Timestamp(secondsSinceEpoch: now - 120))
                try store.catalog.append(after, seenAt: Timestamp(secondsSinceEpoch: now - 30))
            }
            // Node B learns of the revocation first; then the thief offers it a statement dated last month.
            let b = try TestNode.start("b", in: folder, configure: CatalogGossipTests.gossipOptions)
            defer { b.runtime.stop() }
            #expect(b.runtime.acceptEntry(try revocation.canonicalBytes()) == .accepted)
            let backdated = try Self.publish("thief's upload", lab: lab, device: device, delegation: delegation,
                                             time: Timestamp(secondsSinceEpoch: now - 86_400 * 20))
            guard case .revokedSigner = b.runtime.acceptEntry(try backdated.canonicalBytes()) else {
                Issue.record("the backdated statement was not refused as signed by a revoked key")
                return
            }

            let a = try TestNode.start("a", in: folder, peers: [PeerEntry(address: b.address, node: b.id)], configure: CatalogGossipTests.gossipOptions)
            defer { a.runtime.stop() }
            let revocationID = SHA256Hasher.hash(try revocation.canonicalBytes())
            #expect(CatalogGossipTests.waitUntil { a.runtime.store.catalog.ids.contains(revocationID) })
            #expect(CatalogGossipTests.waitUntil { a.runtime.store.catalogListing(after.statement.package)?.isSignerRevoked == true })
            #expect(a.runtime.store.catalogListing(before.statement.package)?.isSignerRevoked == false)
            // B first sees both statements now, after the revocation took effect: it refuses them, without blaming A.
            #expect(a.waitForConnections(to: [b.id]))
            #expect(CatalogGossipTests.waitUntil(.seconds(3)) { b.runtime.store.catalog.ids.contains(try! before.statementID()) } == false)
            #expect(!b.runtime.store.catalog.ids.contains(try after.statementID()))
            #expect(!b.runtime.store.catalog.ids.contains(try backdated.statementID()))
            #expect(b.runtime.connectionSummaries().contains { $0.peer == a.id && $0.ready })
        }
    }
}
