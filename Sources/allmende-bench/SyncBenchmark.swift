// SyncBenchmark.swift: allmende-bench. A fresh node learns a catalog of N entries from one peer: two real
// daemons (the built binary) on loopback; time until the new node holds every entry, and the bytes it received
// against the entries' own size.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

struct SyncBenchmark {
    let options: BenchOptions

    func run() throws {
        let base = options.directory + "/allmende-bench-sync-\(getpid())"
        defer { if options.keep { print("kept \(base)") } else { try? FileSystem.removeTree(base) } }
        let binary = try allmendeBinary()
        let (seeder, learner) = (NodeHome(path: base + "/seeder"), NodeHome(path: base + "/learner"))
        print("sync: a fresh node learns \(options.entries) catalog entries from one peer (two daemons on loopback, homes in \(options.directory))")
        let (labs, entryBytes) = try fill(seeder)
        // The learner trusts the publishing labs (as a lab trusts its network's labs): no strangers' quota applies.
        var config = NodeConfig()
        config.trusted = labs
        config.peers = [PeerEntry(address: "127.0.0.1:7391", node: nil)]
        try FileSystem.makeDirectories(learner.path)
        try config.save(learner)

        let seederDaemon = try start(binary, ["daemon", "--home", seeder.path, "--listen", "127.0.0.1:7391", "--log-level", "debug"], log: base + "/seeder.log")
        defer { stop(seederDaemon) }
        try waitForStatus(binary, seeder)
        let clock = ContinuousClock()
        let started = clock.now
        let learnerDaemon = try start(binary, ["daemon", "--home", learner.path, "--listen", "127.0.0.1:7392", "--log-level", "debug"], log: base + "/learner.log")
        defer { stop(learnerDaemon) }
        var last = 0
        var lastChange = clock.now
        var status: [String: JSONValue] = [:]
        while last < options.entries {
            usleep(100_000)
            guard let text = try? runCommand(binary, ["status", "--json", "--home", learner.path]),
                  case let .object(members)? = try? JSONParser.parse(Array(text.utf8)) else { continue }
            status = members
            guard case let .number(value)? = members["catalogEntries"] else { continue }
            let count = Int(value)
            if count != last {
                last = count
                lastChange = clock.now
            }
            if clock.now - lastChange > .seconds(120) { throw BenchError(message: "stalled at \(last) of \(options.entries) entries") }
        }
        let seconds = (clock.now - started).inSeconds
        let received = Self.bytesIn(status)
        print("")
        print("| entries | time to the whole catalog | entries/s | bytes received / entry bytes |")
        print("|---:|---:|---:|---:|")
        print("| \(options.entries) | \(String(format: "%.1f", seconds)) s | \(String(format: "%.0f", Double(options.entries) / seconds)) | "
              + "\(String(format: "%.3f", Double(received) / Double(entryBytes)))× |")
        print("(entry bytes \(entryBytes / 1024) KiB; received \(received / 1024) KiB including TLS and frames)")
    }

    /// Bytes received from peers, from `status --json`.
    static func bytesIn(_ status: [String: JSONValue]) -> Int {
        guard case let .array(peers)? = status["peers"] else { return 0 }
        return peers.reduce(0) { total, peer in
            guard case let .object(fields) = peer, case let .number(bytes)? = fields["bytesIn"] else { return total }
            return total + Int(bytes)
        }
    }

    private func fill(_ home: NodeHome) throws -> (labs: [NodeID], bytes: Int) {
        let store = try PackageStore(home: home)
        let keys = try (0..<4).map { _ in try Ed25519PrivateKey() }
        var bytes = 0
        for number in 0..<options.entries {
            let key = keys[number % keys.count]
            let summary = PackageSummary(title: "Synced design \(number)", version: "1.0.0", license: "CERN-OHL-S-2.0", category: "tools-machines",
                                         tags: ["timber"], size: 1000 + number, files: 3)
            let statement = try SignedStatement.sign(
                Statement(kind: .publish, package: SHA256Hasher.hash(Array("sync \(number)".utf8)), identity: NodeID(publicKey: key.publicKey),
                          time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), summary: summary),
                with: key, delegation: nil)
            try store.catalog.append(statement)
            bytes += try statement.canonicalBytes().count
        }
        return (keys.map { NodeID(publicKey: $0.publicKey) }, bytes)
    }

    private func start(_ binary: String, _ arguments: [String], log: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log) ?? FileHandle.nullDevice
        try process.run()
        return process
    }

    private func stop(_ process: Process) {
        process.terminate()
        process.waitUntilExit()
    }

    private func waitForStatus(_ binary: String, _ home: NodeHome) throws {
        for _ in 0..<600 {
            if (try? spawnQuietly(binary, ["status", "--json", "--home", home.path])) != nil { return }
            usleep(50_000)
        }
        throw BenchError(message: "the daemon at \(home.path) did not start")
    }
}
