// OKHRoundTripTests.swift: `allmende okh ID` → `allmende import okh` → `allmende publish` gives the same manifest
// fields for the three examples (the exported files plus okh.toml), and import refuses clearly.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI OKH round trip")
struct OKHRoundTripTests {
    static let key = Repository.root + "/Examples/keys/demo-lab.pem"

    @Test("export, okh, import okh, publish: every manifest field but the added okh.toml comes back the same", arguments: [
        "timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan",
    ])
    func roundTrip(_ example: String) throws {
        try withTempDirectory("okh-round-trip") { folder throws in
            let home = folder.file("home")
            // The garden studio's bill of materials names the wall block: publish it first.
            for name in ["timber-wall-block", example] {
                #expect(runCLI(["publish", Repository.root + "/Examples/packages/" + name, "--key", Self.key], home: home).status == 0)
            }
            let original = runCLI(["publish", Repository.root + "/Examples/packages/" + example, "--key", Self.key], home: home)
                .output.trimmingCharacters(in: .whitespacesAndNewlines)
            let out = folder.file("out")
            #expect(runCLI(["export", original, "--to", out, "--files-only"], home: home).status == 0)
            let okh = runCLI(["okh", original], home: home)
            try okh.output.write(toFile: out + "/okh.toml", atomically: true, encoding: .utf8)
            let imported = runCLI(["import", "okh", out + "/okh.toml", "--json"], home: home)
            #expect(imported.status == 0, "\(imported.error)")
            #expect(try JSONParser.parse(imported.output)["warnings"]?.arrayValue == [])
            let published = runCLI(["publish", out, "--key", Self.key], home: home)
            #expect(published.status == 0, "\(published.error)")
            let copy = published.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(copy != original)
            let before = try JSONParser.parse(runCLI(["show", original, "--json"], home: home).output)["manifest"]
            let after = try JSONParser.parse(runCLI(["show", copy, "--json"], home: home).output)["manifest"]
            guard case let .object(a)? = before, case let .object(b)? = after else { Issue.record("no manifests"); return }
            for key in Set(a.keys).union(b.keys) where key != "files" { #expect(a[key] == b[key], "\(example): \(key)") }
            let filesBefore = a["files"]?.arrayValue ?? [], filesAfter = b["files"]?.arrayValue ?? []
            #expect(filesAfter.filter { $0["path"]?.stringValue != "okh.toml" } == filesBefore)
            #expect(filesAfter.count == filesBefore.count + 1)
        }
    }

    @Test("import refuses to overwrite a draft without --force, names the line of a TOML error, and explains a licence it cannot map")
    func refusals() throws {
        try withTempDirectory("okh-refusals") { folder throws in
            let home = folder.file("home")
            _ = try folder.write("a/okh.toml", text: "okhv = \"OKH-LOSHv1.0\"\nname = \"A\"\nlicense = \"Open source\"\n")
            let unknown = runCLI(["import", "okh", folder.file("a/okh.toml"), "--json"], home: home)
            let message = try JSONParser.parse(unknown.error)["error"]?.stringValue ?? ""
            #expect(unknown.status == 1 && message.contains("license"))
            #expect(!FileManager.default.fileExists(atPath: folder.file("a/allmende.json")))
            _ = try folder.write("b/okh.toml", text: "okhv = \"OKH-LOSHv1.0\"\nname = \"B\"\nname = \"again\"\n")
            let duplicate = runCLI(["import", "okh", folder.file("b/okh.toml")], home: home)
            #expect(duplicate.status == 1 && duplicate.error.contains("okh.toml:3:1:"))
            _ = try folder.write("c/okh.toml", text: "okhv = \"OKH-LOSHv1.0\"\nname = \"C\"\nlicense = \"MIT\"\n")
            _ = try folder.write("c/allmende.json", text: "{}")
            #expect(runCLI(["import", "okh", folder.file("c/okh.toml")], home: home).status == 1)
            #expect(runCLI(["import", "okh", folder.file("c/okh.toml"), "--force"], home: home).status == 0)
        }
    }
}
