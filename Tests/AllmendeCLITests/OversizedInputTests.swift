// OversizedInputTests.swift: files and arguments past their limits, through the built binary — each refused
// with an error in --json (or, where the input is only a hint, left out), nothing written, memory not taken for
// what the limit refuses.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI oversized inputs")
struct OversizedInputTests {
    /// The error object of a refused --json run.
    static func error(_ run: ProcessOutput, status: Int32) throws -> JSONValue {
        #expect(run.status == status, "\(run.standardError)")
        let error = try JSONParser.parse(run.standardError)
        #expect(error["code"] == .number(Double(status)) && error["error"]?.stringValue?.isEmpty == false)
        return error
    }

    @Test("an Open Know-Where record or an OKH manifest past 4 MiB is refused and no draft is written")
    func importsPastTheirLimit() throws {
        try withTempDirectory("oversized-imports") { folder throws in
            let home = folder.file("home")
            #expect(try runBinary(["init"], home: home).status == 0)
            let okw = try folder.write("big.okw.json", text: #"{"name": ""# + String(repeating: "a", count: 4 << 20) + #""}"#)
            _ = try Self.error(try runBinary(["lab", "profile", "init", "--okw", okw, "--json"], home: home), status: ExitCode.failure)
            #expect(try runBinary(["lab", "profile", "show", "--draft", "--json"], home: home).status == ExitCode.failure, "a draft was written")
            let design = folder.file("design")
            let okh = try folder.write("design/okh.toml", text: "okhv = \"OKH-LOSH-Draft-2.0\"\nname = \"" + String(repeating: "a", count: 4 << 20) + "\"\n")
            _ = try Self.error(try runBinary(["import", "okh", okh, "--json"], home: home), status: ExitCode.failure)
            #expect(!FileManager.default.fileExists(atPath: design + "/allmende.json"))
        }
    }

    @Test("a place of 5,000 characters is an unknown place (exit 2), quoted shortened; the same for makers")
    func longPlace() throws {
        try withTempDirectory("oversized-place") { folder throws in
            let home = folder.file("home")
            #expect(try runBinary(["init"], home: home).status == 0)
            let place = String(repeating: "x", count: 5000)
            let labs = try Self.error(try runBinary(["labs", "--near", place, "--json"], home: home), status: ExitCode.usage)
            #expect((labs["error"]?.stringValue?.count ?? .max) < 400)
            let makers = try runBinary(["makers", String(repeating: "ab", count: 32), "--near", place, "--json"], home: home)
            #expect(makers.status != 0)
            #expect(try JSONParser.parse(makers.standardError)["error"]?.stringValue.map { $0.count < 400 } == true)
        }
    }

    @Test("a cutting file past 16 MiB is not read for a suggestion; the draft is still written with the process alone")
    func hugeDrawing() throws {
        try withTempDirectory("oversized-dxf") { folder throws in
            let design = folder.file("design")
            // A real drawing (one line 0,0 → 600,400 mm), padded with comment groups past 16 MiB.
            let line = "0\nSECTION\n2\nENTITIES\n0\nLINE\n10\n0\n20\n0\n11\n600\n21\n400\n"
            let padding = String(repeating: "999\n" + String(repeating: "c", count: 1000) + "\n", count: 17 * 1024)
            _ = try folder.write("design/cut.dxf", text: line + padding + "0\nENDSEC\n0\nEOF\n")
            let made = try runBinary(["new", design, "--license", "CERN-OHL-S-2.0", "--title", "Panel", "--summary", "A panel", "--category", "building",
                                      "--licensor", "Lab", "--process", "laser-cutting"], home: folder.file("home"))
            #expect(made.status == 0, "\(made.standardError)")
            let written = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: design + "/allmende.json"))))
            #expect(written["processes"] == .array([.string("laser-cutting")]))
            #expect(written["fabrication"]?.arrayValue?.contains { $0["size"] != nil } != true, "a size was read from a file past the limit")
            // The same drawing under the limit gives its size (so the test above can fail).
            let small = folder.file("small")
            _ = try folder.write("small/cut.dxf", text: line + "0\nENDSEC\n0\nEOF\n")
            #expect(try runBinary(["new", small, "--license", "CERN-OHL-S-2.0", "--title", "Panel", "--summary", "A panel", "--category", "building",
                                   "--licensor", "Lab", "--process", "laser-cutting"], home: folder.file("home")).status == 0)
            let smallDraft = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: small + "/allmende.json"))))
            #expect(smallDraft["fabrication"]?.arrayValue?.first?["size"] == .array([.number(600), .number(400)]), "\(smallDraft)")
        }
    }

    @Test("a bundle whose header claims more than 1 MiB is refused before it is read; nothing is imported")
    func bundleHeaderPastItsLimit() throws {
        try withTempDirectory("oversized-bundle") { folder throws in
            let home = folder.file("home")
            #expect(try runBinary(["init"], home: home).status == 0)
            for claimed in [UInt32((1 << 20) + 1), UInt32.max] {
                var bytes = Array("AMBUNDLE".utf8) + [0, 0, 0, 1]
                bytes += [UInt8(claimed >> 24), UInt8(claimed >> 16 & 0xFF), UInt8(claimed >> 8 & 0xFF), UInt8(claimed & 0xFF)]
                bytes += Array(repeating: 0x7B, count: 4096)
                let file = try folder.write("claims-\(claimed).amb", bytes)
                let run = try runBinary(["bundle", "import", file, "--json"], home: home)
                #expect(run.status != 0)
                #expect(try JSONParser.parse(run.standardError)["error"]?.stringValue?.isEmpty == false)
            }
            let listed = try JSONParser.parse(try runBinary(["ls", "--json"], home: home).standardOutput)
            #expect(listed.arrayValue?.isEmpty == true, "\(listed)")
        }
    }
}
