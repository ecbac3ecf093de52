// PackageCommandTests.swift: publish, show, verify, export, bom, okh, attest, retract and lab through the CLI.

import AllmendeCLI
import AllmendeCrypto
import CanonicalJSON
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("CLI package commands")
struct PackageCommandTests {
    static let examples = Repository.root + "/Examples/packages/"
    static let demoKey = Repository.root + "/Examples/keys/demo-lab.pem"

    /// Publishes an example with the demo key; returns its ID.
    static func publish(_ name: String, home: String) throws -> String {
        let run = runCLI(["publish", examples + name, "--key", demoKey], home: home)
        try #require(run.status == 0, "\(run.error)")
        return run.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("publish prints the ID on stdout and a summary on stderr; show describes the package")
    func publishAndShow() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            let id = try Self.publish("pem-fuel-cell-end-plate", home: home)
            #expect(try ContentID(parsing: id).hex == id)
            let show = runCLI(["show", String(id.prefix(8))], home: home)
            #expect(show.status == 0)
            for expected in ["EP-50 end plate for a 50 cm2 PEM fuel-cell test stack  3.0.0", "license    CERN-OHL-S-2.0",
                             "SAFETY     Hydrogen is flammable", "cnc/end-plate-50cm2.dxf", "Aluminium plate blank",
                             "publish by publisher"] {
                #expect(show.output.contains(expected), "missing: \(expected)")
            }
            let json = runCLI(["show", id, "--json"], home: home)
            #expect(json.output.contains("\"package\":\"\(id)\""))
            #expect(runCLI(["ls"], home: home).output.contains("EP-50 end plate"))
        }
    }

    @Test("verify passes on an intact package and exits 3 naming the damaged file")
    func verifyExitCodes() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            let id = try Self.publish("timber-wall-block", home: home)
            let ok = runCLI(["verify", id], home: home)
            #expect(ok.status == 0)
            #expect(ok.output.hasPrefix("intact: 8 files"))
            let store = try PackageStore(home: NodeHome(path: home))
            let svg = try #require(try store.manifest(ContentID(parsing: id)).file(at: "drawings/wb-m-assembly.svg"))
            let blob = store.blobs.path(of: svg.sha256)
            chmod(blob, 0o644)
            try FileSystem.writeAtomically(Array("<svg/>".utf8), to: blob, mode: 0o444)
            let bad = runCLI(["verify", id], home: home)
            #expect(bad.status == ExitCode.damage)
            #expect(bad.output.contains("FAILED  drawings/wb-m-assembly.svg: content hashes to"))
        }
    }

    @Test("export writes the files; bom --csv and okh produce their formats")
    func exportBomOKH() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            _ = try Self.publish("timber-wall-block", home: home)
            let garden = try Self.publish("garden-studio-plan", home: home)
            let export = runCLI(["export", garden, "--to", folder.file("out")], home: home)
            #expect(export.status == 0)
            #expect(FileSystem.exists(folder.file("out/drawings/floor-plan.svg")))
            #expect(FileSystem.exists(folder.file("out/BOM.csv")) && FileSystem.exists(folder.file("out/NOTICE")))
            // Run again: identical files are not a conflict; a changed one is, and nothing is written.
            #expect(runCLI(["export", garden, "--to", folder.file("out")], home: home).status == 0)
            try FileSystem.writeAtomically(Array("changed".utf8), to: folder.file("out/drawings/floor-plan.svg"), mode: 0o644)
            let again = runCLI(["export", garden, "--to", folder.file("out")], home: home)
            #expect(again.status == ExitCode.failure)
            #expect(again.error.contains("already exists; use --force to overwrite"))
            // A damaged store: exit 3, and nothing is written.
            let store = try PackageStore(home: NodeHome(path: home))
            let blob = try #require(try store.manifest(try ContentID(parsing: garden)).files.first).sha256
            chmod(store.blobs.path(of: blob), 0o644)
            var bytes = try FileSystem.readFile(store.blobs.path(of: blob))
            bytes[0] ^= 1
            try FileSystem.writeAtomically(bytes, to: store.blobs.path(of: blob), mode: 0o444)
            let damaged = runCLI(["export", garden, "--to", folder.file("fresh")], home: home)
            #expect(damaged.status == ExitCode.damage)
            #expect(!FileSystem.exists(folder.file("fresh/NOTICE")))

            let csv = runCLI(["bom", garden, "--count", "2", "--csv"], home: home)
            #expect(csv.status == 0)
            #expect(csv.output.hasPrefix("item,quantity,unit,"))
            #expect(csv.output.contains("Structural plywood sheet,132,sheet,"))
            #expect(csv.output.contains("\r\n"))
            let german = runCLI(["bom", garden, "--count", "2", "--csv", "--csv-locale", "de"], home: home)
            #expect(german.output.hasPrefix("item;quantity;unit;") && german.output.contains("\r\ntotal;"))
            #expect(runCLI(["bom", garden, "--csv", "--csv-locale", "fr"], home: home).status == ExitCode.usage)
            let table = runCLI(["bom", garden], home: home)
            #expect(table.output.contains("cost: 5242.27 EUR (3 line(s) without a price)"))
            #expect(runCLI(["bom", garden, "--count", "0"], home: home).status == ExitCode.usage)

            let okh = runCLI(["okh", garden], home: home)
            #expect(okh.output.contains("okhv = \"OKH-LOSHv1.0\""))
            #expect(okh.output.contains("license = \"CC-BY-SA-4.0\""))
            #expect(okh.output.contains("[[part]]"))
        }
    }

    @Test("a missing sub-package makes bom explain how to get it")
    func bomMissingSubPackage() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            let garden = try Self.publish("garden-studio-plan", home: home)
            let run = runCLI(["bom", garden], home: home)
            #expect(run.status == ExitCode.failure)
            #expect(run.error.contains("sub-assembly 'WB-M modular timber wall block' (package "))
            #expect(run.error.contains("is not in the local store; fetch it with 'allmende fetch "))
            #expect(runCLI(["bom", garden, "--flat"], home: home).status == 0)
        }
    }

    @Test("attest with a photo, retract with a reason; ls and show flag the retraction")
    func attestAndRetract() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            let id = try Self.publish("pem-fuel-cell-end-plate", home: home)
            let photo = try folder.write("build.jpg", pseudoRandomBytes(count: 5000, seed: 1))
            let attest = runCLI(["attest", id, "--note", "Built two plates at our lab; leak test passed at 0.5 bar.", "--photo", photo], home: home)
            #expect(attest.status == 0, "\(attest.error)")
            #expect(runCLI(["attest", id], home: home).status == ExitCode.usage)
            // Retracting with another key than the publisher's is recorded but does not withdraw.
            let foreign = runCLI(["retract", id, "--reason", "I do not like it"], home: home)
            #expect(foreign.error.contains("you are not the publisher"))
            #expect(!runCLI(["ls"], home: home).output.contains("RETRACTED"))
            let retract = runCLI(["retract", id, "--reason", "end plate cracked in a pressure test", "--key", Self.demoKey], home: home)
            #expect(retract.status == 0)
            #expect(runCLI(["ls"], home: home).output.contains("[RETRACTED]"))
            let show = runCLI(["show", id], home: home)
            #expect(show.output.hasPrefix("RETRACTED on 20"))
            #expect(show.output.contains("end plate cracked in a pressure test"))
            #expect(show.output.contains("attest by"))
            #expect(runCLI(["verify", id], home: home).output.contains("4 statements verified"))
            // A second retraction keeps the first reason visible: both (oldest first; within one second by ID).
            #expect(runCLI(["retract", id, "--reason", "replaced by the 2.0 plate", "--key", Self.demoKey], home: home).status == 0)
            let banner = runCLI(["show", id], home: home).output.split(separator: "\n", omittingEmptySubsequences: false).prefix { !$0.isEmpty }.map(String.init)
            #expect(banner.count == 2 && banner.allSatisfy { $0.hasPrefix("RETRACTED on 20") }, "\(banner)")
            #expect(banner.contains { $0.hasSuffix("end plate cracked in a pressure test") } && banner.contains { $0.hasSuffix("replaced by the 2.0 plate") })
        }
    }

    @Test("search finds packages by text, tag, license and publisher, and flags retractions")
    func search() throws {
        try withTempDirectory("pkg") { folder throws in
            let home = folder.file("home")
            let block = try Self.publish("timber-wall-block", home: home)
            let plate = try Self.publish("pem-fuel-cell-end-plate", home: home)
            _ = try Self.publish("garden-studio-plan", home: home)
            let timber = runCLI(["search", "timber"], home: home)
            #expect(timber.output.split(separator: "\n").count == 2)
            #expect(timber.output.contains(String(block.prefix(12))))
            #expect(runCLI(["search", "--tag", "fuel-cell"], home: home).output.contains(String(plate.prefix(12))))
            let cern = runCLI(["search", "--license", "CERN-OHL-S-2.0 OR MIT", "--json"], home: home)
            #expect(cern.output.contains(plate) && !cern.output.contains(block))
            #expect(runCLI(["search", "--license", "CERN-OHL-S-2"], home: home).status == ExitCode.usage)
            #expect(runCLI(["retract", plate, "--reason", "cracked", "--key", Self.demoKey], home: home).status == 0)
            #expect(runCLI(["search", "plate"], home: home).output.contains("[RETRACTED: cracked]"))
            // A second retraction does not hide the first: both reasons, oldest first.
            #expect(runCLI(["retract", plate, "--reason", "the bolts fail too", "--key", Self.demoKey], home: home).status == 0)
            #expect(runCLI(["search", "plate"], home: home).output.contains("[RETRACTED: cracked; the bolts fail too]"))
            #expect(runCLI(["search", "nothing-like-this"], home: home).error.contains("no package in the catalog matches"))
            let unknown = block.hasPrefix("0000") ? "ffff" : "0000"
            #expect(runCLI(["show", unknown], home: home).error.hasPrefix("error: no package known here starts with '\(unknown)'"))
        }
    }

    @Test("lab init delegates the node key; a delegation made elsewhere is imported; revoked keys stop signing")
    func labIdentity() throws {
        try withTempDirectory("pkg") { folder throws in
            let labHome = folder.file("lab")
            let nodeHome = folder.file("node")
            let initRun = runCLI(["lab", "init", "--json"], home: labHome)
            #expect(initRun.status == 0)
            let lab = try #require(try JSONParser.parse(initRun.output)["lab"]?.stringValue)
            #expect(runCLI(["lab", "show"], home: labHome).output.contains("identity  \(lab)"))
            // A second node gets a delegation signed with the lab key and imports it.
            #expect(runCLI(["init"], home: nodeHome).status == 0)
            let nodeID = runCLI(["id"], home: nodeHome).output.trimmingCharacters(in: .whitespacesAndNewlines)
            let delegation = runCLI(["lab", "delegate", "--device", nodeID, "--label", "second node"], home: labHome)
            #expect(delegation.status == 0)
            try folder.write("delegation.json", text: delegation.output)
            #expect(runCLI(["lab", "import", folder.file("delegation.json")], home: nodeHome).status == 0)
            // The node publishes for the lab.
            try folder.write("pkg/allmende.json", text: """
                {"title": "Test bracket", "version": "0.1.0", "summary": "A bracket", "category": "tools-machines",
                 "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
                 "created": "2026-01-01T00:00:00Z"}
                """)
            try folder.write("pkg/part.stl", text: "solid\n")
            let published = runCLI(["publish", folder.file("pkg"), "--json"], home: nodeHome)
            #expect(published.output.contains("\"publisher\":\"\(lab)\""))
            // Statements show what the lab calls the signing node (its delegation's label).
            let publishedID = try #require(try JSONParser.parse(published.output)["package"]?.stringValue)
            #expect(runCLI(["show", publishedID], home: nodeHome).output.contains("\"second node\""))
            let shown = try JSONParser.parse(runCLI(["show", publishedID, "--json"], home: nodeHome).output)
            #expect(shown["statements"]?.arrayValue?.first?["deviceLabel"]?.stringValue == "second node")
            // The lab revokes the node key; further statements from it are refused.
            let revoke = runCLI(["lab", "revoke", "--device", nodeID, "--reason", "laptop stolen"], home: labHome)
            #expect(revoke.status == 0)
            try folder.write("revocation.json", text: revoke.output)
            #expect(runCLI(["lab", "import", folder.file("revocation.json")], home: nodeHome).output.hasPrefix("recorded the revocation"))
            let package = try #require(try JSONParser.parse(published.output)["package"]?.stringValue)
            let attest = runCLI(["attest", package, "--note", "built it"], home: nodeHome)
            #expect(attest.status == ExitCode.failure)
            #expect(attest.error.contains("was revoked"))
            // A delegation for someone else cannot be imported.
            #expect(runCLI(["lab", "import", folder.file("delegation.json")], home: folder.file("third")).status == ExitCode.failure)
        }
    }
}
