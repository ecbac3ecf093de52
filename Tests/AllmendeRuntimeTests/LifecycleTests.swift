// LifecycleTests.swift: a node's threads end with it; a reload applies what it can and names what needs a restart.

import AllmendeCrypto
import AllmendeRuntime
import AllmendeStore
import AllmendeTestSupport
import AllmendeWire
import Testing

@Suite("Runtime lifecycle", .serialized)
struct LifecycleTests {
    @Test("stop joins every thread the node started: loops, dials, handshakes and connections")
    func stopJoinsThreads() throws {
        try withTempDirectory("lifecycle") { folder throws in
            let a = try TestNode.start("a", in: folder)
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)])
            #expect(b.waitForConnections(to: [a.id]))
            // Accept, tick and mirror loops, and the connection.
            #expect(a.runtime.runningThreads >= 4 && b.runtime.runningThreads >= 4)
            b.runtime.stop()
            #expect(b.runtime.runningThreads == 0)
            a.runtime.stop()
            #expect(a.runtime.runningThreads == 0)
        }
    }

    @Test("a reload applies a new allow-list at once, and names the fields that need a restart")
    func reloadAllowList() throws {
        try TestNode.withPair("lifecycle") { a, b, _ throws in
            #expect(b.waitForConnections(to: [a.id]))
            let someoneElse = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            a.runtime.reconfigure(peers: [], mirrors: [], allowList: [someoneElse])
            #expect(a.waitForClose(.notAllowed, peer: b.id))
            var config = NodeConfig()
            config.listen = "127.0.0.1:\(a.runtime.listenPort)"
            config.name = "a"
            #expect(a.runtime.fieldsNeedingRestart(config) == [])
            config.name = "renamed lab"
            config.maxConnectionsPerRange = 5
            #expect(a.runtime.fieldsNeedingRestart(config) == ["name", "maxConnectionsPerRange"])
        }
    }

    @Test("a configured peer that cannot be reached shows in the status as not connected, with why and when it is tried again")
    func unreachableConfiguredPeer() throws {
        try withTempDirectory("lifecycle-peers") { folder throws in
            let a = try TestNode.start("a", in: folder)
            defer { a.runtime.stop() }
            let wrongID = NodeID(publicKey: try Ed25519PrivateKey().publicKey)
            let b = try TestNode.start("b", in: folder, peers: [PeerEntry(address: a.address, node: wrongID)])
            defer { b.runtime.stop() }
            #expect(CatalogGossipTests.waitUntil { b.runtime.configuredPeerStates().first?.lastError != nil })
            let state = try #require(b.runtime.configuredPeerStates().first)
            #expect(!state.isConnected)
            #expect(state.retryIn != nil)
            #expect(b.runtime.events.contains { $0 == .unexpectedPeer(address: a.address, expected: wrongID, actual: a.id) })
        }
    }

    @Test("a node that dials out but that nobody dials says it seems unreachable; the node it dials does not")
    func unreachable() throws {
        try TestNode.withPair("lifecycle-reach") { a, b, _ throws in
            #expect(b.waitForConnections(to: [a.id]) && a.waitForConnections(to: [b.id]))
            // Only after the waiting time: B has an outbound peer and no inbound one; A has an inbound one.
            #expect(!b.runtime.seemsUnreachable(after: .seconds(3600)))
            #expect(CatalogGossipTests.waitUntil(.seconds(5)) { b.runtime.seemsUnreachable(after: .milliseconds(50)) })
            #expect(!a.runtime.seemsUnreachable(after: .milliseconds(50)))
        }
    }
}
