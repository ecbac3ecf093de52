// MirrorTests.swift: mirror policies fetch exactly what matches, within their quota.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Mirroring", .serialized)
struct MirrorTests {
    static let examples = ["timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan"]

    /// A seeder holding the three examples (demo publisher) and two packages of its own.
    static func seeder(in folder: TempDirectory) throws -> (TestNode, demo: [ContentID], own: [ContentID]) {
        let seed = try TestNode.start("seed", in: folder) { $0.antiEntropyInterval = .milliseconds(300) }
        let demo = try examples.map { try seed.publishExample($0) }
        let own = try [1, 2].map { try seed.publishLargePackage(size: 3000 * $0, in: folder, seed: UInt64($0)) }
        return (seed, demo, own)
    }

    @Test("a publisher policy mirrors exactly that publisher's packages")
    func byPublisher() throws {
        try withTempDirectory("mirror") { folder throws in
            let (seed, demo, own) = try Self.seeder(in: folder)
            defer { seed.runtime.stop() }
            let demoPublisher = try seed.runtime.store.manifest(demo[0]).publisher
            let mirror = try TestNode.start("mirror", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) {
                $0.antiEntropyInterval = .milliseconds(300)
                $0.mirrors = [MirrorPolicy(match: .publisher(demoPublisher), quota: nil)]
            }
            defer { mirror.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil(.seconds(30)) { demo.allSatisfy { (try? mirror.runtime.store.verifyPackage($0).isIntact) == true } })
            #expect(mirror.runtime.store.catalog.count == 5)   // it knows every entry …
            for package in own { #expect(!mirror.runtime.store.hasManifest(package)) }   // … but fetched only the publisher's
        }
    }

    @Test("a quota stops mirroring once it would be exceeded")
    func quota() throws {
        try withTempDirectory("mirror") { folder throws in
            let (seed, demo, _) = try Self.seeder(in: folder)
            defer { seed.runtime.stop() }
            let sizes = try demo.map { try seed.runtime.store.manifest($0).totalSize }
            let quota = sizes.max()! + sizes.min()! / 2
            let mirror = try TestNode.start("mirror", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) {
                $0.antiEntropyInterval = .milliseconds(300)
                $0.mirrors = [MirrorPolicy(match: .tag("timber"), quota: quota)]
            }
            defer { mirror.runtime.stop() }
            #expect(mirror.waitForEvent { if case .mirrored = $0 { true } else { false } })
            #expect(CatalogGossipTests.waitUntil { mirror.runtime.store.catalog.count == 5 })
            // Every package the policy matches gets a decision: mirrored, or over the quota.
            let timber = mirror.runtime.store.catalogListings().filter { $0.summary.tags.contains("timber") }.map(\.package)
            #expect(mirror.waitForEvent(timeout: .seconds(20)) { _ in
                let decided = Set(mirror.runtime.events.all.compactMap { event -> ContentID? in
                    switch event {
                    case let .mirrored(package), let .overQuota(package), let .evicted(package): return package
                    default: return nil
                    }
                })
                return timber.allSatisfy(decided.contains)
            })
            let stored = mirror.runtime.store.packageIDs()
            let used = try stored.reduce(0) { $0 + (try mirror.runtime.store.manifest($1).totalSize) }
            #expect(!stored.isEmpty)
            #expect(used <= quota)
            #expect(!stored.contains(demo[1]))   // the fuel-cell plate has no 'timber' tag
            #expect(mirror.runtime.events.contains { if case .overQuota = $0 { true } else if case .evicted = $0 { true } else { false } })
        }
    }

    /// Publishes a package tagged "timber" with one file of `size` bytes on `node`.
    static func publishTimber(_ node: TestNode, name: String, size: Int, in folder: TempDirectory) throws -> ContentID {
        try folder.write("\(name)/allmende.json", text: """
            {"title": "\(name)", "version": "1.0.0", "summary": "A timber part", "category": "building", "tags": ["timber"],
             "license": "CC-BY-SA-4.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
            """)
        try folder.write("\(name)/part.dxf", pseudoRandomBytes(count: size, seed: UInt64(size + name.count)))
        let result = try node.runtime.store.publish(folder: folder.file(name), as: LabIdentity(deviceKey: node.key, delegation: nil),
                                                    options: PublishOptions(now: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))))
        _ = node.runtime.announceLocal(result.statementID)
        return result.packageID
    }

    @Test("over quota, the oldest mirrored package is evicted for a new one; the operator's own packages never are")
    func eviction() throws {
        try withTempDirectory("mirror") { folder throws in
            let seed = try TestNode.start("seed", in: folder) { $0.antiEntropyInterval = .milliseconds(300) }
            defer { seed.runtime.stop() }
            let first = try Self.publishTimber(seed, name: "first-beam", size: 6000, in: folder)
            let mirror = try TestNode.start("mirror", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) {
                $0.antiEntropyInterval = .milliseconds(300)
                $0.mirrors = [MirrorPolicy(match: .tag("timber"), quota: 9000)]
            }
            defer { mirror.runtime.stop() }
            let own = try Self.publishTimber(mirror, name: "own-joist", size: 7000, in: folder)
            #expect(CatalogGossipTests.waitUntil { (try? mirror.runtime.store.verifyPackage(first).isIntact) == true })
            let second = try Self.publishTimber(seed, name: "second-beam", size: 6000, in: folder)
            #expect(CatalogGossipTests.waitUntil { (try? mirror.runtime.store.verifyPackage(second).isIntact) == true })
            #expect(!mirror.runtime.store.hasManifest(first))
            #expect(mirror.runtime.store.hasManifest(own))
            #expect(try mirror.runtime.store.verifyPackage(second).isIntact)
            #expect(mirror.runtime.events.contains(where: { $0 == .evicted(package: first) }))
            #expect(mirror.runtime.store.catalogListings().contains { $0.package == first && !$0.isStored })
        }
    }
}

@Suite("Retracted packages on the network", .serialized)
struct RetractedServingTests {
    @Test("a retracted package is not offered to new fetchers unless the operator asks for it")
    func withheld() throws {
        try withTempDirectory("retracted") { folder throws in
            let seed = try TestNode.start("seed", in: folder)
            defer { seed.runtime.stop() }
            let generous = try TestNode.start("generous", in: folder) { $0.servesRetracted = true }
            defer { generous.runtime.stop() }
            let package = try seed.publishExample("pem-fuel-cell-end-plate")
            _ = try generous.publishExample("pem-fuel-cell-end-plate")
            let key = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
            let retraction = try SignedStatement.sign(Statement(kind: .retract, package: package, identity: NodeID(publicKey: key.publicKey),
                                                                time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), reason: "leaks"),
                                                      with: key, delegation: nil)
            try seed.runtime.store.addStatement(retraction)
            try generous.runtime.store.addStatement(retraction)
            let fetcher = try TestNode.start("fetcher", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)])
            defer { fetcher.runtime.stop() }
            #expect(fetcher.waitForConnections(to: [seed.id]))
            #expect(throws: FetchError.self) { try fetcher.runtime.fetch(package) }
            fetcher.runtime.addPeer(PeerEntry(address: generous.address, node: generous.id))
            #expect(fetcher.waitForConnections(to: [generous.id]))
            let result = try fetcher.runtime.fetch(package)
            #expect(result.sources == [generous.id])
        }
    }
}

@Suite("Mirror retries", .serialized)
struct MirrorRetryTests {
    @Test("a mirror fetch that finds no source is retried once a peer with the package appears")
    func retry() throws {
        try withTempDirectory("mirror-retry") { folder throws in
            let seed = try TestNode.start("seed", in: folder) { $0.targetOutbound = 0 }
            defer { seed.runtime.stop() }
            let relay = try TestNode.start("relay", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) { $0.targetOutbound = 0 }
            defer { relay.runtime.stop() }
            let mirror = try TestNode.start("mirror", in: folder, peers: [PeerEntry(address: relay.address, node: relay.id)]) {
                $0.antiEntropyInterval = .milliseconds(300)
                $0.targetOutbound = 0
                $0.mirrors = [MirrorPolicy(match: .all, quota: nil)]
            }
            defer { mirror.runtime.stop() }
            #expect(relay.waitForConnections(to: [seed.id]) && mirror.waitForConnections(to: [relay.id]))
            let package = try seed.publishExample("pem-fuel-cell-end-plate")
            _ = seed.runtime.announceLocal(try #require(seed.runtime.store.catalog.ids.first))
            #expect(mirror.waitForEvent { if case let .mirrorFailed(failed, _) = $0 { failed == package } else { false } })
            mirror.runtime.addPeer(PeerEntry(address: seed.address, node: seed.id))
            #expect(CatalogGossipTests.waitUntil { (try? mirror.runtime.store.verifyPackage(package).isIntact) == true })
        }
    }
}

@Suite("Reconfiguring a running node", .serialized)
struct ReconfigureTests {
    @Test("a mirror policy added while running applies to the catalog at once; a removed peer is disconnected")
    func reconfigure() throws {
        try withTempDirectory("reconfigure") { folder throws in
            let seed = try TestNode.start("seed", in: folder) { $0.targetOutbound = 0 }
            defer { seed.runtime.stop() }
            let package = try seed.publishExample("pem-fuel-cell-end-plate")
            let peers = [PeerEntry(address: seed.address, node: seed.id)]
            let node = try TestNode.start("node", in: folder, peers: peers) {
                $0.antiEntropyInterval = .milliseconds(300)
                $0.targetOutbound = 0
            }
            defer { node.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { node.runtime.store.catalog.count == 1 })
            #expect(!node.runtime.store.hasManifest(package))
            node.runtime.reconfigure(peers: peers, mirrors: [MirrorPolicy(match: .tag("fuel-cell"), quota: nil)])
            #expect(CatalogGossipTests.waitUntil { (try? node.runtime.store.verifyPackage(package).isIntact) == true })
            node.runtime.reconfigure(peers: [], mirrors: [])
            #expect(CatalogGossipTests.waitUntil { node.runtime.connectionSummaries().isEmpty })
        }
    }

    @Test("a retraction that arrives after the package was served stops it being offered at once")
    func retractionAfterServing() throws {
        try withTempDirectory("retracted-later") { folder throws in
            let seed = try TestNode.start("seed", in: folder)
            defer { seed.runtime.stop() }
            let package = try seed.publishExample("pem-fuel-cell-end-plate")
            // No discovery: the fetchers must not find each other (the first holds the package too).
            let first = try TestNode.start("first", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) { $0.targetOutbound = 0 }
            defer { first.runtime.stop() }
            #expect(first.waitForConnections(to: [seed.id]))
            _ = try first.runtime.fetch(package)   // the seed's answer to get-package is now cached
            let key = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
            let retraction = try SignedStatement.sign(Statement(kind: .retract, package: package, identity: NodeID(publicKey: key.publicKey),
                                                                time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), reason: "leaks"),
                                                      with: key, delegation: nil)
            #expect(seed.runtime.acceptEntry(try retraction.canonicalBytes()) == .accepted)
            let second = try TestNode.start("second", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) { $0.targetOutbound = 0 }
            defer { second.runtime.stop() }
            #expect(second.waitForConnections(to: [seed.id]))
            #expect(throws: FetchError.noSource(package: package, askedPeers: 1)) { try second.runtime.fetch(package) }
        }
    }

    @Test("a mirror drops a package its publisher retracts; an archive (serving retracted packages) keeps it", arguments: [false, true])
    func retractedMirror(isArchive: Bool) throws {
        try withTempDirectory("mirror-retracted") { folder throws in
            let seed = try TestNode.start("seed", in: folder)
            defer { seed.runtime.stop() }
            let package = try MirrorTests.publishTimber(seed, name: "leaky-beam", size: 5000, in: folder)
            let mirror = try TestNode.start("mirror", in: folder, peers: [PeerEntry(address: seed.address, node: seed.id)]) {
                $0.mirrors = [MirrorPolicy(match: .tag("timber"), quota: nil)]
                $0.servesRetracted = isArchive
            }
            defer { mirror.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { (try? mirror.runtime.store.verifyPackage(package).isIntact) == true })
            let retraction = try SignedStatement.sign(Statement(kind: .retract, package: package, identity: seed.id,
                                                                time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), reason: "a safety problem"),
                                                      with: seed.key, delegation: nil)
            #expect(seed.runtime.acceptEntry(try retraction.canonicalBytes()) == .accepted)
            let retractionID = try retraction.statementID()
            #expect(CatalogGossipTests.waitUntil { mirror.runtime.store.catalog.ids.contains(retractionID) })
            if isArchive {
                #expect(mirror.runtime.store.hasManifest(package))
                #expect(!mirror.runtime.events.contains { if case .retractedDropped = $0 { true } else { false } })
            } else {
                #expect(mirror.waitForEvent { $0 == .retractedDropped(package: package) })
                #expect(!mirror.runtime.store.hasManifest(package))
                #expect(!mirror.runtime.store.mirroredPackages().contains(package))
            }
        }
    }

    @Test("a preservation policy (--min-holders 2) mirrors what fewer than two other nodes hold, and leaves what two hold")
    func preservesWhatIsRare() throws {
        try withTempDirectory("mirror-rare") { folder throws in
            let publisher = try TestNode.start("publisher", in: folder)
            defer { publisher.runtime.stop() }
            let common = try publisher.publishExample("timber-wall-block")
            let rare = try publisher.publishExample("pem-fuel-cell-end-plate")
            let viaPublisher = [PeerEntry(address: publisher.address, node: publisher.id)]
            let lab = try TestNode.start("lab", in: folder, peers: viaPublisher)
            defer { lab.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { lab.runtime.store.catalogListing(common) != nil })
            _ = try lab.runtime.fetch(common)
            let archive = try TestNode.start("archive", in: folder, peers: viaPublisher + [PeerEntry(address: lab.address, node: lab.id)]) {
                $0.holderSettle = .zero
            }
            defer { archive.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil {
                Set(archive.runtime.holders(of: common).map(\.node)) == [publisher.id, lab.id]
                    && archive.runtime.holders(of: rare).map(\.node) == [publisher.id]
            })
            archive.runtime.reconfigure(peers: viaPublisher + [PeerEntry(address: lab.address, node: lab.id)],
                                        mirrors: [MirrorPolicy(match: .all, quota: nil, minHolders: 2)])
            #expect(archive.waitForEvent { if case .mirrored(rare) = $0 { true } else { false } })
            #expect(try archive.runtime.store.verifyPackage(rare).isIntact)
            #expect(!archive.runtime.store.hasManifest(common))
            // The archive now holds the rare one too: its holdings say so to the others.
            #expect(CatalogGossipTests.waitUntil { Set(lab.runtime.holders(of: rare).map(\.node)) == [publisher.id, archive.id] })
        }
    }
}
