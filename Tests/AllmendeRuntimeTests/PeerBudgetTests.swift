// PeerBudgetTests.swift: hostile peers against a real daemon process: many small-chunk requests never read,
// a ping flood never read. Memory stays bounded and comes back, the attackers are dropped, an honest fetch
// completes meanwhile.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import AllmendeWire
import CanonicalJSON
import Foundation
import Synchronization
import Testing

/// A daemon process of the built binary, for measurements that must not include the test process.
final class BinaryDaemon {
    let home: String
    let process = Process()

    init(home: String) throws {
        self.home = home
        process.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
        process.arguments = ["--home", home, "daemon", "--listen", "127.0.0.1:0"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
    }

    deinit {
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }

    /// `status --json`, once the daemon answers.
    func status() throws -> JSONValue {
        var environment = ProcessInfo.processInfo.environment
        environment["ALLMENDE_HOME"] = home
        let deadline = ContinuousClock.now + .seconds(15)
        while ContinuousClock.now < deadline {
            let run = try ProcessRunner.run(Repository.allmendeBinary, ["status", "--json"], environment: environment)
            if run.status == 0, let value = try? JSONParser.parse(run.standardOutput) { return value }
            usleep(50_000)
        }
        throw TLSTestFailure(message: "daemon did not answer")
    }

    /// Resident memory of the daemon process, in bytes (VmRSS).
    var residentBytes: Int { Self.residentBytes(of: process.processIdentifier) }

    /// Resident memory of process `pid`, in bytes (VmRSS).
    static func residentBytes(of pid: Int32) -> Int {
        let text = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }

    /// Names of the peers connected right now.
    func peerNames() throws -> [String] { (try status()["peers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue } }
}

struct TLSTestFailure: Error { let message: String }

@Suite("Per-peer budgets", .serialized)
struct PeerBudgetTests {
    @Test("8 peers asking for a small chunk and never reading: memory stays bounded and returns, an honest fetch completes")
    func smallChunkFloodNeverRead() throws {
        try withTempDirectory("budget") { folder throws in
            let seedHome = folder.file("seed")
            try folder.write("package/allmende.json", text: """
                {"title": "Bike trailer hitch", "version": "1.0.0", "summary": "A hitch", "category": "mobility",
                 "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
                """)
            let small = pseudoRandomBytes(count: 1000, seed: 61)
            try folder.write("package/hitch-note.txt", small)
            try folder.write("package/hitch.step", pseudoRandomBytes(count: 6 << 20, seed: 62))
            let store = try PackageStore(home: NodeHome(path: seedHome))
            let package = try store.publish(folder: folder.file("package"), as: LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil),
                                            options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))).packageID
            let smallBlob = SHA256Hasher.hash(small)
            let daemon = try BinaryDaemon(home: seedHome)
            let status = try daemon.status()
            let port = UInt16(status["listenPort"]?.numberValue ?? 0)
            let seedID = try NodeID(parsing: try #require(status["node"]?.stringValue))
            let before = daemon.residentBytes

            let stop = Mutex(false)
            let peak = Mutex(0)
            let attackers = try (0..<8).map { _ in try RawClient(port: port) }
            var threads: [Thread] = []
            for (index, attacker) in attackers.enumerated() {
                try attacker.send(MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "flood-\(index)")))
                let batch = (0..<500).flatMap { MessageCodec.frame(.getChunk(request: UInt32($0), blob: smallBlob, chunk: 0)) }
                let thread = Thread {
                    while !stop.withLock({ $0 }) {
                        guard (try? attacker.send(batch)) != nil else { return }   // closed by the node
                    }
                }
                thread.start()
                threads.append(thread)
            }
            let pid = daemon.process.processIdentifier
            let sampler = Thread {
                while !stop.withLock({ $0 }) {
                    let now = BinaryDaemon.residentBytes(of: pid)
                    peak.withLock { $0 = max($0, now) }
                    usleep(20_000)
                }
            }
            sampler.start()

            // Meanwhile an honest lab fetches the package from the same node.
            let honest = try TestNode.start("honest", in: folder, peers: [PeerEntry(address: "127.0.0.1:\(port)", node: seedID)])
            defer { honest.runtime.stop() }
            #expect(honest.waitForConnections(to: [seedID]))
            let fetched = try honest.runtime.fetch(package)
            #expect(fetched.manifest.files.count == 2)
            #expect(try honest.runtime.store.verifyPackage(package).isIntact)

            // The flooders are dropped (more than 64 unanswered requests), and memory comes back.
            #expect(CatalogGossipTests.waitUntil(.seconds(30)) { ((try? daemon.peerNames()) ?? ["?"]).allSatisfy { !$0.hasPrefix("flood-") } })
            stop.withLock { $0 = true }
            for attacker in attackers { attacker.close() }
            let highest = peak.withLock { $0 }
            #expect(highest < 200 << 20, "daemon resident memory peaked at \(highest >> 20) MiB")
            #expect(CatalogGossipTests.waitUntil(.seconds(10)) { daemon.residentBytes < 2 * max(before, 16 << 20) },
                    "resident memory \(daemon.residentBytes >> 20) MiB after the attack, \(before >> 20) MiB before")
        }
    }

    @Test("a peer flooding pings without reading is dropped")
    func pingFloodNeverRead() throws {
        try withTempDirectory("budget-ping") { folder throws in
            let daemon = try BinaryDaemon(home: folder.file("node"))
            let port = UInt16(try daemon.status()["listenPort"]?.numberValue ?? 0)
            let pinger = try RawClient(port: port)
            defer { pinger.close() }
            try pinger.send(MessageCodec.frame(.hello(version: WireVersion.current, features: 0, listenPort: 0, name: "pinger")))
            #expect(CatalogGossipTests.waitUntil(.seconds(10)) { ((try? daemon.peerNames()) ?? []).contains("pinger") })
            let pings = (0..<200).flatMap { MessageCodec.frame(.ping(nonce: UInt64($0))) }
            let stop = Mutex(false)
            let thread = Thread {
                while !stop.withLock({ $0 }) { guard (try? pinger.send(pings)) != nil else { return } }
            }
            thread.start()
            defer { stop.withLock { $0 = true } }
            #expect(CatalogGossipTests.waitUntil(.seconds(15)) { !((try? daemon.peerNames()) ?? ["pinger"]).contains("pinger") })
        }
    }
}
