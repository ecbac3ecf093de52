// CrashMomentTests.swift: kill -9 of the real binary at 30 moments spread over a publish and over a fetch.
// After each kill the next process's start-up plus fsck find nothing wrong (crash leftovers are cleaned, not
// damage) and nothing that was complete before is lost. The delays before each kill are the random moments
// themselves, not waits for an outcome.

import AllmendeCrypto
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Crash at any moment", .serialized)
struct CrashMomentTests {
    /// `count` fractions in [0, 1), the same every run.
    static func moments(_ count: Int, seed: UInt64) -> [Double] {
        pseudoRandomBytes(count: count * 2, seed: seed).chunked(2).map { Double(Int($0[$0.startIndex]) << 8 | Int($0[$0.startIndex + 1])) / 65_536 }
    }

    /// Starts the binary with `arguments` (output discarded).
    static func start(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    /// `fsck --json` of `home`: exit status and whether it reports the store clean.
    static func fsck(_ home: String) throws -> (status: Int32, clean: Bool, output: String) {
        let run = try runBinary(["fsck", "--json"], home: home)
        let report = try? JSONParser.parse(run.standardOutput)
        let problems = (report?["problems"]?.arrayValue ?? []).count + (report?["catalogProblems"]?.arrayValue ?? []).count
        return (run.status, problems == 0, run.standardOutput + run.standardError)
    }

    @Test("kill -9 at 20 moments of a publish (large and 60 small files): fsck exits 0 and the package published before is intact")
    func killDuringPublish() throws {
        try withTempDirectory("crash-publish") { folder throws in
            let home = folder.file("home")
            let before = try runBinary(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate",
                                        "--key", Repository.root + "/Examples/keys/demo-lab.pem"], home: home)
            try #require(before.status == 0, "\(before.standardError)")
            let kept = before.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            try folder.write("parts/allmende.json", text: """
                {"title": "Cargo bike trailer", "version": "1.0.0", "summary": "Welded frame", "category": "mobility",
                 "license": "CERN-OHL-S-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
                """)
            func writeParts(seed: UInt64) throws {
                for (index, size) in [3 << 20, 2 << 20, 700_000, 12_000].enumerated() {
                    try folder.write("parts/part-\(index).step", pseudoRandomBytes(count: size, seed: seed * 10 + UInt64(index)))
                }
                // Small files take the batched path (unnamed files, one sync per folder at the end).
                for index in 0..<60 {
                    try folder.write("parts/small/s-\(index).svg", pseudoRandomBytes(count: 1000 + index * 97, seed: seed * 1000 + UInt64(index)))
                }
            }
            // How long one publish takes here, to spread the kills over it.
            try writeParts(seed: 99)
            let started = ContinuousClock.now
            #expect(try runBinary(["publish", folder.file("parts")], home: folder.file("scratch")).status == 0)
            let timed = ContinuousClock.now - started
            for (round, moment) in Self.moments(20, seed: 3).enumerated() {
                try writeParts(seed: UInt64(round))
                let publish = try Self.start(["--home", home, "publish", folder.file("parts")])
                usleep(useconds_t(timed.inSeconds * moment * 1_000_000))
                kill(publish.processIdentifier, SIGKILL)
                publish.waitUntilExit()
                let fsck = try Self.fsck(home)
                #expect(fsck.status == 0 && fsck.clean, "round \(round) at \(Int(moment * 100)) %: \(fsck.output)")
                #expect(try runBinary(["verify", kept], home: home).status == 0, "round \(round): the earlier package was damaged")
            }
            let after = try runBinary(["publish", folder.file("parts")], home: home)
            try #require(after.status == 0, "\(after.standardError)")
            #expect(try runBinary(["verify", after.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)], home: home).status == 0)
        }
    }

    @Test("kill -9 of the fetching daemon at 10 moments of a fetch: fsck exits 0 each time, the last fetch completes")
    func killDuringFetch() throws {
        try withTempDirectory("crash-fetch") { folder throws in
            let seedHome = folder.file("seed")
            let fetchHome = folder.file("fetcher")
            try folder.write("package/allmende.json", text: """
                {"title": "Battery pack enclosure", "version": "1.0.0", "summary": "Two large files", "category": "energy",
                 "license": "CERN-OHL-W-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
                """)
            try folder.write("package/enclosure.step", pseudoRandomBytes(count: 12 << 20, seed: 41))
            try folder.write("package/lid.step", pseudoRandomBytes(count: 5 << 20, seed: 42))
            let published = try runBinary(["publish", folder.file("package")], home: seedHome)
            try #require(published.status == 0, "\(published.standardError)")
            let package = published.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let seedID = try runBinary(["id"], home: seedHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            // About 1.5 s for the whole package, so the moments fall over the whole transfer.
            let seed = try DaemonProcess(home: seedHome, arguments: ["--upload-limit", "12000000"])
            defer { seed.stop() }
            let port = Int(try seed.status()["listenPort"]?.numberValue ?? 0)
            #expect(try runBinary(["peers", "add", "127.0.0.1:\(port)", seedID], home: fetchHome).status == 0)
            for (round, moment) in Self.moments(10, seed: 4).enumerated() {
                let fetcher = try DaemonProcess(home: fetchHome)
                #expect(try fetcher.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
                let fetch = try Self.start(["--home", fetchHome, "fetch", package])
                usleep(useconds_t(1_500_000 * moment))
                fetcher.kill()
                fetch.waitUntilExit()
                let fsck = try Self.fsck(fetchHome)
                #expect(fsck.status == 0 && fsck.clean, "round \(round) at \(Int(moment * 100)) %: \(fsck.output)")
            }
            let fetcher = try DaemonProcess(home: fetchHome)
            defer { fetcher.stop() }
            #expect(try fetcher.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
            let last = try runBinary(["fetch", package, "--json"], home: fetchHome)
            try #require(last.status == 0, "\(last.standardError)")
            #expect(try runBinary(["verify", package], home: fetchHome).status == 0)
            #expect(try Self.fsck(fetchHome).status == 0)
        }
    }
}

private extension Array {
    func chunked(_ size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
