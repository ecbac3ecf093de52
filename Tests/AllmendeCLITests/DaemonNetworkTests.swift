// DaemonNetworkTests.swift: 30 daemon processes of the built binary, each its own host on the loopback network
// (127.0.0.2 … 127.0.0.31, all on port 7310), in a sparse graph; each publishes one package that only it holds.
// Every node reaches its outbound target, and every fetch succeeds, also from holders it was not connected to.

import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

/// Daemon processes, stopped (SIGTERM, then waited for) when this goes away.
final class DaemonGroup {
    private(set) var processes: [Process] = []

    func start(home: String, listen: String, extra: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
        process.arguments = ["--home", home, "daemon", "--listen", listen] + extra
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        processes.append(process)
    }

    deinit {
        for process in processes where process.isRunning { kill(process.processIdentifier, SIGTERM) }
        for process in processes { process.waitUntilExit() }
    }
}

@Suite("A network of daemon processes", .serialized)
struct DaemonNetworkTests {
    static let count = 30

    /// `status --json` of the daemon in `home`, or nil while it does not answer.
    static func status(_ home: String) -> JSONValue? {
        guard let run = try? runBinary(["status", "--json"], home: home), run.status == 0 else { return nil }
        return try? JSONParser.parse(run.standardOutput)
    }

    static func waitUntil(_ timeout: Duration, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            usleep(100_000)
        }
        return condition()
    }

    @Test("30 daemons, each dialling 2 others: all reach the outbound target; every package is fetched from its only holder")
    func thirtyDaemons() throws {
        try withTempDirectory("network") { folder throws in
            let homes = (0..<Self.count).map { folder.file("node-\($0)") }
            let address = { (node: Int) in "127.0.0.\(node + 2):7310" }
            var seed: UInt64 = 0x5EED
            func random(_ bound: Int) -> Int {
                seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int((seed >> 33) % UInt64(bound))
            }
            for node in 1..<Self.count {
                var targets: Set<Int> = []
                while targets.count < min(2, node) { targets.insert(random(node)) }
                for target in targets.sorted() { #expect(try runBinary(["peers", "add", address(target)], home: homes[node]).status == 0) }
            }
            let daemons = DaemonGroup()
            for node in 0..<Self.count { try daemons.start(home: homes[node], listen: address(node)) }
            #expect(Self.waitUntil(.seconds(30)) { homes.allSatisfy { Self.status($0) != nil } })

            // Each node publishes one package of its own.
            var packages: [String] = []
            for node in 0..<Self.count {
                _ = try folder.write("package-\(node)/allmende.json", text: """
                    {"title": "Workshop fixture \(node)", "version": "1.0.0", "summary": "A fixture", "category": "tools-machines",
                     "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Lab \(node)"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
                    """)
                _ = try folder.write("package-\(node)/fixture-\(node).txt", text: "fixture \(node)\n" + String(repeating: "\(node) ", count: 5000))
                let run = try runBinary(["publish", folder.file("package-\(node)"), "--json"], home: homes[node])
                #expect(run.status == 0, "\(run.standardError)")
                packages.append(try JSONParser.parse(run.standardOutput)["package"]?.stringValue ?? "")
            }
            // Every catalog has every entry; every node keeps 8 outbound connections (29 others to choose from).
            #expect(Self.waitUntil(.seconds(90)) {
                homes.allSatisfy { Int(Self.status($0)?["catalogEntries"]?.numberValue ?? 0) >= Self.count }
            })
            let outbound = { (home: String) in
                (Self.status(home)?["peers"]?.arrayValue ?? []).filter { $0["direction"]?.stringValue == "out" && $0["state"]?.stringValue == "ready" }.count
            }
            #expect(Self.waitUntil(.seconds(90)) { homes.allSatisfy { outbound($0) >= 8 } },
                    "outbound connections: \(homes.map(outbound))")

            // Each node fetches 2 packages of others; count those whose holder it was not connected to.
            var fetched = 0, fromUnconnected = 0
            for node in 0..<Self.count {
                for _ in 0..<2 {
                    var holder = random(Self.count)
                    while holder == node { holder = random(Self.count) }
                    let holderID = Self.status(homes[holder])?["node"]?.stringValue ?? ""
                    let connected = (Self.status(homes[node])?["peers"]?.arrayValue ?? []).contains { $0["node"]?.stringValue == holderID }
                    let run = try runBinary(["fetch", packages[holder], "--json"], home: homes[node])
                    #expect(run.status == 0, "node \(node) fetching the package of node \(holder): \(run.standardError)")
                    if run.status == 0 {
                        fetched += 1
                        if !connected { fromUnconnected += 1 }
                    }
                }
            }
            #expect(fetched == 2 * Self.count)
            #expect(fromUnconnected > 0)
        }
    }
}

@Suite("Ctrl-C on fetch", .serialized)
struct FetchInterruptTests {
    @Test("interrupting 'allmende fetch' cancels the daemon's fetch; running it again resumes and completes")
    func interruptThenResume() throws {
        try withTempDirectory("interrupt") { folder throws in
            let seedHome = folder.file("seed"), fetchHome = folder.file("fetcher")
            _ = try folder.write("package/allmende.json", text: """
                {"title": "Bench frame", "version": "1.0.0", "summary": "A frame", "category": "furniture", "created": "2026-01-01",
                 "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"]}
                """)
            _ = try folder.write("package/frame.step", pseudoRandomBytes(count: 16 << 20, seed: 5))
            let published = try runBinary(["publish", folder.file("package"), "--json"], home: seedHome)
            #expect(published.status == 0, "\(published.standardError)")
            let package = try JSONParser.parse(published.standardOutput)["package"]?.stringValue ?? ""
            #expect(try runBinary(["peers", "add", "127.0.0.40:7310"], home: fetchHome).status == 0)
            let daemons = DaemonGroup()
            try daemons.start(home: seedHome, listen: "127.0.0.40:7310", extra: ["--upload-limit", String(3 << 20)])
            try daemons.start(home: fetchHome, listen: "127.0.0.41:7310")
            #expect(DaemonNetworkTests.waitUntil(.seconds(30)) {
                (DaemonNetworkTests.status(fetchHome)?["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" }
            })
            let fetch = Process()
            fetch.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
            fetch.arguments = ["--home", fetchHome, "fetch", package, "--json"]
            fetch.standardOutput = FileHandle.nullDevice
            fetch.standardError = FileHandle.nullDevice
            try fetch.run()
            let running = { (DaemonNetworkTests.status(fetchHome)?["fetches"]?.arrayValue ?? []) }
            #expect(DaemonNetworkTests.waitUntil(.seconds(20)) { running().contains { ($0["done"]?.numberValue ?? 0) > 0 } })
            // Ctrl-C ends the command on a terminal; here SIGKILL, because a test runner's children inherit its
            // blocked or ignored SIGINT and SIGTERM. Either way the command's control connection closes.
            kill(fetch.processIdentifier, SIGKILL)
            fetch.waitUntilExit()
            // The daemon stops the fetch it no longer has a caller for.
            #expect(DaemonNetworkTests.waitUntil(.seconds(10)) { running().isEmpty })
            let again = try runBinary(["fetch", package, "--json"], home: fetchHome)
            #expect(again.status == 0, "\(again.standardError)")
            let result = try JSONParser.parse(again.standardOutput)
            #expect((result["reused"]?.numberValue ?? 0) > 0, "\(again.standardOutput)")
            #expect(try runBinary(["verify", package], home: fetchHome).status == 0)

            // --detach: the command returns at once, the daemon fetches on.
            _ = try folder.write("second/allmende.json", text: """
                {"title": "Bench top", "version": "1.0.0", "summary": "A top", "category": "furniture", "created": "2026-01-01",
                 "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"]}
                """)
            _ = try folder.write("second/top.step", pseudoRandomBytes(count: 4 << 20, seed: 6))
            let second = try JSONParser.parse(try runBinary(["publish", folder.file("second"), "--json"], home: seedHome).standardOutput)["package"]?.stringValue ?? ""
            #expect(DaemonNetworkTests.waitUntil(.seconds(30)) { Int(DaemonNetworkTests.status(fetchHome)?["catalogEntries"]?.numberValue ?? 0) >= 2 })
            let detached = try runBinary(["fetch", second, "--detach", "--json"], home: fetchHome)
            #expect(detached.status == 0 && detached.standardOutput.contains("\"started\""), "\(detached.standardError)")
            #expect(DaemonNetworkTests.waitUntil(.seconds(30)) { (try? runBinary(["verify", second], home: fetchHome).status) == 0 })
        }
    }
}

@Suite("The walkthrough, from a fresh home", .serialized)
struct WalkthroughTests {
    @Test("new → publish --check → publish (a part, then a bench using it) → fetch on a second node with the part → bom → export → rm → gc")
    func walkthrough() throws {
        try withTempDirectory("walkthrough") { folder throws in
            let lab = folder.file("lab"), maker = folder.file("maker")
            func run(_ arguments: [String], _ home: String) throws -> JSONValue {
                let result = try runBinary(arguments + ["--json"], home: home)
                #expect(result.status == 0, "\(arguments.joined(separator: " ")): \(result.standardError)")
                return (try? JSONParser.parse(result.standardOutput)) ?? .null
            }
            // The part: a folder of files, a starting draft, a check, a publish.
            _ = try folder.write("frame/frame.step", Array("ISO-10303-21;\nHEADER;\n".utf8))
            _ = try folder.write("frame/README.md", text: "# Bench frame\n")
            _ = try run(["new", folder.file("frame"), "--license", "CERN-OHL-S-2.0", "--category", "furniture", "--title", "Bench frame"], lab)
            #expect(try run(["publish", "--check", folder.file("frame")], lab)["ready"]?.boolValue == true)
            let frame = try run(["publish", folder.file("frame")], lab)["package"]?.stringValue ?? ""
            // The bench names the frame in its bill of materials, by a short prefix.
            _ = try folder.write("bench/top.dxf", text: "0\nSECTION\n")
            _ = try folder.write("bench/allmende.json", text: """
                {"title": "Workshop bench", "version": "1.0.0", "summary": "A bench", "category": "furniture", "created": "2026-01-01",
                 "license": "CERN-OHL-S-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
                 "bom": [{"item": "Bench frame", "quantity": "1", "unit": "pcs", "package": "\(frame.prefix(8))"},
                         {"item": "Beech top 40 mm", "quantity": "1", "unit": "sheet", "unitCost": {"amount": "120", "currency": "EUR"}}]}
                """)
            let bench = try run(["publish", folder.file("bench")], lab)["package"]?.stringValue ?? ""
            // A second node fetches the bench by ID and gets the frame with it.
            #expect(try runBinary(["peers", "add", "127.0.0.50:7310"], home: maker).status == 0)
            let daemons = DaemonGroup()
            try daemons.start(home: lab, listen: "127.0.0.50:7310")
            try daemons.start(home: maker, listen: "127.0.0.51:7310")
            #expect(DaemonNetworkTests.waitUntil(.seconds(30)) { Int(DaemonNetworkTests.status(maker)?["catalogEntries"]?.numberValue ?? 0) >= 2 })
            let fetched = try run(["fetch", String(bench.prefix(8))], maker)
            #expect(fetched["parts"]?.arrayValue?.compactMap(\.stringValue) == [frame])
            let bom = try run(["bom", bench, "--count", "2"], maker)
            #expect("\(bom)".contains("Beech top"))
            let exported = try run(["export", bench, "--to", folder.file("out")], maker)
            #expect(exported["written"]?.arrayValue?.count == 4)   // top.dxf, allmende.json, BOM.csv, NOTICE
            _ = try run(["rm", bench], maker)
            #expect(try run(["ls"], maker).arrayValue?.compactMap { $0["package"]?.stringValue } == [frame])
            _ = try run(["gc"], maker)
            #expect(try runBinary(["verify", frame], home: maker).status == 0)
        }
    }
}
