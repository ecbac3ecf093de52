// VersionCommandTests.swift: versions through the CLI — show names the newer version, search and ls group them,
// another lab cannot publish a version of someone else's design, and `fetch OLD --latest` gets the newest from a
// real daemon.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI versions", .serialized)
struct VersionCommandTests {
    static let key = Repository.root + "/Examples/keys/demo-lab.pem"

    /// A design folder at version `version`, optionally superseding `previous`.
    static func folder(_ folder: TempDirectory, _ name: String, version: String, supersedes previous: String? = nil) throws -> String {
        let extra = previous.map { ", \"supersedes\": \"\($0)\"" } ?? ""
        _ = try folder.write("\(name)/allmende.json", text: """
            {"title": "Cargo bike trailer", "version": "\(version)", "summary": "A trailer for cargo bikes", "category": "mobility",
             "license": "CERN-OHL-S-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "tags": ["trailer"],
             "created": "2026-01-01T00:00:00Z"\(extra)}
            """)
        _ = try folder.write("\(name)/frame.dxf", pseudoRandomBytes(count: 3000, seed: UInt64(name.utf8.reduce(0) { $0 &* 31 &+ Int($1) })))
        return folder.file(name)
    }

    static func publish(_ path: String, home: String) throws -> String {
        let run = try runBinary(["publish", path, "--key", key], home: home)
        try #require(run.status == 0, "\(run.standardError)")
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("show OLD names the newer version; search and ls show the newest with the older count; --all-versions lists each; another lab's version is refused")
    func showSearchList() throws {
        try withTempDirectory("versions-cli") { folder throws in
            let home = folder.file("home")
            let v1 = try Self.publish(try Self.folder(folder, "v1", version: "1.0.0"), home: home)
            let v2 = try Self.publish(try Self.folder(folder, "v2", version: "1.1.0", supersedes: String(v1.prefix(10))), home: home)
            let v3 = try Self.publish(try Self.folder(folder, "v3", version: "1.2.0", supersedes: v2), home: home)
            let shown = try JSONParser.parse(runCLI(["show", v1, "--json"], home: home).output)
            #expect(shown["versions"]?["latest"]?["package"]?.stringValue == v3)
            #expect(shown["versions"]?["newer"]?.arrayValue?.compactMap { $0["package"]?.stringValue } == [v3, v2])
            #expect(shown["manifest"]?["supersedes"] == nil)
            let newest = try JSONParser.parse(runCLI(["show", v3, "--json"], home: home).output)
            #expect(newest["versions"]?["latest"] == .null)
            #expect(newest["versions"]?["older"]?.arrayValue?.compactMap { $0["package"]?.stringValue } == [v2, v1])
            #expect(newest["manifest"]?["supersedes"]?.stringValue == v2)
            // Grouped: one row, the newest, standing for two older versions.
            let search = try JSONParser.parse(runCLI(["search", "trailer", "--json"], home: home).output).arrayValue ?? []
            #expect(search.compactMap { $0["package"]?.stringValue } == [v3])
            #expect(search.first?["olderVersions"]?.numberValue == 2)
            let all = try JSONParser.parse(runCLI(["search", "trailer", "--all-versions", "--json"], home: home).output).arrayValue ?? []
            #expect(Set(all.compactMap { $0["package"]?.stringValue }) == [v1, v2, v3])
            let listed = try JSONParser.parse(runCLI(["ls", "--json"], home: home).output).arrayValue ?? []
            #expect(listed.compactMap { $0["package"]?.stringValue } == [v3] && listed.first?["olderVersions"]?.numberValue == 2)
            #expect(try JSONParser.parse(runCLI(["ls", "--all-versions", "--json"], home: home).output).arrayValue?.count == 3)
            // Retracting the newest: v2 is the latest again, and search shows v3 (retracted) beside v2.
            #expect(runCLI(["retract", v3, "--reason", "frame cracks", "--key", Self.key], home: home).status == 0)
            #expect(try JSONParser.parse(runCLI(["show", v1, "--json"], home: home).output)["versions"]?["latest"]?["package"]?.stringValue == v2)
            // Another lab (its own node key) names v1 as superseded: refused, exit 1, nothing stored.
            let before = runCLI(["ls", "--all-versions", "--json"], home: home).output
            let fake = runCLI(["publish", try Self.folder(folder, "fake", version: "2.0.0", supersedes: v1), "--json"], home: home)
            #expect(fake.status == 1)
            #expect(try JSONParser.parse(fake.error)["error"]?.stringValue != nil)
            #expect(runCLI(["ls", "--all-versions", "--json"], home: home).output == before)
            // publish --check says the same before anything is signed.
            #expect(runCLI(["publish", "--check", folder.file("fake"), "--json"], home: home).status == 1)
        }
    }

    @Test("fetch OLD --latest fetches the newest version from a daemon that has it")
    func fetchLatest() throws {
        try withTempDirectory("versions-fetch") { folder throws in
            let seedHome = folder.file("seed")
            #expect(try runBinary(["init"], home: seedHome).status == 0)
            let v1 = try Self.publish(try Self.folder(folder, "v1", version: "1.0.0"), home: seedHome)
            let v2 = try Self.publish(try Self.folder(folder, "v2", version: "2.0.0", supersedes: v1), home: seedHome)
            let seedID = try runBinary(["id"], home: seedHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let seed = try DaemonProcess(home: seedHome)
            defer { seed.stop() }
            let port = Int(try seed.status()["listenPort"]?.numberValue ?? 0)
            let home = folder.file("maker")
            #expect(try runBinary(["peers", "add", "127.0.0.1:\(port)", seedID], home: home).status == 0)
            let maker = try DaemonProcess(home: home)
            defer { maker.stop() }
            #expect(try maker.waitFor { ($0["catalogEntries"]?.numberValue ?? 0) >= 2 })
            let fetched = try runBinary(["fetch", String(v1.prefix(8)), "--latest", "--json"], home: home)
            #expect(fetched.status == 0, "\(fetched.standardError)")
            let report = try JSONParser.parse(fetched.standardOutput)
            #expect(report["package"]?.stringValue == v2 && report["requested"]?.stringValue == v1)
            let stored = try JSONParser.parse(try runBinary(["ls", "--all-versions", "--json"], home: home).standardOutput).arrayValue ?? []
            #expect(stored.compactMap { $0["package"]?.stringValue } == [v2])
        }
    }
}
