// LabProfileCommandTests.swift: the lab profile from template to published entry in one home — a template that
// names what is missing, editing through $EDITOR, Open Know-Where out and back in, withdrawal; and the suggestion
// of fabrication needs from a bill of materials.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI lab profile", .serialized)
struct LabProfileCommandTests {
    static func json(_ run: ProcessOutput) throws -> JSONValue {
        try #require(run.status == 0, "\(run.standardError)")
        return try JSONParser.parse(run.standardOutput)
    }

    @Test("init writes a template publish refuses until the place is filled in; edit, publish, show, OKW out and in, retract")
    func profileFromTemplateToCatalog() throws {
        try withTempDirectory("lab-profile-cli") { folder throws in
            let home = folder.file("home")
            #expect(try runBinary(["init"], home: home).status == 0)
            #expect(try runBinary(["lab", "profile", "show"], home: home).status == ExitCode.failure)
            #expect(try runBinary(["lab", "profile", "init"], home: home).status == 0)
            #expect(try runBinary(["lab", "profile", "init"], home: home).status == ExitCode.failure, "an existing draft was replaced without --force")
            let refused = try runBinary(["lab", "profile", "publish", "--json"], home: home)
            #expect(refused.status == ExitCode.failure)
            #expect(try JSONParser.parse(refused.standardError)["error"]?.stringValue?.contains("profile.location") == true)
            // An "editor" that fills in the place, as a person would.
            let editor = try folder.write("editor.sh", text: """
                #!/bin/sh
                sed -e 's/"city": ""/"city": "Kiel"/' -e 's/"country": ""/"country": "DE"/' "$1" > "$1.new" && mv "$1.new" "$1"
                """)
            chmod(editor, 0o755)
            var environment = ProcessInfo.processInfo.environment
            environment["ALLMENDE_HOME"] = home
            environment["EDITOR"] = editor
            environment["VISUAL"] = nil
            let edited = try ProcessRunner.run(Repository.allmendeBinary, ["lab", "profile", "edit"], environment: environment)
            #expect(edited.status == 0, "\(edited.standardError)")
            let published = try Self.json(try runBinary(["lab", "profile", "publish", "--json"], home: home))
            let shown = try Self.json(try runBinary(["lab", "profile", "show", "--json"], home: home))
            #expect(shown["entry"] == published["entry"] && shown["draft"] == .bool(false))
            #expect(shown["location"]?["city"]?.stringValue == "Kiel" && shown["identity"]?.stringValue == published["identity"]?.stringValue)
            // Out as Open Know-Where YAML, back in as a new draft: the same fields.
            let okw = folder.file("lab.okw.yml")
            #expect(try runBinary(["lab", "profile", "show", "--okw", okw], home: home).status == 0)
            #expect(try String(contentsOfFile: okw, encoding: .utf8).contains("facilityStatus: \"Active\""))
            let reimported = try Self.json(try runBinary(["lab", "profile", "init", "--okw", okw, "--force", "--json"], home: home))
            #expect(reimported["warnings"]?.arrayValue?.isEmpty == true, "\(reimported)")
            let draft = try Self.json(try runBinary(["lab", "profile", "show", "--draft", "--json"], home: home))
            for key in ["name", "location", "equipment", "services", "languages", "accessType", "openingHours"] {
                #expect(draft[key] == shown[key], "\(key) changed on the way through OKW")
            }
            // The directory lists it; a withdrawal takes it away.
            #expect(try Self.json(try runBinary(["labs", "--json"], home: home))["labs"]?.arrayValue?.count == 1)
            #expect(try runBinary(["lab", "profile", "retract"], home: home).status == ExitCode.usage)
            _ = try Self.json(try runBinary(["lab", "profile", "retract", "--reason", "moving", "--json"], home: home))
            #expect(try Self.json(try runBinary(["labs", "--json"], home: home))["labs"]?.arrayValue?.isEmpty == true)
            #expect(try runBinary(["labs", "--process", "knitting"], home: home).status == ExitCode.usage)
        }
    }

    @Test("publish --check offers fabrication needs read from the bill of materials")
    func suggestionFromBOM() throws {
        try withTempDirectory("fabrication-suggestion") { folder throws in
            let design = folder.file("design")
            try FileManager.default.copyItem(atPath: Repository.root + "/Examples/packages/timber-wall-block", toPath: design)
            let draft = try String(contentsOfFile: design + "/allmende.json", encoding: .utf8)
            let without = draft.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("\"fabrication\"") }.joined(separator: "\n")
            try without.write(toFile: design + "/allmende.json", atomically: true, encoding: .utf8)
            let check = try Self.json(try runBinary(["publish", "--check", design, "--json"], home: folder.file("home")))
            let warning = check["warnings"]?.arrayValue?.compactMap(\.stringValue).first { $0.hasPrefix("fabrication:") }
            #expect(warning?.contains(#""size":[2440,1220]"#) == true && warning?.contains(#""thickness":"18""#) == true, "\(check)")
            #expect(check["ready"] == .bool(true))
            // `new --process` writes the suggestion into the draft from the folder's bom.csv.
            let fresh = folder.file("fresh")
            _ = try folder.write("fresh/bom.csv", text: "item,quantity,unit,material,dimensions\nPlywood sheet,3,sheet,Birch plywood 18 mm,2440 x 1220 x 18 mm\n")
            _ = try folder.write("fresh/cut.dxf", text: "0\nEOF\n")
            let made = try runBinary(["new", fresh, "--license", "CERN-OHL-S-2.0", "--title", "Block", "--summary", "A block", "--category", "building",
                                      "--licensor", "Lab", "--process", "cnc-routing", "--process", "assembly"], home: folder.file("home"))
            #expect(made.status == 0, "\(made.standardError)")
            let written = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: fresh + "/allmende.json"))))
            #expect(written["fabrication"]?.arrayValue?.first?["size"] == .array([.number(2440), .number(1220)]))
            #expect(written["processes"] == .array([.string("cnc-routing"), .string("assembly")]))
            #expect(try runBinary(["new", fresh, "--force", "--license", "CC0-1.0", "--process", "knitting"], home: folder.file("home")).status == ExitCode.usage)
        }
    }
}
