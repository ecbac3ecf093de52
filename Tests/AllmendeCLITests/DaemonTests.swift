// DaemonTests.swift: real `allmende daemon` processes on 127.0.0.1: fetch, kill -9 mid-transfer, resume.

import AllmendeCrypto
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

/// A daemon process for a home folder.
final class DaemonProcess {
    let home: String
    let process = Process()

    init(home: String, arguments: [String] = []) throws {
        self.home = home
        process.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
        process.arguments = ["--home", home, "daemon", "--listen", "127.0.0.1:0", "--log-level", "debug"] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: "/dev/null")
        try process.run()
    }

    /// `status --json` once the daemon answers (waits for its control socket).
    func status(timeout: Duration = .seconds(15)) throws -> JSONValue { try DaemonStatus(home: home).status(timeout: timeout) }

    /// Waits until `predicate` holds for the daemon's status.
    func waitFor(_ predicate: (JSONValue) -> Bool, timeout: Duration = .seconds(20)) throws -> Bool {
        try DaemonStatus(home: home).waitFor(predicate, timeout: timeout)
    }

    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func stop() {
        Foundation.kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
    }
}

struct FetchFailure: Error { let message: String }

@Suite("Daemons", .serialized)
struct DaemonTests {
    @Test("fetch by ID between two daemons, resumed after the fetching daemon is killed mid-transfer")
    func resumeAfterKill() throws {
        try withTempDirectory("daemon") { folder throws in
            let seedHome = folder.file("seed")
            let fetchHome = folder.file("fetcher")
            let size = 24 << 20
            try folder.write("package/allmende.json", text: """
                {"title": "Moulded fuel-cell stack housing", "version": "1.0.0", "summary": "Large STEP file", "category": "energy",
                 "license": "CERN-OHL-W-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
                """)
            try folder.write("package/housing.step", pseudoRandomBytes(count: size, seed: 77))
            let published = try runBinary(["publish", folder.file("package")], home: seedHome)
            try #require(published.status == 0, "\(published.standardError)")
            let package = published.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let seedID = try runBinary(["id"], home: seedHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

            let seed = try DaemonProcess(home: seedHome, arguments: ["--upload-limit", "6000000"])
            defer { seed.stop() }
            let port = Int(try seed.status()["listenPort"]?.numberValue ?? 0)
            #expect(try runBinary(["peers", "add", "127.0.0.1:\(port)", seedID], home: fetchHome).status == 0)

            var fetcher = try DaemonProcess(home: fetchHome)
            #expect(try fetcher.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
            // Start a fetch and kill the fetching daemon once the seed has sent a third of the file.
            let fetchProcess = Process()
            fetchProcess.executableURL = URL(fileURLWithPath: Repository.allmendeBinary)
            fetchProcess.arguments = ["--home", fetchHome, "fetch", package]
            fetchProcess.standardOutput = FileHandle.nullDevice
            fetchProcess.standardError = FileHandle.nullDevice
            try fetchProcess.run()
            #expect(try seed.waitFor { status in
                (status["peers"]?.arrayValue ?? []).contains { Int($0["bytesOut"]?.numberValue ?? 0) > size / 3 }
            })
            fetcher.kill()
            fetchProcess.waitUntilExit()
            #expect(fetchProcess.terminationStatus != 0)
            #expect(try runBinary(["verify", package], home: fetchHome).status != 0)

            // Restart and fetch again: the chunks already verified on disk are not downloaded again.
            fetcher = try DaemonProcess(home: fetchHome)
            defer { fetcher.stop() }
            #expect(try fetcher.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
            let resumed = try runBinary(["fetch", package, "--json", "--to", folder.file("out")], home: fetchHome)
            try #require(resumed.status == 0, "\(resumed.standardError)")
            let result = try JSONParser.parse(resumed.standardOutput)
            let reused = Int(result["reused"]?.numberValue ?? 0)
            let downloaded = Int(result["downloaded"]?.numberValue ?? 0)
            #expect(reused >= 4 << 20, "reused only \(reused) bytes")
            #expect(reused + downloaded <= size + (1 << 20), "downloaded \(downloaded) after reusing \(reused)")
            #expect(try runBinary(["verify", package], home: fetchHome).status == 0)
            #expect(try FileSystem.readFile(folder.file("out/housing.step"), limit: 64 << 20) == FileSystem.readFile(folder.file("package/housing.step"), limit: 64 << 20))
        }
    }

    @Test("status and fetch without a daemon explain what to do")
    func noDaemon() throws {
        try withTempDirectory("daemon") { folder throws in
            let run = try runBinary(["status"], home: folder.file("home"))
            #expect(run.status == 1)
            #expect(run.standardError.hasPrefix("error: no daemon is running for \(folder.file("home")); start one with 'allmende daemon'"))
        }
    }
}
