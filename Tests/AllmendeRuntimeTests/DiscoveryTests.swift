// DiscoveryTests.swift: nodes learn of each other through signed announcements and connect on their own.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Peer discovery", .serialized)
struct DiscoveryTests {
    @Test("B and C, both configured only with A, find and connect to each other")
    func findEachOther() throws {
        try TestNode.withPair("discovery") { a, b, folder throws in
            let c = try TestNode.start("c", in: folder, peers: [PeerEntry(address: a.address, node: a.id)])
            defer { c.runtime.stop() }
            #expect(b.waitForConnections(to: [a.id, c.id], timeout: .seconds(20)), "b knows \(b.runtime.knownNodes)")
            #expect(c.waitForConnections(to: [a.id, b.id], timeout: .seconds(20)))
            #expect(Set(a.runtime.knownNodes) == [b.id, c.id])
        }
    }

    @Test("announcements are signed: a forged one is rejected")
    func forged() throws {
        let key = try Ed25519PrivateKey()
        var announcement = try NodeAnnouncement.sign(addresses: ["10.0.0.5:7310"], time: Timestamp(secondsSinceEpoch: 1_790_000_000), with: key)
        #expect(announcement.isValid)
        #expect(try NodeAnnouncement(parsing: try announcement.canonicalBytes()) == announcement)
        announcement.addresses = ["203.0.113.9:7310"]
        #expect(!announcement.isValid)
        #expect(throws: ModelError.self) { try NodeAnnouncement(parsing: Array("{\"schema\":\"allmende/node/1\"}".utf8)) }
    }
}
