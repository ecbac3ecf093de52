// OKHImportTests.swift: Open Know-How manifests (Tests/Fixtures/okh: six written after the OKH-LOSH specification's
// examples, with the mistakes people make) imported as drafts — each warning the one expected, each draft one
// that `publish` reads — and licence names, refusals and the YAML subset.

import AllmendeModel
import AllmendeTestSupport
import AllmendeTOML
import Foundation
import Testing

@Suite("OKH import")
struct OKHImportTests {
    static let fixtures = Repository.root + "/Tests/Fixtures/okh/"

    static func files(in folder: String) -> Set<String> {
        let enumerator = FileManager.default.enumerator(atPath: folder)
        var found: Set<String> = []
        while let path = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: folder + "/" + path, isDirectory: &isDirectory), !isDirectory.boolValue { found.insert(path) }
        }
        return found
    }

    static func importFixture(_ name: String) throws -> OKHImport.Draft {
        let folder = fixtures + name
        let manifest = FileManager.default.fileExists(atPath: folder + "/okh.toml") ? "okh.toml" : "okh.yml"
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: folder + "/" + manifest)))
        let table = manifest.hasSuffix(".yml") ? try OKHv1.losh(fromYAML: bytes) : try TOML.parse(bytes)
        return try OKHImport.draft(table, manifestName: manifest, folderName: name, files: files(in: folder)) { path in
            try? String(contentsOfFile: folder + "/" + path, encoding: .utf8)
        }
    }

    /// The field each warning is about (its text up to the first ':').
    static func fields(_ warnings: [String]) -> [String] { warnings.map { String($0.prefix { $0 != ":" }) } }

    @Test("each realistic manifest imports with exactly the expected warnings, into a draft publish reads", arguments: [
        ("printer-fan-duct", ["organization", "category"]),
        ("solar-dryer", ["cpc-patent-class", "license", "category"]),
        ("open-ventilator", ["version", "licensor", "repo", "documentation-language", "category"]),
        ("bike-trailer-2-4", ["$schema", "mass", "outer-dimensions", "category", "tsdc", "part 'Wheel hub'"]),
        ("compost-sieve", ["category", "source", "source", "source", "bom"]),
        ("seed-drill-v1", ["license-documentation", "date-created", "manifest-author", "documentation-language", "category", "forkOf"]),
    ])
    func fixture(_ name: String, expected: [String]) throws {
        let draft = try Self.importFixture(name)
        #expect(Self.fields(draft.warnings) == expected, "\(draft.warnings)")
        let parsed = try PackageDraft(parsing: Array(draft.text.utf8))
        #expect(!parsed.info.title.isEmpty && !parsed.info.licensors.isEmpty)
        // Every hint names a file that is in the folder.
        #expect(parsed.fileHints.keys.allSatisfy { Self.files(in: Self.fixtures + name).contains($0) })
    }

    @Test("the fields a complete manifest gives: people, summary and description, tags, processes, roles, the CSV bill of materials")
    func complete() throws {
        let draft = try PackageDraft(parsing: Array(try Self.importFixture("printer-fan-duct").text.utf8))
        let info = draft.info
        #expect(info.title == "Fan duct for 40 mm blowers" && info.version == "2.1.0" && info.license.description == "CERN-OHL-W-2.0")
        #expect(info.licensors == [Person(name: "Jo Example", email: "jo@example.org")])
        #expect(info.summary == "A printable duct that guides the air of a 40 mm radial blower onto the nozzle.")
        #expect(info.description == "Fits the common hot ends of open FFF printers; two screws hold it.")
        #expect(info.tags == ["3d-printer", "cooling", "fff"])
        #expect(info.processes == [.printing3D, .assembly] && info.readiness == .prototyping)
        #expect(info.homepage == "https://gitlab.example.org/makers/fan-duct")
        #expect(info.bom.map(\.item) == ["Fan duct (printed)", "M3x8 screw"])
        #expect(draft.fileHints["cad/fan-duct.scad"]?.role == .cad && draft.fileHints["stl/fan-duct.stl"]?.role == .drawing)
        #expect(draft.fileHints["photos/mounted.jpg"]?.role == .photo && draft.fileHints["README.md"]?.role == .readme)
        #expect(draft.fileHints["bom.csv"]?.role == .bom && draft.fileHints["okh.toml"]?.mediaType == "application/toml")
        let yaml = try PackageDraft(parsing: Array(try Self.importFixture("seed-drill-v1").text.utf8)).info
        #expect(yaml.summary == "A push seed drill for small market gardens, made from bicycle parts and plywood.")
        #expect(yaml.healthSafety == "Keep fingers away from the metering wheel." && yaml.tags == ["seeder", "market-garden", "agriculture"])
        #expect(yaml.authors.map(\.name) == ["Sam Farmer", "Lee Park"] && yaml.readiness == .development && yaml.version == "1.2")
    }

    @Test("licences: SPDX kept, a sure informal name converted, an unsure or unknown one refused with suggestions, none or NOASSERTION refused")
    func licences() throws {
        func license(_ text: String?) throws -> String? {
            var table = TOMLTable()
            table["okhv"] = .string("OKH-LOSHv1.0")
            table["name"] = .string("X")
            if let text { table["license"] = .string(text) }
            return try OKHImport.draft(table, manifestName: "okh.toml", folderName: "x", files: [], read: { _ in nil }).members["license"]?.stringValue
        }
        #expect(try license("CERN-OHL-P-2.0 OR MIT") == "CERN-OHL-P-2.0 OR MIT")
        #expect(try license("CC BY-SA 4.0") == "CC-BY-SA-4.0")
        #expect(try license("CERN OHL S v2") == "CERN-OHL-S-2.0")
        for refused in ["CERN OHL", "GPL3", "Open source", "LicenseRef-NOASSERTION", nil] {
            #expect(throws: OKHImportError.self, "\(refused ?? "none")") { _ = try license(refused) }
        }
        #expect { _ = try license("GPL3") } throws: { ($0 as? OKHImportError)?.description.contains("GPL-3.0-only or GPL-3.0-or-later") == true }
    }

    @Test("the YAML subset: block scalars, quoted strings, nested sequences of mappings; anchors, tags and flow mappings refused at line:column")
    func yaml() throws {
        let parsed = try OKHv1.losh(fromYAML: Array("""
            title: 'It''s a "test"'
            description: |
              line one
              line two
            keywords:
              - a
              - "b c"
            """.utf8))
        #expect(parsed["name"] == .string("It's a \"test\""))
        #expect(parsed["function"] == .string("line one\nline two\n\nKeywords: a, b c"))
        for (text, line, column) in [("title: &a x", 1, 8), ("a: 1\nb: !!str x", 2, 4), ("a: {b: 1}", 1, 4), ("a: 1\na: 2", 2, 1), ("a: 1\n---\nb: 2\n---\nc: 3", 4, 1),
                                     ("a:\n\t- b", 2, 1)] {
            #expect {
                _ = try OKHv1.losh(fromYAML: Array(text.utf8))
            } throws: { error in
                guard let error = error as? TOMLError else { return false }
                return (error.line, error.column) == (line, column) || { Issue.record("\(text.debugDescription): \(error)"); return true }()
            }
        }
    }
}
