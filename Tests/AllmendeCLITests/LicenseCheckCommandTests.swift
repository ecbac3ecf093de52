// LicenseCheckCommandTests.swift: a derivative's licence against its parent's through the CLI — refused with exit 1
// and the rule in --json, the same from the catalog alone once the parent's files are removed, --check reports
// it, and --allow-incompatible records the reason that show then prints.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI licence compatibility")
struct LicenseCheckCommandTests {
    static let key = Repository.root + "/Examples/keys/demo-lab.pem"

    @Test("CC-BY-SA parent, CC-BY child: refused with the rule; known from the catalog alone too; --allow-incompatible records a reason")
    func refuseAndOverride() throws {
        try withTempDirectory("licence-cli") { folder throws in
            let home = folder.file("home")
            let parentRun = runCLI(["publish", Repository.root + "/Examples/packages/timber-wall-block", "--key", Self.key], home: home)
            try #require(parentRun.status == 0)
            let parent = parentRun.output.trimmingCharacters(in: .whitespacesAndNewlines)
            _ = try folder.write("child/allmende.json", text: """
                {"title": "Short wall block", "version": "1.0.0", "summary": "Shorter", "category": "building", "license": "CC-BY-4.0",
                 "licensors": [{"name": "Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01T00:00:00Z",
                 "derivedFrom": [{"package": "\(parent.prefix(8))", "note": "shorter"}]}
                """)
            _ = try folder.write("child/block.dxf", text: "0\nSECTION\n")
            let child = folder.file("child")
            // The parent's files removed: its licence is still known from its catalog entry.
            #expect(runCLI(["rm", parent], home: home).status == 0)
            let refused = runCLI(["publish", child, "--key", Self.key, "--json"], home: home)
            #expect(refused.status == 1)
            let error = try JSONParser.parse(refused.error)
            #expect(error["error"]?.stringValue?.contains("spdx.org/licenses/CC-BY-SA-4.0") == true)
            #expect(try JSONParser.parse(runCLI(["ls", "--json"], home: home).output).arrayValue?.isEmpty == true)
            let check = try JSONParser.parse(runCLI(["publish", "--check", child, "--json"], home: home).output)
            #expect(check["ready"] == false && check["problems"]?.arrayValue?.count == 1)
            #expect(runCLI(["publish", child, "--allow-incompatible", " ", "--key", Self.key], home: home).status == ExitCode.usage)
            let published = runCLI(["publish", child, "--allow-incompatible", "relicensed to us by the block's lab", "--key", Self.key, "--json"], home: home)
            #expect(published.status == 0, "\(published.error)")
            let id = try #require(try JSONParser.parse(published.output)["package"]?.stringValue)
            let shown = try JSONParser.parse(runCLI(["show", id, "--json"], home: home).output)
            let note = shown["manifest"]?["derivedFrom"]?.arrayValue?.first?["licenseNote"]?.stringValue ?? ""
            #expect(note.contains("relicensed to us by the block's lab") && note.contains("CC-BY-SA-4.0"))
        }
    }
}
