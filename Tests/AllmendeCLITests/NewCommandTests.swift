// NewCommandTests.swift: `allmende new DIR` writes a draft that publishes as it is; flags for scripts, questions
// on a terminal (a pseudo-terminal made by script(1)).

import AllmendeCLI
import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("new: a starting draft")
struct NewCommandTests {
    /// A folder of files whose names do not all tell what they are.
    static func makeFolder(_ folder: TempDirectory) throws -> String {
        _ = try folder.write("cargo-bike-trailer/README.md", text: "# Cargo bike trailer\n")
        _ = try folder.write("cargo-bike-trailer/drawings/frame", Array("%PDF-1.4 drawing".utf8))
        _ = try folder.write("cargo-bike-trailer/hitch.model", Array("ISO-10303-21;\nHEADER;".utf8))
        _ = try folder.write("cargo-bike-trailer/photos/built", [0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10])
        return folder.file("cargo-bike-trailer")
    }

    @Test("with flags: every required field, roles and media types guessed from names and contents, and it publishes")
    func flags() throws {
        try withTempDirectory("new") { folder throws in
            let home = folder.file("home"), dir = try Self.makeFolder(folder)
            let run = runCLI(["new", dir, "--license", "CERN-OHL-S-2.0", "--category", "mobility", "--licensor", "Test Lab", "--json"], home: home)
            #expect(run.status == 0, "\(run.error)")
            #expect(try JSONParser.parse(Array(run.output.utf8))["files"]?.numberValue == 4)
            let draft = try PackageDraft(parsing: try FileSystem.readFile(dir + "/allmende.json"))
            #expect(draft.info.title == "Cargo bike trailer" && draft.info.category == .mobility && draft.info.license.description == "CERN-OHL-S-2.0")
            #expect(draft.info.licensors.map(\.name) == ["Test Lab"])
            #expect(draft.fileHints["drawings/frame"]?.role == .drawing && draft.fileHints["drawings/frame"]?.mediaType == "application/pdf")
            #expect(draft.fileHints["hitch.model"]?.role == .cad && draft.fileHints["hitch.model"]?.mediaType == "model/step")
            #expect(draft.fileHints["photos/built"]?.role == .photo && draft.fileHints["photos/built"]?.mediaType == "image/jpeg")
            #expect(draft.fileHints["README.md"]?.role == .readme)
            #expect(runCLI(["publish", dir], home: home).status == 0)
        }
    }

    @Test("a bom.csv in the folder becomes the draft's bill of materials, and bom works after publishing")
    func bomFromSpreadsheet() throws {
        try withTempDirectory("new") { folder throws in
            let home = folder.file("home"), dir = try Self.makeFolder(folder)
            _ = try folder.write("cargo-bike-trailer/bom.csv", text: "item,quantity,unit,unit cost,currency\nSteel tube 25 mm,6,m,4.20,EUR\nWheel 20 in,2,pcs,35,EUR\n")
            let run = runCLI(["new", dir, "--license", "CERN-OHL-S-2.0", "--json"], home: home)
            #expect(run.status == 0, "\(run.error)")
            #expect(try JSONParser.parse(Array(run.output.utf8))["bomLines"]?.numberValue == 2)
            let published = runCLI(["publish", dir, "--json"], home: home)
            let id = try JSONParser.parse(Array(published.output.utf8))["package"]?.stringValue ?? ""
            let bom = runCLI(["bom", id, "--csv"], home: home)
            #expect(bom.output.contains("Steel tube 25 mm,6,m,") && bom.output.contains("total,,,,,,,EUR,95.20"))
        }
    }

    @Test("refuses to replace a draft without --force; a script must name the licence; bad values are usage errors")
    func refusals() throws {
        try withTempDirectory("new") { folder throws in
            let home = folder.file("home"), dir = try Self.makeFolder(folder)
            let noLicense = runCLI(["new", dir], home: home)
            #expect(noLicense.status == ExitCode.usage && noLicense.error.contains("--license"))
            #expect(!FileSystem.exists(dir + "/allmende.json"))
            #expect(runCLI(["new", dir, "--license", "GPL3"], home: home).status == ExitCode.usage)
            #expect(runCLI(["new", dir, "--license", "CC-BY-4.0", "--category", "bikes"], home: home).status == ExitCode.usage)
            #expect(runCLI(["new", dir, "--license", "CC-BY-4.0"], home: home).status == 0)
            let again = runCLI(["new", dir, "--license", "CC-BY-4.0"], home: home)
            #expect(again.status == ExitCode.failure && again.error.contains("--force"))
            #expect(runCLI(["new", dir, "--license", "CERN-OHL-W-2.0", "--force"], home: home).status == 0)
            #expect(try PackageDraft(parsing: try FileSystem.readFile(dir + "/allmende.json")).info.license.description == "CERN-OHL-W-2.0")
        }
    }

    @Test("on a terminal it asks for title, summary, category, licence (by number) and licensor")
    func interactive() throws {
        try withTempDirectory("new") { folder throws in
            let dir = try Self.makeFolder(folder)
            let command = "'\(Repository.allmendeBinary)' --home '\(folder.file("home"))' new '\(dir)'"
            let answers = "My trailer\nA trailer for cargo bikes.\nmobility\n3\nTest Lab\n"
            let run = try ProcessRunner.run("script", ["-qec", command, "/dev/null"], input: Array(answers.utf8))
            #expect(run.status == 0, "\(run.standardOutput)")
            let draft = try PackageDraft(parsing: try FileSystem.readFile(dir + "/allmende.json"))
            #expect(draft.info.title == "My trailer" && draft.info.summary == "A trailer for cargo bikes.")
            #expect(draft.info.category == .mobility && draft.info.license.description == "CERN-OHL-P-2.0")
            #expect(draft.info.licensors.map(\.name) == ["Test Lab"])
        }
    }
}

@Suite("Progress on a terminal")
struct PublishProgressTests {
    @Test("publish draws a progress bar on a terminal, erasing each line before drawing it and clearing it at the end")
    func publishProgress() throws {
        try withTempDirectory("progress") { folder throws in
            let dir = try NewCommandTests.makeFolder(folder)
            _ = try folder.write("cargo-bike-trailer/frame.step", pseudoRandomBytes(count: 8 << 20, seed: 3))
            let home = folder.file("home")
            #expect(runCLI(["new", dir, "--license", "CERN-OHL-S-2.0"], home: home).status == 0)
            let command = "'\(Repository.allmendeBinary)' --home '\(home)' publish '\(dir)'"
            let run = try ProcessRunner.run("script", ["-qec", command, "/dev/null"])
            #expect(run.status == 0, "\(run.standardOutput)")
            // The bar: erase-line, the label, a bar with the total; the last thing before the result is an erase.
            #expect(run.standardOutput.contains("\r\u{1B}[Kpublish  ["))
            #expect(run.standardOutput.contains("/ 8.0 MiB"))
            #expect(run.standardOutput.range(of: "\r\u{1B}[K", options: .backwards).map { run.standardOutput[$0.upperBound...].contains("published") } == true)
            // Not a terminal: no bar at all.
            let plain = runCLI(["publish", dir], home: folder.file("other-home"))
            #expect(plain.status == 0 && !plain.error.contains("\u{1B}"))
        }
    }
}

@Suite("publish --check")
struct PublishCheckTests {
    @Test("reports every problem with file:line:column, stores nothing, exit 1; a good folder is ready, exit 0")
    func check() throws {
        try withTempDirectory("check") { folder throws in
            let home = folder.file("home"), dir = try NewCommandTests.makeFolder(folder)
            _ = try folder.write("cargo-bike-trailer/allmende.json", text: DraftFixtures.broken)
            let run = runCLI(["publish", "--check", dir], home: home)
            #expect(run.status == ExitCode.failure)
            let lines = run.output.split(separator: "\n").map(String.init)
            #expect(lines.count == 5)
            #expect(lines.first == "\(dir)/allmende.json:5:3: category: 'bikes' is not one of: building, furniture, energy, water, food-agriculture, electronics, tools-machines, mobility, health-assistive, textiles, science-lab, household, education, other")
            #expect(lines.contains { $0.hasPrefix("\(dir)/allmende.json:10:59: bom[0].price: unknown field; did you mean 'unitCost'?") })
            #expect(runCLI(["ls", "--json"], home: home).output.trimmingCharacters(in: .whitespacesAndNewlines) == "[]")
            // A file the draft describes that is not there: found after the fields are right.
            #expect(runCLI(["new", dir, "--license", "CERN-OHL-S-2.0", "--force"], home: home).status == 0)
            let ready = runCLI(["publish", "--check", dir, "--json"], home: home)
            #expect(ready.status == 0)
            #expect(try JSONParser.parse(Array(ready.output.utf8))["ready"]?.boolValue == true)
            try FileSystem.removeFile(dir + "/hitch.model")
            let lacking = runCLI(["publish", "--check", dir], home: home)
            #expect(lacking.status == ExitCode.failure && lacking.output.contains("'hitch.model'"))
        }
    }

    @Test("a bom.csv the draft's bill of materials does not carry is warned about (--json), not refused")
    func unusedBOMSheet() throws {
        try withTempDirectory("check-bom") { folder throws in
            let home = folder.file("home"), dir = try NewCommandTests.makeFolder(folder)
            #expect(runCLI(["new", dir, "--license", "CERN-OHL-S-2.0"], home: home).status == 0)
            let quiet = try JSONParser.parse(Array(runCLI(["publish", "--check", dir, "--json"], home: home).output.utf8))
            #expect(quiet["warnings"]?.arrayValue?.isEmpty == true)
            // The sheet arrives after the draft was written: its rows are not in "bom".
            _ = try folder.write("cargo-bike-trailer/bom.csv", text: "item,quantity,unit\nM8 bolt,12,pcs\n")
            let run = try JSONParser.parse(Array(runCLI(["publish", "--check", dir, "--json"], home: home).output.utf8))
            #expect(run["ready"]?.boolValue == true)
            let warnings = run["warnings"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(warnings.contains { $0.hasPrefix("bom.csv is in the folder") }, "\(warnings)")
        }
    }
}


@Suite("A package known only from the catalog")
struct CatalogOnlyTests {
    @Test("show prints its signed summary marked not fetched (text and JSON); bom says to fetch it first")
    func showAndBom() throws {
        try withTempDirectory("catalog-only") { folder throws in
            let publisher = try PackageStore(home: NodeHome(path: folder.file("publisher")))
            let result = try publisher.publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                               as: LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil),
                                               options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            let home = folder.file("maker")
            let maker = try PackageStore(home: NodeHome(path: home))
            _ = try maker.catalog.append(entryBytes: try #require(publisher.catalog.entryBytes(result.statementID)),
                                         seenAt: Timestamp(secondsSinceEpoch: 1_790_000_000))
            let prefix = String(result.packageID.hex.prefix(8))
            let text = runCLI(["show", prefix], home: home)
            #expect(text.status == 0)
            #expect(text.output.contains("not fetched") && text.output.contains(result.manifest.info.title))
            let json = try JSONParser.parse(Array(runCLI(["show", prefix, "--json"], home: home).output.utf8))
            #expect(json["fetched"]?.boolValue == false)
            #expect(json["summary"]?["title"]?.stringValue == result.manifest.info.title)
            let bom = runCLI(["bom", prefix], home: home)
            #expect(bom.status == ExitCode.failure && bom.error.contains("allmende fetch"))
        }
    }
}
