// HolderFetchTests.swift: real nodes on 127.0.0.1: a package whose only holder is two hops away is fetched by
// connecting to its publisher through the address book, or to a node whose signed holdings list it.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
@testable import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Fetching from holders not connected", .serialized)
struct HolderFetchTests {
    @Test("A–B–C: C publishes, A (connected only to B) fetches by ID from C, dialled on demand")
    func twoHopsAway() throws {
        try withTempDirectory("holders") { folder throws in
            // Outbound target 1: discovery alone would not connect A and C.
            let oneOutbound: (inout NodeOptions) -> Void = { $0.targetOutbound = 1 }
            let b = try TestNode.start("b", in: folder)
            defer { b.runtime.stop() }
            let a = try TestNode.start("a", in: folder, peers: [PeerEntry(address: b.address, node: b.id)], configure: oneOutbound)
            defer { a.runtime.stop() }
            #expect(a.waitForConnections(to: [b.id]))
            let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: b.address, node: b.id)], configure: oneOutbound)
            defer { c.runtime.stop() }
            #expect(c.waitForConnections(to: [b.id]))
            // C publishes with its node key (as `allmende publish` does by default) and announces the entry.
            let published = try c.runtime.store.publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                                        as: LabIdentity(deviceKey: c.key, delegation: nil),
                                                        options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            #expect(c.runtime.announceLocal(published.statementID))
            #expect(CatalogGossipTests.waitUntil { a.runtime.store.catalog.ids.contains(published.statementID) && a.runtime.knownNodes.contains(c.id) })
            #expect(!Set(a.runtime.connectionSummaries().map(\.peer)).contains(c.id))
            let seen = LockedList<FetchProgress>()
            let result = try a.runtime.fetch(published.packageID) { seen.append($0) }
            #expect(result.sources == [c.id])
            #expect(try a.runtime.store.verifyPackage(published.packageID).isIntact)
            #expect(seen.all.contains { $0.holdersKnown == 1 && $0.holdersConnected == 1 })
            #expect(Set(a.runtime.connectionSummaries().map(\.peer)).contains(c.id))
        }
    }

    @Test("a package whose publisher never announced an address: the error says its holders are known but not reachable")
    func holderWithoutAddress() throws {
        try TestNode.withPair("holders") { a, b, folder throws in
            #expect(b.waitForConnections(to: [a.id]))
            // Published in a home no daemon runs: B learns the catalog entry, and nobody it can reach holds it.
            let offline = try PackageStore(home: NodeHome(path: folder.file("offline")))
            let published = try offline.publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                                as: LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil),
                                                options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            #expect(b.runtime.acceptEntry(try #require(offline.catalog.entryBytes(published.statementID))) == .accepted)
            let error = #expect(throws: FetchError.self) { try b.runtime.fetch(published.packageID) }
            #expect(error == .holdersUnreachable(package: published.packageID, holders: 1, withAddress: 0))
        }
    }

    @Test("the publisher left; a mirror two hops away holds the package: its signed holdings lead the fetch there")
    func fromHoldings() throws {
        try withTempDirectory("holdings") { folder throws in
            let oneOutbound: (inout NodeOptions) -> Void = { $0.targetOutbound = 1 }
            let x = try TestNode.start("x", in: folder)
            defer { x.runtime.stop() }
            let viaX = [PeerEntry(address: x.address, node: x.id)]
            let publisher = try TestNode.start("publisher", in: folder, peers: viaX, configure: oneOutbound)
            let mirror = try TestNode.start("mirror", in: folder, peers: viaX, configure: oneOutbound)
            defer { mirror.runtime.stop() }
            #expect(publisher.waitForConnections(to: [x.id]) && mirror.waitForConnections(to: [x.id]))
            let published = try publisher.runtime.store.publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                                                as: LabIdentity(deviceKey: publisher.key, delegation: nil),
                                                                options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            #expect(publisher.runtime.announceLocal(published.statementID))
            #expect(CatalogGossipTests.waitUntil { mirror.runtime.store.catalog.ids.contains(published.statementID) && mirror.runtime.knownNodes.contains(publisher.id) })
            _ = try mirror.runtime.fetch(published.packageID)
            // The mirror's new state reaches X (pushed), which keeps it.
            #expect(CatalogGossipTests.waitUntil { x.runtime.holders(of: published.packageID).map(\.node).contains(mirror.id) })
            publisher.runtime.stop()

            let maker = try TestNode.start("maker", in: folder, peers: viaX, configure: oneOutbound)
            defer { maker.runtime.stop() }
            // The maker learns the catalog entry, the holdings of the mirror and of the publisher (reconciled with X:
            // the publisher's state is valid until it expires) and the mirror's address.
            #expect(CatalogGossipTests.waitUntil {
                maker.runtime.store.catalog.ids.contains(published.statementID) && maker.runtime.knownNodes.contains(mirror.id)
                    && Set(maker.runtime.holders(of: published.packageID).map(\.node)) == [mirror.id, publisher.id]
            })
            #expect(!Set(maker.runtime.connectionSummaries().map(\.peer)).contains(mirror.id))
            let seen = LockedList<FetchProgress>()
            let result = try maker.runtime.fetch(published.packageID) { seen.append($0) }
            #expect(result.sources == [mirror.id])
            #expect(try maker.runtime.store.verifyPackage(published.packageID).isIntact)
            // Known: the mirror (holdings) and the publisher (its statement); only the mirror answered.
            #expect(seen.all.contains { $0.holdersKnown == 2 && $0.holdersConnected == 1 })
        }
    }

    @Test("a fetch told to wait for a holder waits while none is known, then fetches from the one that appears")
    func waitsForHolder() throws {
        try withTempDirectory("holder-wait") { folder throws in
            let x = try TestNode.start("x", in: folder)
            defer { x.runtime.stop() }
            let viaX = [PeerEntry(address: x.address, node: x.id)]
            let maker = try TestNode.start("maker", in: folder, peers: viaX) { $0.targetOutbound = 1 }
            defer { maker.runtime.stop() }
            #expect(maker.waitForConnections(to: [x.id]))
            // The package exists only in a home no daemon runs yet: nobody knows it.
            let holderHome = NodeHome(path: folder.file("holder"))
            let holderKey = try Ed25519PrivateKey()
            let published = try PackageStore(home: holderHome).publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                                                       as: LabIdentity(deviceKey: holderKey, delegation: nil),
                                                                       options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            // Without waiting: a clear error at once.
            let error = #expect(throws: FetchError.self) { try maker.runtime.fetch(published.packageID) }
            #expect(error == .noSource(package: published.packageID, askedPeers: 1))
            let seen = LockedList<FetchProgress>()
            let outcome = LockedList<Result<FetchResult, Error>>()
            let fetcher = Thread {
                outcome.append(Result { try maker.runtime.fetch(published.packageID, progress: { seen.append($0) }, waitForHolder: .seconds(60)) })
            }
            fetcher.start()
            #expect(CatalogGossipTests.waitUntil { seen.all.contains { $0.waitingForHolder } })
            // The holder's daemon starts and connects to X: its holdings and address reach the maker.
            let holder = try TestNode.start("holder", in: folder, peers: viaX, key: holderKey) { $0.targetOutbound = 1 }
            defer { holder.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil(.seconds(30)) { !outcome.all.isEmpty })
            let result = try #require(try outcome.all.first?.get())
            #expect(result.sources == [holder.id])
            #expect(try maker.runtime.store.verifyPackage(published.packageID).isIntact)
        }
    }

    @Test("the holder table survives a restart: saved when the node stops, known again as it starts")
    func holdersSurviveRestart() throws {
        try withTempDirectory("holder-restart") { folder throws in
            let a = try TestNode.start("a", in: folder)
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)])
            defer { b.runtime.stop() }
            let id = try a.publishExample("timber-wall-block")
            #expect(CatalogGossipTests.waitUntil { b.runtime.holders(of: id).map(\.node) == [a.id] })
            b.runtime.stop()
            a.runtime.stop()
            let again = try TestNode.start("b", in: folder, key: b.key)
            defer { again.runtime.stop() }
            #expect(again.runtime.holders(of: id).map(\.node) == [a.id])
            #expect(try HolderFile.table(b.home).holders(of: id, now: Int64(Date().timeIntervalSince1970)).map(\.node) == [a.id])
        }
    }

    @Test("a node that signs for a lab says so in its holdings: peers name the lab and its label, across changes and a restart; the CLI shows it")
    func holdingsNameTheLab() throws {
        try withTempDirectory("holder-lab") { folder throws in
            let labKey = try Ed25519PrivateKey()
            let nodeKey = try Ed25519PrivateKey()
            let home = NodeHome(path: folder.file("lab-node"))
            try home.create()
            let delegation = try Delegation.sign(device: NodeID(publicKey: nodeKey.publicKey), validFrom: Timestamp(secondsSinceEpoch: 1_790_000_000),
                                                 label: "Offene Werkstatt, workshop node", with: labKey)
            try LabIdentity.saveDelegation(delegation, home: home)
            let lab = try TestNode.start("lab-node", in: folder, key: nodeKey)
            defer { lab.runtime.stop() }
            let peer = try TestNode.start("peer", in: folder, peers: [PeerEntry(address: lab.address, node: lab.id)])
            #expect(CatalogGossipTests.waitUntil { peer.runtime.holderLab(of: lab.id)?.identity == delegation.identity })
            #expect(peer.runtime.holderLab(of: lab.id)?.label == "Offene Werkstatt, workshop node")
            // A change (a package published) carries no delegation; the lab stays named.
            let id = try lab.publishExample("timber-wall-block")
            _ = lab.runtime.announceLocal(try #require(lab.runtime.store.statements(about: id).first?.id))
            #expect(CatalogGossipTests.waitUntil { peer.runtime.holders(of: id).map(\.node) == [lab.id] })
            #expect(peer.runtime.holderLab(of: lab.id)?.identity == delegation.identity)
            peer.runtime.stop()
            let listed = try JSONParser.parse(Array(try ProcessRunner.run(Repository.allmendeBinary, ["holders", id.hex, "--json"],
                                                                          environment: ["ALLMENDE_HOME": peer.home.path]).standardOutput.utf8))
            #expect(listed["nodes"]?.arrayValue?.first?["lab"]?.stringValue == delegation.identity.text)
            #expect(listed["nodes"]?.arrayValue?.first?["labLabel"]?.stringValue == "Offene Werkstatt, workshop node")
            // The lab revokes the node's key: still a holder, no longer named as the lab's, here and in the CLI.
            let revocation = try Revocation.sign(device: lab.id, revokedFrom: Timestamp(secondsSinceEpoch: 1_790_000_000), reason: "laptop stolen", with: labKey)
            #expect(lab.runtime.learn(revocation))
            #expect(lab.runtime.holderLab(of: lab.id) == nil && lab.runtime.holders(of: id).map(\.node) == [lab.id])
            try LabIdentity.saveRevocation(revocation, home: peer.home)
            let after = try JSONParser.parse(Array(try ProcessRunner.run(Repository.allmendeBinary, ["holders", id.hex, "--json"],
                                                                         environment: ["ALLMENDE_HOME": peer.home.path]).standardOutput.utf8))
            #expect(after["holders"]?.numberValue == 1 && after["nodes"]?.arrayValue?.first?["lab"] == nil)
        }
    }
}
