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
            #expect(mirror.waitForLog("mirrored package"))
            #expect(CatalogGossipTests.waitUntil { mirror.runtime.store.catalog.count == 5 })
            usleep(1_000_000)   // give the mirror the chance to (wrongly) fetch more; there is no event for "did nothing"
            let stored = mirror.runtime.store.packageIDs()
            let used = try stored.reduce(0) { $0 + (try mirror.runtime.store.manifest($1).totalSize) }
            #expect(!stored.isEmpty)
            #expect(used <= quota)
            #expect(!stored.contains(demo[1]))   // the fuel-cell plate has no 'timber' tag
            #expect(mirror.log.contains { $0.contains("not mirroring: over quota") })
        }
    }
}
