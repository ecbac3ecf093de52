// CatalogRepairTests.swift: a catalog damaged by flipped bits keeps every undamaged record, and after
// `repair()` (what `fsck --repair` runs) a peer sends the lost entries again by reconciliation.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Catalog repair", .serialized)
struct CatalogRepairTests {
    @Test("20 flipped bits in a 50-entry catalog: undamaged records kept, repair moves the damage aside, a peer restores the rest")
    func flippedBitsRestoredByPeer() throws {
        try withTempDirectory("catalog-repair") { folder throws in
            let key = try Ed25519PrivateKey()
            let identity = NodeID(publicKey: key.publicKey)
            let now = Int64(Date().timeIntervalSince1970)
            let entries = try (0..<50).map { number in
                try SignedStatement.sign(Statement(kind: .attest, package: SHA256Hasher.hash([UInt8(number), 7]), identity: identity,
                                                   time: Timestamp(secondsSinceEpoch: now - 100 + Int64(number)), note: "build report \(number)"),
                                         with: key, delegation: nil)
            }
            let ids = try entries.map { try $0.statementID() }
            // B's catalog holds all 50, then 20 bits flip while B is down.
            let bHome = NodeHome(path: folder.file("b"))
            try bHome.create()
            let path = bHome.path + "/catalog"
            do {
                let log = try CatalogLog(path: path)
                for entry in entries { try log.append(entry) }
            }
            let size = try FileSystem.size(of: path)
            for flip in bitFlips(count: 20, size: size, seed: 11) { try flipBit(flip.bit, at: flip.offset, in: path) }
            let damaged = try CatalogLog(path: path)
            let kept = damaged.ids
            #expect(kept.count < 50 && kept.count >= 30)
            #expect(Set(kept).isSubset(of: Set(ids)))
            let moved = try PackageStore(home: bHome).catalog.repair()
            #expect(!moved.isEmpty)
            #expect(try CatalogLog(path: path).ids == kept)

            let a = try TestNode.start("a", in: folder, configure: CatalogGossipTests.gossipOptions)
            defer { a.runtime.stop() }
            for entry in entries { #expect(a.runtime.acceptEntry(try entry.canonicalBytes()) == .accepted) }
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)], configure: CatalogGossipTests.gossipOptions)
            defer { b.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { b.runtime.store.catalog.count == 50 })
            #expect(Set(b.runtime.store.catalog.ids) == Set(ids))
            #expect(b.runtime.store.catalog.damage.isEmpty)
        }
    }
}
