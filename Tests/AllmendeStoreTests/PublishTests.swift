// PublishTests.swift: publishing folders (the Examples and bad ones), verifying, tampering and exporting.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Publishing design packages")
struct PublishTests {
    static let now = Timestamp(parsing: "2026-11-22T12:00:00Z")!
    static var demoKey: Ed25519PrivateKey {
        get throws { try NodeKeyStore.loadPrivateKey(Repository.root + "/Examples/keys/demo-lab.pem") }
    }
    static let minimalDraft = """
        {"title": "Test bracket", "version": "0.1.0", "summary": "A bracket", "category": "tools-machines",
         "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
         "created": "2026-01-01T00:00:00Z"}
        """

    static func expectedIDs() throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Examples/packages/expected-ids.json"))
        let document = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        return document?["packages"] as? [String: String] ?? [:]
    }

    @Test("every example package publishes to its recorded ID, twice, and verifies")
    func examples() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let signer = LabIdentity(deviceKey: try Self.demoKey, delegation: nil)
            let expected = try Self.expectedIDs()
            #expect(expected.count == 3)
            // The block first: the garden studio's BOM refers to it.
            for name in ["timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan"] {
                let path = Repository.root + "/Examples/packages/" + name
                let first = try store.publish(folder: path, as: signer, options: PublishOptions(now: Self.now))
                #expect(first.packageID.hex == expected[name], "\(name) has a new ID; update Examples/packages/expected-ids.json")
                #expect(first.warnings.isEmpty, "\(name): \(first.warnings)")
                let entries = store.catalog.count
                let again = try store.publish(folder: path, as: signer, options: PublishOptions(now: Timestamp(secondsSinceEpoch: Self.now.secondsSinceEpoch + 60)))
                #expect(again.packageID == first.packageID)
                // Publishing the same content again signs nothing new: same statement, no second catalog entry.
                #expect(again.statementID == first.statementID)
                #expect(store.catalog.count == entries)
                let report = try store.verifyPackage(first.packageID)
                #expect(report.isIntact, "\(report.problems)")
                #expect(report.filesChecked == first.manifest.files.count)
            }
            #expect(store.packageIDs().count == 3)
            let garden = try ContentID(parsing: try #require(expected["garden-studio-plan"]))
            let rollup = try BOMRollup(manifest: try store.manifest(garden), packageID: garden, builds: 1, resolve: { try? store.manifest($0) })
            #expect(rollup.lines.contains { $0.line.item == "Structural plywood sheet" && $0.total == DecimalAmount(66) })
        }
    }

    @Test("a publish that fails after storing files removes the blobs it added that no package uses")
    func failedPublishLeavesNoOrphans() throws {
        try withTempDirectory("publish") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let store = try PackageStore(home: home)
            let shared = pseudoRandomBytes(count: 5000, seed: 21)
            try folder.write("a/allmende.json", text: Self.minimalDraft)
            try folder.write("a/common.stl", shared)
            try folder.write("a/a.stl", pseudoRandomBytes(count: 3000, seed: 22))
            let first = try store.publish(folder: folder.file("a"), as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil),
                                          options: PublishOptions(now: Self.now))
            let before = try store.blobs.list()
            // A device key whose lab revoked it: its publish statement is refused after the files are stored.
            let labKey = try Ed25519PrivateKey()
            let device = try Ed25519PrivateKey()
            let deviceID = NodeID(publicKey: device.publicKey)
            let delegation = try Delegation.sign(device: deviceID, validFrom: Timestamp(parsing: "2026-01-01T00:00:00Z")!, label: nil, with: labKey)
            try LabIdentity.saveRevocation(try Revocation.sign(device: deviceID, revokedFrom: Timestamp(parsing: "2026-06-01T00:00:00Z")!,
                                                               reason: "laptop stolen", with: labKey), home: home)
            try folder.write("b/allmende.json", text: Self.minimalDraft)
            try folder.write("b/common.stl", shared)
            try folder.write("b/b.stl", pseudoRandomBytes(count: 4000, seed: 23))
            #expect(throws: StoreError.self) {
                try store.publish(folder: folder.file("b"), as: LabIdentity(deviceKey: device, delegation: delegation), options: PublishOptions(now: Self.now))
            }
            #expect(try store.blobs.list() == before)
            #expect(try store.verifyPackage(first.packageID).isIntact)
        }
    }

    @Test("export writes byte-identical files with manifest and NOTICE, leaves identical files alone, refuses others without force")
    func exportRoundTrip() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let source = Repository.root + "/Examples/packages/pem-fuel-cell-end-plate"
            let result = try store.publish(folder: source, as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil),
                                           options: PublishOptions(now: Self.now))
            let extras = result.manifest.info.bom.isEmpty ? 2 : 3
            let first = try store.export(result.packageID, to: folder.file("out"), force: false)
            #expect(first.written.count == result.manifest.files.count + extras && first.unchanged.isEmpty)
            for file in result.manifest.files {
                #expect(try FileSystem.readFile(folder.file("out/" + file.path.text)) == FileSystem.readFile(source + "/" + file.path.text))
            }
            // The exported manifest is the package: its SHA-256 is the ID. The NOTICE names licence and source.
            #expect(SHA256Hasher.hash(try FileSystem.readFile(folder.file("out/allmende.json"))) == result.packageID)
            let notice = String(decoding: try FileSystem.readFile(folder.file("out/NOTICE")), as: UTF8.self)
            #expect(notice.contains("Licence: \(result.manifest.info.license.description)"))
            #expect(notice.contains("urn:allmende:package:\(result.packageID.hex)"))
            // Run again (an interrupted export): everything is there and identical, nothing is rewritten.
            let again = try store.export(result.packageID, to: folder.file("out"), force: false)
            #expect(again.written.isEmpty && again.unchanged.count == first.written.count)
            // A file with other content is a conflict, and nothing at all is written (the removed NOTICE stays gone).
            try FileSystem.writeAtomically(Array("my notes".utf8), to: folder.file("out/README.md"), mode: 0o644)
            try FileSystem.removeFile(folder.file("out/NOTICE"))
            #expect(throws: StoreError.exportTargetExists(path: folder.file("out/README.md"))) {
                try store.export(result.packageID, to: folder.file("out"), force: false)
            }
            #expect(!FileSystem.exists(folder.file("out/NOTICE")))
            #expect(try store.export(result.packageID, to: folder.file("out"), force: true).written.count == first.written.count)
            // Files only: no manifest, BOM or NOTICE.
            let bare = try store.export(result.packageID, to: folder.file("bare"), force: false, filesOnly: true)
            #expect(bare.written.count == result.manifest.files.count && !FileSystem.exists(folder.file("bare/NOTICE")))
        }
    }

    @Test("export from a damaged store writes nothing and leaves no temporary file")
    func exportDamaged() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let result = try store.publish(folder: Repository.root + "/Examples/packages/pem-fuel-cell-end-plate",
                                           as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil), options: PublishOptions(now: Self.now))
            // Damage the last file in the manifest, so the others would be written first.
            let victim = try #require(result.manifest.files.last)
            let path = store.blobs.path(of: victim.sha256)
            chmod(path, 0o644)
            var bytes = try FileSystem.readFile(path)
            bytes[bytes.count / 2] ^= 0x40
            try FileSystem.writeAtomically(bytes, to: path, mode: 0o444)
            #expect(throws: StoreError.self) { try store.export(result.packageID, to: folder.file("out"), force: false) }
            // Folders may have been made; no file (nor a temporary) is left.
            let left = FileManager.default.enumerator(atPath: folder.file("out"))?.allObjects.compactMap { $0 as? String } ?? []
            #expect(left.allSatisfy { (try? FileSystem.kind(of: folder.file("out/" + $0))) == .directory }, "\(left)")
        }
    }

    @Test("export never writes through a symbolic link out of the target folder")
    func exportSymlink() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let result = try store.publish(folder: Repository.root + "/Examples/packages/pem-fuel-cell-end-plate",
                                           as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil), options: PublishOptions(now: Self.now))
            try FileSystem.makeDirectories(folder.file("out"))
            try FileSystem.makeDirectories(folder.file("elsewhere"))
            #expect(symlink(folder.file("elsewhere"), folder.file("out/docs")) == 0)
            #expect(throws: StoreError.self) { try store.export(result.packageID, to: folder.file("out"), force: true) }
            #expect(try FileSystem.contentsOfDirectory(folder.file("elsewhere")).isEmpty)
        }
    }

    @Test("tampering with a file, the manifest or a statement is caught and named")
    func tampering() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let result = try store.publish(folder: Repository.root + "/Examples/packages/timber-wall-block",
                                           as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil), options: PublishOptions(now: Self.now))
            let dxf = try #require(result.manifest.file(at: "cutting/wb-m-rib.dxf"))
            try FsckTests.flipByte(at: 100, in: store.blobs.path(of: dxf.sha256))
            var report = try store.verifyPackage(result.packageID)
            #expect(report.problems.count == 1)
            #expect(report.problems.first?.hasPrefix("cutting/wb-m-rib.dxf: content hashes to") == true)

            try FsckTests.flipByte(at: 100, in: store.blobs.path(of: dxf.sha256))   // repair it
            try FsckTests.flipByte(at: 0, in: store.blobs.path(of: result.statementID))
            report = try store.verifyPackage(result.packageID)
            #expect(report.problems.contains { $0.hasPrefix("statement \(result.statementID.shortHex())") })
            #expect(report.problems.contains { $0.hasPrefix("no valid publish statement") })

            try FsckTests.flipByte(at: 0, in: store.blobs.path(of: result.statementID))
            try FsckTests.flipByte(at: 40, in: store.blobs.path(of: result.packageID))
            report = try store.verifyPackage(result.packageID)
            #expect(report.problems.first?.hasPrefix("manifest: its bytes hash to") == true)
        }
    }

    /// Publishes a bad folder and checks the message and that the store did not change.
    func refuse(_ message: String, allowNonOpen: Bool = false, _ prepare: (TempDirectory) throws -> Void) throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            try FileSystem.makeDirectories(folder.file("pkg"))
            try prepare(folder)
            let before = try store.blobs.list()
            do {
                _ = try store.publish(folder: folder.file("pkg"), as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil),
                                      options: PublishOptions(now: Self.now, allowNonOpen: allowNonOpen))
                Issue.record("published a bad folder (expected: \(message))")
            } catch {
                #expect("\(error)".contains(message), "message was: \(error)")
                #expect("\(error)".contains("nothing was stored"))
            }
            #expect(try store.blobs.list() == before)
            #expect(store.packageIDs().isEmpty)
        }
    }

    @Test("a symbolic link that leaves the folder is refused")
    func symlinkOut() throws {
        try refuse("symbolic link 'passwd' leads outside the folder") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft)
            try folder.write("pkg/part.stl", text: "solid x\nendsolid x\n")
            #expect(symlink("/etc/passwd", folder.file("pkg/passwd")) == 0)
        }
    }

    @Test("a name that is not UTF-8 is refused")
    func nonUTF8Name() throws {
        try refuse("is not valid UTF-8") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft)
            let name = Array(folder.file("pkg/").utf8) + [0x63, 0x61, 0x66, 0xE9, 0x2E, 0x73, 0x76, 0x67]   // "caf\xE9.svg"
            var cName = name.map { CChar(bitPattern: $0) }
            cName.append(0)
            let descriptor = open(cName, O_WRONLY | O_CREAT, 0o644)
            #expect(descriptor >= 0)
            close(descriptor)
        }
    }

    @Test("'..' and absolute paths in the draft are refused")
    func dotDotInDraft() throws {
        try refuse("contains '..', which could leave the package folder") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(
                of: "\"created\"", with: "\"files\": {\"../../etc/passwd\": {\"role\": \"other\"}}, \"created\""))
            try folder.write("pkg/part.stl", text: "solid x\nendsolid x\n")
        }
        try refuse("is absolute") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(
                of: "\"created\"", with: "\"files\": {\"/etc/passwd\": {\"role\": \"other\"}}, \"created\""))
            try folder.write("pkg/part.stl", text: "solid x\nendsolid x\n")
        }
    }

    @Test("a file name with a backslash is not a valid package path")
    func backslashName() throws {
        try refuse("contains a backslash") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft)
            try folder.write("pkg/cnc\\part.dxf", text: "0\nEOF\n")
        }
    }

    @Test("missing draft, missing or unknown license, and an empty package are refused")
    func draftProblems() throws {
        try refuse("there is no allmende.json draft") { folder in try folder.write("pkg/part.stl", text: "solid\n") }
        try refuse("license: is required") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(of: "\"license\": \"CERN-OHL-P-2.0\",", with: ""))
            try folder.write("pkg/part.stl", text: "solid\n")
        }
        try refuse("unknown license 'CERN-OHL-S-2' — did you mean CERN-OHL-S-2.0?") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(of: "CERN-OHL-P-2.0", with: "CERN-OHL-S-2"))
            try folder.write("pkg/part.stl", text: "solid\n")
        }
        try refuse("an empty package") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft)
            try folder.write("pkg/.hidden", text: "not published")
        }
        // A file the draft describes but the folder lacks is an error, not a package published without it.
        try refuse("describes 'drawings/frame.pdf', which is not in the folder") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(
                of: "\"created\"", with: "\"files\": {\"drawings/frame.pdf\": {\"role\": \"drawing\"}}, \"created\""))
            try folder.write("pkg/part.stl", text: "solid\n")
        }
    }

    @Test("a non-commercial license is refused unless allowed, and then published with a warning")
    func nonOpenLicense() throws {
        try refuse("CC-BY-NC-SA-4.0 forbids commercial use") { folder in
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(of: "CERN-OHL-P-2.0", with: "CC-BY-NC-SA-4.0"))
            try folder.write("pkg/part.stl", text: "solid\n")
        }
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            try folder.write("pkg/allmende.json", text: Self.minimalDraft.replacingOccurrences(of: "CERN-OHL-P-2.0", with: "CC-BY-NC-SA-4.0"))
            try folder.write("pkg/part.stl", text: "solid\n")
            let result = try store.publish(folder: folder.file("pkg"), as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil),
                                           options: PublishOptions(now: Self.now, allowNonOpen: true))
            #expect(result.warnings.contains { $0.hasPrefix("published as NOT open hardware") })
        }
    }

    @Test("ignore rules, hidden files and in-folder links")
    func ignoreRules() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            try folder.write("pkg/allmende.json", text: Self.minimalDraft)
            try folder.write("pkg/.allmendeignore", text: "# build output\n*.bak\n/renders/\n!keep.bak\n")
            try folder.write("pkg/part.stl", text: "solid\n")
            try folder.write("pkg/old.bak", text: "old")
            try folder.write("pkg/sub/keep.bak", text: "keep")
            try folder.write("pkg/renders/a.png", text: "png")
            try folder.write("pkg/.git/config", text: "git")
            #expect(symlink("part.stl", folder.file("pkg/part-link.stl")) == 0)
            let result = try store.publish(folder: folder.file("pkg"), as: LabIdentity(deviceKey: try Self.demoKey, delegation: nil),
                                           options: PublishOptions(now: Self.now))
            #expect(result.manifest.files.map(\.path.text) == ["part-link.stl", "part.stl", "sub/keep.bak"])
        }
    }

    @Test("licences of derivatives: CC-BY-SA parent with a CC-BY child is refused (nothing stored) unless a reason is recorded; CERN-OHL-P → CERN-OHL-S passes; a weakly reciprocal parent warns")
    func derivativeLicences() throws {
        try withTempDirectory("publish") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let signer = LabIdentity(deviceKey: try Self.demoKey, delegation: nil)
            let parent = try store.publish(folder: Repository.root + "/Examples/packages/timber-wall-block", as: signer,
                                           options: PublishOptions(now: Self.now))
            func child(_ name: String, license: String, parent: ContentID, content: String) throws -> String {
                _ = try folder.write("\(name)/allmende.json", text: Self.minimalDraft
                    .replacingOccurrences(of: "CERN-OHL-P-2.0", with: license)
                    .replacingOccurrences(of: "\"created\"", with: "\"derivedFrom\": [{\"package\": \"\(parent.hex)\", \"note\": \"shorter block\"}], \"created\""))
                _ = try folder.write("\(name)/part.stl", text: content)
                return folder.file(name)
            }
            let blobs = try store.blobs.list().count
            let path = try child("by", license: "CC-BY-4.0", parent: parent.packageID, content: "solid by\n")
            #expect {
                try store.publish(folder: path, as: signer, options: PublishOptions(now: Self.now))
            } throws: { error in
                guard case let StoreError.licenseIncompatible(findings) = error else { return false }
                return findings.map(\.parent) == ["CC-BY-SA-4.0"] && findings.allSatisfy { $0.verdict == .incompatible && $0.source.contains("https://") }
            }
            #expect(try store.blobs.list().count == blobs)
            // With a reason: published, and the rule with the reason is in the signed manifest beside the parent.
            var options = PublishOptions(now: Self.now)
            options.allowIncompatible = "the block's licensor relicensed it to us in writing"
            let overridden = try store.publish(folder: path, as: signer, options: options)
            let note = try #require(overridden.manifest.info.derivedFrom.first?.licenseNote)
            #expect(note.contains("relicensed it to us in writing") && note.contains("CC-BY-SA-4.0 → CC-BY-4.0"))
            #expect(try store.manifest(overridden.packageID).info.derivedFrom.first?.licenseNote == note)
            // A share-alike child of the share-alike parent: no licence warning.
            let same = try store.publish(folder: try child("sa", license: "CC-BY-SA-4.0", parent: parent.packageID, content: "solid sa\n"),
                                         as: signer, options: PublishOptions(now: Self.now))
            #expect(same.manifest.info.derivedFrom.first?.licenseNote == nil)
            #expect(!same.warnings.contains { $0.contains("parent") })
            // Permissive parent, strongly reciprocal child: fine.
            let permissive = try store.publish(folder: try child("p", license: "CERN-OHL-P-2.0", parent: parent.packageID, content: "solid p\n"),
                                               as: signer, options: options)
            let strong = try store.publish(folder: try child("s", license: "CERN-OHL-S-2.0", parent: permissive.packageID, content: "solid s\n"),
                                           as: signer, options: PublishOptions(now: Self.now))
            #expect(strong.warnings.isEmpty)
            // Weakly reciprocal parent, permissive child: published with a warning naming the rule's source.
            let weak = try store.publish(folder: try child("w", license: "CERN-OHL-W-2.0", parent: permissive.packageID, content: "solid w\n"),
                                         as: signer, options: PublishOptions(now: Self.now))
            let mit = try store.publish(folder: try child("mit", license: "MIT", parent: weak.packageID, content: "solid mit\n"),
                                        as: signer, options: PublishOptions(now: Self.now))
            #expect(mit.warnings.contains { $0.contains("CERN-OHL-W-2.0") && $0.contains("spdx.org/licenses/CERN-OHL-W-2.0") })
        }
    }
}

@Suite("Drafts as people write them")
struct DraftNormalisingTests {
    @Test("tags are lower-cased; derivedFrom and BOM package prefixes are resolved and stored in full")
    func prefixesAndTags() throws {
        try withTempDirectory("normalise") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let lab = LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil)
            let base = try store.publish(folder: Repository.root + "/Examples/packages/timber-wall-block", as: lab,
                                         options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            let prefix = String(base.packageID.hex.prefix(6))
            _ = try folder.write("wall/allmende.json", text: """
                {"title": "Wall with window", "version": "1.0.0", "summary": "A wall", "category": "building", "tags": ["Timber", "CNC"],
                 "license": "CC-BY-SA-4.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01",
                 "derivedFrom": [{"package": "\(prefix)", "note": "added a window"}],
                 "bom": [{"item": "Wall block", "quantity": "2", "unit": "pcs", "package": "\(prefix)"}]}
                """)
            _ = try folder.write("wall/window.dxf", text: "0\nSECTION\n")
            let wall = try store.publish(folder: folder.file("wall"), as: lab, options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000)))
            #expect(wall.manifest.info.tags == ["timber", "cnc"])
            #expect(wall.manifest.info.derivedFrom.map(\.package) == [base.packageID])
            #expect(wall.manifest.info.bom.compactMap(\.package) == [base.packageID])
            // A prefix that matches nothing stays what it is: refused, naming the field.
            _ = try folder.write("wall/allmende.json", text: """
                {"title": "Wall", "version": "1.0.0", "summary": "A wall", "category": "building", "license": "CC-BY-SA-4.0",
                 "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"], "derivedFrom": [{"package": "ffff0000", "note": "x"}]}
                """)
            #expect(throws: StoreError.self) { try store.publish(folder: folder.file("wall"), as: lab, options: PublishOptions(now: Timestamp(secondsSinceEpoch: 1_790_000_000))) }
        }
    }
}
