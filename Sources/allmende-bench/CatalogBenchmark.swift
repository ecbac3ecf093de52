// CatalogBenchmark.swift: allmende-bench. The catalog at network size: the built `allmende` binary run as a user
// runs it (a cold process per command) on a home with N catalog entries, beside `grep -c` over the raw log.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation
import Synchronization

struct CatalogBenchmark {
    let options: BenchOptions
    /// Publish entries in the catalog.
    let entries: Int
    /// How many of them are stored here (manifest and statements; files are not needed for listing).
    var stored: Int { options.stored ?? min(entries, 10_000) }

    static let words = ["wall", "block", "trailer", "stack", "frame", "hinge", "panel", "rack", "wheel", "clamp", "beam", "joint"]

    func run() throws {
        let home = NodeHome(path: options.directory + "/allmende-bench-catalog-\(getpid())")
        defer { if options.keep { print("kept \(home.path)") } else { try? FileSystem.removeTree(home.path) } }
        let binary = try allmendeBinary()
        print("catalog: \(entries) publish entries (\(stored) stored here), home in \(options.directory), \(options.runs) runs each, a cold process per command")
        var probe: ContentID?
        let fillTime = try measure { probe = try Self.fill(home, entries: entries, stored: stored) }
        print("filled in \(String(format: "%.1f", fillTime)) s")
        let run = { (arguments: [String]) throws in
            try spawnQuietly(binary, arguments + ["--home", home.path])
        }
        // The first command after the catalog grew builds the index; the rest read it.
        let first = try measure { try run(["search", "trailer hinge"]) }
        let shown = (probe ?? SHA256Hasher.hash([0])).hex
        var rows: [(String, [Double])] = []
        let commands: [(String, [String])] = [
            ("search WORD (few hits: `search hinge 42`)", ["search", "hinge 42"]),
            ("search WORD (1 in 12: `search trailer --limit 20`)", ["search", "trailer", "--limit", "20"]),
            ("search WORD --tag --license (`search wall --tag timber --license CERN-OHL-S-2.0`)",
             ["search", "wall", "--tag", "timber", "--license", "CERN-OHL-S-2.0", "--limit", "50"]),
            ("show ID (a stored package)", ["show", String(shown.prefix(10))]),
            ("ls --limit 100", ["ls", "--limit", "100"]),
            ("ls (every stored package)", ["ls"]),
            ("search (the whole catalog, --json)", ["search", "--json"]),
            ("labs --near Hamburg (\(Self.profiles) lab profiles)", ["labs", "--near", "Hamburg"]),
            ("makers ID --near Hamburg --explain (\(Self.profiles) lab profiles)", ["makers", String(shown.prefix(10)), "--near", "Hamburg", "--explain"]),
        ]
        for (name, arguments) in commands {
            rows.append((name, try (0..<options.runs).map { _ in try measure { try run(arguments) } }))
        }
        let grep = try (0..<options.runs).map { _ in try measure { try spawnQuietly("/usr/bin/grep", ["-c", "hinge", home.path + "/catalog"], output: home.path + "-grep-output") } }
        rows.append(("grep -c hinge on the raw log", grep))
        let (start, rss, statusTime) = try daemonStart(binary: binary, home: home)
        let publishing = try publishThroughput(binary: binary, home: home)
        let size = try FileSystem.size(of: home.path + "/catalog")
        let index = (try? FileSystem.size(of: home.path + "/catalog.index")) ?? 0

        print("")
        print("| command (\(entries) entries) | median (ms) | ratio to grep -c |")
        print("|---|---:|---:|")
        for (name, times) in rows {
            print("| \(name) | \(String(format: "%.1f", median(times) * 1000)) | \(String(format: "%.2f", median(times) / median(grep)))× |")
        }
        print("")
        print("first command after the catalog was filled (builds catalog.index): \(String(format: "%.0f", first * 1000)) ms")
        print("daemon: start to listening \(String(format: "%.0f", start * 1000)) ms, RSS idle \(rss / 1024) MiB, "
              + "first `status --json` \(String(format: "%.0f", statusTime * 1000)) ms")
        print("publish: \(String(format: "%.1f", publishing)) packages/s (8 processes at once, 3 small packages each)")
        print("catalog log \(size / 1024) KiB, catalog.index \(index / 1024) KiB")
    }

    /// Starts a daemon on this home and measures how long until its control socket answers, then its resident
    /// memory after a second of idling.
    private func daemonStart(binary: String, home: NodeHome) throws -> (seconds: Double, rssKiB: Int, status: Double) {
        var statusSeconds = 0.0
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["daemon", "--home", home.path, "--listen", "127.0.0.1:7393"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        let clock = ContinuousClock()
        let started = clock.now
        try process.run()
        defer {
            process.terminate()
            process.waitUntilExit()
        }
        var listening: Duration?
        // Listening: its port accepts a TCP connection.
        while clock.now - started < .seconds(60) {
            if acceptsConnections(port: 7393) {
                listening = clock.now - started
                break
            }
            usleep(2_000)
        }
        guard let listening else { throw BenchError(message: "the daemon did not answer within 60 s") }
        sleep(1)
        statusSeconds = (try? measure { try spawnQuietly(binary, ["status", "--json", "--home", home.path]) }) ?? 0
        let rss = processStatusKiB("VmRSS:", pid: process.processIdentifier)
        return (listening.inSeconds, rss, statusSeconds)
    }

    /// Packages per second published by 8 processes at once, 3 small packages each.
    private func publishThroughput(binary: String, home: NodeHome) throws -> Double {
        let drafts = home.path + "-drafts"
        defer { try? FileSystem.removeTree(drafts) }
        var folders: [String] = []
        for number in 0..<24 {
            let folder = drafts + "/design-\(number)"
            try FileSystem.makeDirectories(folder)
            try FileSystem.writeAtomically(Array("solid\nendsolid \(number)\n".utf8), to: folder + "/part.stl", mode: 0o644)
            try runCommand(binary, ["new", folder, "--license", "CERN-OHL-S-2.0", "--title", "Bench publish \(number)", "--home", home.path])
            folders.append(folder)
        }
        let ready = folders
        let seconds = try measure {
            let group = DispatchGroup()
            let failures = Mutex(0)
            for worker in 0..<8 {
                group.enter()
                Thread.detachNewThread {
                    for folder in ready[(worker * 3)..<(worker * 3 + 3)] where (try? spawnQuietly(binary, ["publish", folder, "--home", home.path])) == nil {
                        failures.withLock { $0 += 1 }
                    }
                    group.leave()
                }
            }
            group.wait()
            if failures.withLock({ $0 }) > 0 { throw BenchError(message: "a publish failed") }
        }
        return Double(ready.count) / seconds
    }

    /// Fills the catalog with `entries` publish entries (the first `stored` stored here, manifests only); returns a
    /// stored package from the middle.
    static func fill(_ home: NodeHome, entries: Int, stored: Int) throws -> ContentID? {
        var middle: ContentID?
        let store = try PackageStore(home: home)
        let labs = try (0..<20).map { _ in try Ed25519PrivateKey() }
        let files = (0..<3).map { index in
            #"{"path": "parts/p\#(index).stl", "size": 1000, "sha256": "\#(String(repeating: "ab", count: 32))", "#
                + #""chunkIndex": "\#(String(repeating: "cd", count: 32))", "mediaType": "model/stl", "role": "cad"}"#
        }.joined(separator: ", ")
        for number in 0..<entries {
            let key = labs[number % labs.count]
            let lab = NodeID(publicKey: key.publicKey)
            let title = "\(Self.words[number % 12].capitalized) \(Self.words[(number / 12) % 12]) \(number)"
            let tags = number % 3 == 0 ? #"["timber"]"# : #"["energy", "bench"]"#
            let manifest = try DesignManifest(parsing: CanonicalEncoder.encode(try JSONParser.parse("""
                {"schema": "allmende/design-package/1", "title": "\(title)", "version": "1.0.\(number % 7)", "summary": "Generated",
                 "category": "tools-machines", "license": "\(number % 2 == 0 ? "CERN-OHL-S-2.0" : "CC-BY-SA-4.0")", "tags": \(tags),
                 "licensors": [{"name": "Bench Lab"}], "documentationLanguage": ["en"], "publisher": "\(lab.text)",
                 "processes": ["cnc-routing", "assembly"], "fabrication": [{"process": "cnc-routing", "size": [2440, 1220], "material": "plywood", "thickness": "18"}],
                 "created": "2026-01-01T00:00:00Z", "files": [\(files)]}
                """)))
            let package = number < stored ? try store.putManifest(manifest) : SHA256Hasher.hash(Array("package \(number)".utf8))
            let statement = try SignedStatement.sign(
                Statement(kind: .publish, package: package, identity: lab, time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)),
                          summary: PackageSummary(manifest: manifest)),
                with: key, delegation: nil)
            if number < stored { try store.addStatement(statement) } else { try store.catalog.append(statement) }
            if number == stored / 2 { middle = package }
        }
        try addProfiles(store)
        return middle
    }

    /// Lab profiles in the catalog (spread over the log's end): most name a city the gazetteer must find, one in
    /// ten gives coordinates; each has a router of some size.
    static let profiles = 1_000
    static let cities = ["Hamburg", "Berlin", "München", "Köln", "Frankfurt am Main", "Stuttgart", "Leipzig", "Dresden", "Bremen", "Hannover",
                         "Nürnberg", "Lüneburg", "Kiel", "Rostock", "Freiburg im Breisgau", "Münster", "Aachen", "Bonn", "Mannheim", "Karlsruhe"]

    static func addProfiles(_ store: PackageStore) throws {
        for number in 0..<profiles {
            let key = try Ed25519PrivateKey()
            var profile = LabProfile(identity: NodeID(publicKey: key.publicKey), time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)),
                                     name: "Bench lab \(number)")
            profile.location = LabLocation(city: cities[number % cities.count], country: "DE",
                                           latitude: number % 10 == 0 ? 50 + Double(number % 7) : nil, longitude: number % 10 == 0 ? 8 + Double(number % 5) : nil)
            profile.equipment = [Equipment(kind: .cncRouting, name: "router", workingArea: Millimetres([1000 + (number % 20) * 100, 1250]),
                                           materials: ["plywood"], maxThickness: DecimalAmount(40))]
            profile.manufacturingProcesses = [.assembly]
            _ = try store.catalog.append(entryBytes: try SignedLabProfile.sign(profile, with: key, delegation: nil).canonicalBytes(), durable: false)
        }
        try store.catalog.syncPending()
    }
}
