// RuntimeSupport.swift: several nodes in one test process, each with its own temp home, on 127.0.0.1.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import AllmendeWire
import Foundation

/// A node for a test: home folder, key, runtime.
struct TestNode {
    let home: NodeHome
    let key: Ed25519PrivateKey
    let runtime: NodeRuntime
    var id: NodeID { runtime.nodeID }
    var address: String { "127.0.0.1:\(runtime.listenPort)" }

    /// Starts a node in `folder/name` that dials `peers`.
    static func start(_ name: String, in folder: TempDirectory, peers: [PeerEntry] = [], allowList: [NodeID]? = nil,
                      key: Ed25519PrivateKey? = nil, configure: (inout NodeOptions) -> Void = { _ in }) throws -> TestNode {
        let home = NodeHome(path: folder.file(name))
        let nodeKey = try key ?? Ed25519PrivateKey()
        var options = NodeOptions(listen: SocketAddress(host: "127.0.0.1", port: 0), name: name, peers: peers, allowList: allowList)
        options.maximumBackoff = .milliseconds(500)
        configure(&options)
        let runtime = try NodeRuntime(home: home, key: nodeKey, options: options, logger: Logger(level: .debug, collecting: true))
        try runtime.start()
        return TestNode(home: home, key: nodeKey, runtime: runtime)
    }

    /// Runs `body` in a fresh temporary folder with node "a" and node "b" that dials it (both stopped afterwards);
    /// `configureA` sets a's options.
    static func withPair(
        _ label: String, configureA: (inout NodeOptions) -> Void = { _ in }, _ body: (TestNode, TestNode, TempDirectory) throws -> Void
    ) throws {
        try withTempDirectory(label) { folder throws in
            let a = try start("a", in: folder, configure: configureA)
            defer { a.runtime.stop() }
            let b = try start("b", in: folder, peers: [PeerEntry(address: a.address, node: a.id)])
            defer { b.runtime.stop() }
            try body(a, b, folder)
        }
    }

    /// Publishes an example package with the demo key; returns its ID.
    func publishExample(_ name: String) throws -> ContentID {
        let demoKey = try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem")
        return try runtime.store.publish(folder: Repository.root + "/Examples/packages/" + name,
                                         as: LabIdentity(deviceKey: demoKey, delegation: nil),
                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
    }

    /// Waits until this node has a ready connection to each of `peers` (event: the connection table changes).
    func waitForConnections(to peers: [NodeID], timeout: Duration = .seconds(15)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let ready = Set(runtime.connectionSummaries().filter(\.ready).map(\.peer))
            if peers.allSatisfy(ready.contains) { return true }
            usleep(20_000)
        }
        return false
    }
}

extension TestNode {
    /// Publishes a package with one `size`-byte pseudo-random file (many chunks) from `folder`.
    func publishLargePackage(size: Int, in folder: TempDirectory, seed: UInt64 = 1) throws -> ContentID {
        let directory = "large-\(seed)"
        try folder.write(directory + "/allmende.json", text: """
            {"title": "Large test casting pattern", "version": "1.0.0", "summary": "A big file", "category": "tools-machines",
             "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
             "created": "2026-01-01T00:00:00Z"}
            """)
        try folder.write(directory + "/pattern.stl", pseudoRandomBytes(count: size, seed: seed))
        return try runtime.store.publish(folder: folder.file(directory), as: LabIdentity(deviceKey: key, delegation: nil),
                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
    }

    /// True once this node recorded an event satisfying `predicate` (waits up to `timeout`).
    func waitForEvent(timeout: Duration = .seconds(15), _ predicate: (RuntimeEvent) -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if runtime.events.contains(where: predicate) { return true }
            usleep(10_000)
        }
        return runtime.events.contains(where: predicate)
    }

    /// True if this node closed a connection with `code` (to `peer`, if given).
    func waitForClose(_ code: GoodbyeCode, peer: NodeID? = nil, timeout: Duration = .seconds(15)) -> Bool {
        waitForEvent(timeout: timeout) { event in
            guard case let .closedPeer(closed, closedCode, _) = event else { return false }
            return closedCode == code && (peer == nil || closed == peer)
        }
    }
}
