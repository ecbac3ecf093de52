// BundleTests.swift: offline bundles through the CLI — the three examples and a 1 GiB package between two fresh homes
// with no network; a bundle cut short or with one flipped byte imports nothing and names the problem; a backup
// restores the catalog; an incremental bundle for a node holds only what it lacked.

import AllmendeCLI
import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Bundles", .serialized)
struct BundleTests {
    static let key = Repository.root + "/Examples/keys/demo-lab.pem"

    static func json(_ run: CLIRun) throws -> JSONValue { try JSONParser.parse(run.status == 0 ? run.output : run.error) }

    /// A home with the three examples published.
    static func examplesHome(_ folder: TempDirectory) throws -> (home: String, ids: [String]) {
        let home = folder.file("source")
        var ids: [String] = []
        for name in ["timber-wall-block", "pem-fuel-cell-end-plate", "garden-studio-plan"] {
            let run = runCLI(["publish", Repository.root + "/Examples/packages/" + name, "--key", key], home: home)
            try #require(run.status == 0, "\(run.error)")
            ids.append(run.output.trimmingCharacters(in: .whitespacesAndNewlines))
        }
        return (home, ids)
    }

    /// What a home holds: stored packages, blobs and catalog entries.
    static func contents(_ home: String) throws -> (packages: Set<String>, blobs: Int, catalog: Int) {
        let packages = try json(runCLI(["ls", "--json"], home: home)).arrayValue?.compactMap { $0["package"]?.stringValue } ?? []
        let blobs = runCLI(["store", "ls"], home: home).output.split(separator: "\n").count
        let catalog = try json(runCLI(["search", "--all-versions", "--json"], home: home)).arrayValue?.count ?? 0
        return (Set(packages), blobs, catalog)
    }

    @Test("the three examples: create, verify, import into a fresh home; verify passes there; importing again adds nothing")
    func examplesRoundTrip() throws {
        try withTempDirectory("bundle-examples") { folder throws in
            let (home, ids) = try Self.examplesHome(folder)
            let file = folder.file("examples.amb")
            let created = try Self.json(runCLI(["bundle", "create", "--to", file, "--all", "--json"], home: home))
            #expect(Set(created["packages"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(ids))
            let target = folder.file("target")
            #expect(try Self.json(runCLI(["bundle", "verify", file, "--json"], home: target))["intact"] == true)
            #expect(try Self.contents(target).blobs == 0)
            let imported = try Self.json(runCLI(["bundle", "import", file, "--json"], home: target))
            #expect(imported["newStatements"]?.numberValue == 3)
            #expect(try Self.contents(target).packages == Set(ids))
            for id in ids { #expect(runCLI(["verify", id], home: target).status == 0) }
            #expect(try Self.json(runCLI(["bundle", "import", file, "--json"], home: target))["newStatements"]?.numberValue == 0)
            // By ID, by tag: only those.
            let one = try Self.json(runCLI(["bundle", "create", "--to", folder.file("one.amb"), String(ids[1].prefix(8)), "--json"], home: home))
            #expect(one["packages"]?.arrayValue?.compactMap(\.stringValue) == [ids[1]])
            #expect(runCLI(["bundle", "create", "--to", folder.file("none.amb")], home: home).status == ExitCode.usage)
            // An existing file is replaced only with --force.
            #expect(runCLI(["bundle", "create", "--to", file, "--all"], home: home).status == ExitCode.failure)
            #expect(runCLI(["bundle", "create", "--to", file, "--all", "--force"], home: home).status == 0)
            // An independent reader (Python, standard library) agrees with the layout and every digest.
            let checked = try ProcessRunner.run("python3", [Repository.root + "/Scripts/check-bundle.py", file])
            #expect(checked.status == 0, "\(checked.standardError)")
            #expect(try JSONParser.parse(checked.standardOutput)["records"]?["statement"]?.numberValue == 3)
        }
    }

    @Test("a blob damaged in the store fails bundle create, naming it, and leaves no file")
    func damagedStore() throws {
        try withTempDirectory("bundle-damaged-store") { folder throws in
            let (home, ids) = try Self.examplesHome(folder)
            let store = try PackageStore(home: NodeHome(path: home))
            let file = try #require(try store.manifest(try ContentID(parsing: ids[1])).files.max { $0.size < $1.size })
            let path = store.blobs.path(of: file.sha256)
            var bytes = try FileSystem.readFile(path)
            bytes[bytes.count / 2] ^= 0x01
            _ = chmod(path, 0o644)
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            let run = runCLI(["bundle", "create", "--to", folder.file("out.amb"), ids[1], "--json"], home: home)
            #expect(run.status == ExitCode.damage)
            #expect(try Self.json(run)["error"]?.stringValue?.contains(file.sha256.hex) == true)
            #expect(try FileSystem.contentsOfDirectory(folder.path).filter { $0.hasSuffix(".amb") || $0.hasPrefix(".tmp-bundle") }.isEmpty)
        }
    }

    @Test("the example bundle in Protocol/vectors verifies and imports in a fresh home")
    func vector() throws {
        try withTempDirectory("bundle-vector") { folder throws in
            let file = Repository.root + "/Protocol/vectors/bundle-examples.amb"
            let verified = try Self.json(runCLI(["bundle", "verify", file, "--json"], home: folder.file("home")))
            let expected = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Examples/packages/expected-ids.json"))))
            guard case let .object(packages)? = expected["packages"] else { Issue.record("no expected IDs"); return }
            let ids = Set(packages.values.compactMap(\.stringValue))
            #expect(Set(verified["packages"]?.arrayValue?.compactMap(\.stringValue) ?? []) == ids && verified["statements"]?.numberValue == 4)
            #expect(try Self.json(runCLI(["bundle", "import", file, "--json"], home: folder.file("home")))["newStatements"]?.numberValue == 4)
            #expect(try Self.contents(folder.file("home")).packages == ids)
        }
    }

    @Test("cut short at 20 points or one byte flipped at 20 offsets: nothing is imported, exit 3 names the problem")
    func damageImportsNothing() throws {
        try withTempDirectory("bundle-damage") { folder throws in
            let (home, _) = try Self.examplesHome(folder)
            #expect(runCLI(["attest", "98bbd6", "--note", "built", "--key", Self.key], home: home).status == 0)
            let file = folder.file("good.amb")
            #expect(runCLI(["bundle", "create", "--to", file, "--all"], home: home).status == 0)
            let good = Array(try Data(contentsOf: URL(fileURLWithPath: file)))
            var state: UInt64 = 0x9E37_79B9_7F4A_7C15
            func next(_ bound: Int) -> Int {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return Int((state >> 33) % UInt64(bound))
            }
            var damaged: [(String, [UInt8])] = []
            for _ in 0..<20 { let cut = next(good.count); damaged.append(("cut at \(cut)", Array(good.prefix(cut)))) }
            for _ in 0..<20 {
                var copy = good
                let offset = next(good.count)
                copy[offset] ^= UInt8(1 + next(255))
                damaged.append(("flip at \(offset)", copy))
            }
            let target = folder.file("target")
            for (what, bytes) in damaged {
                let path = folder.file("damaged.amb")
                try Data(bytes).write(to: URL(fileURLWithPath: path))
                for command in ["verify", "import"] {
                    let run = runCLI(["bundle", command, path, "--json"], home: target)
                    #expect(run.status == ExitCode.damage, "\(what): \(command) exit \(run.status)")
                    let message = try Self.json(run)["error"]?.stringValue ?? ""
                    #expect(message.contains("byte") || message.contains("AMBUNDLE"), "\(what): \(message)")
                }
                let left = try Self.contents(target)
                #expect(left.packages.isEmpty && left.blobs == 0 && left.catalog == 0, "\(what) left \(left)")
            }
        }
    }

    @Test("a 1 GiB package travels between two fresh homes by bundle, intact")
    func largePackage() throws {
        try withTempDirectory("bundle-large") { folder throws in
            let source = folder.file("source")
            _ = try folder.write("big/allmende.json", text: """
                {"title": "Timber frame scan", "version": "1.0.0", "summary": "A point cloud", "category": "building", "license": "CC-BY-4.0",
                 "licensors": [{"name": "Lab"}], "documentationLanguage": ["en"], "created": "2026-01-01T00:00:00Z"}
                """)
            // 1 GiB of pseudo-random bytes, written in 16 MiB pieces.
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: try folder.write("big/scan.ply", [])))
            for piece in 0..<64 { handle.write(Data(pseudoRandomBytes(count: 16 << 20, seed: UInt64(piece + 1)))) }
            try handle.close()
            let published = try runBinary(["publish", folder.file("big"), "--key", Self.key], home: source)
            try #require(published.status == 0, "\(published.standardError)")
            let id = published.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let file = folder.file("big.amb")
            #expect(try runBinary(["bundle", "create", "--to", file, id], home: source).status == 0)
            try? FileManager.default.removeItem(atPath: folder.file("big"))
            let target = folder.file("target")
            let imported = try runBinary(["bundle", "import", file, "--json"], home: target)
            #expect(imported.status == 0, "\(imported.standardError)")
            #expect(try runBinary(["verify", id], home: target).status == 0)
        }
    }

    @Test("a backup (--all) restores stored packages and catalog entries about packages not stored; --for leaves out what the other node holds")
    func backupAndIncremental() throws {
        try withTempDirectory("bundle-incremental") { folder throws in
            let (labA, ids) = try Self.examplesHome(folder)
            #expect(runCLI(["init"], home: labA).status == 0)
            // Lab B holds the wall block (from a first bundle) and runs a node that A's node hears from.
            let labB = folder.file("lab-b")
            #expect(runCLI(["init"], home: labB).status == 0)
            #expect(runCLI(["bundle", "create", "--to", folder.file("first.amb"), ids[0]], home: labA).status == 0)
            #expect(runCLI(["bundle", "import", folder.file("first.amb")], home: labB).status == 0)
            let nodeA = try DaemonProcess(home: labA)
            defer { nodeA.stop() }
            let portA = Int(try nodeA.status()["listenPort"]?.numberValue ?? 0)
            let idA = try JSONParser.parse(runCLI(["id", "--json"], home: labA).output)["nodeID"]?.stringValue ?? ""
            #expect(runCLI(["peers", "add", "127.0.0.1:\(portA)", idA], home: labB).status == 0)
            let nodeB = try DaemonProcess(home: labB, arguments: ["--listen", "127.0.0.2:0"])
            defer { nodeB.stop() }
            let idB = try JSONParser.parse(runCLI(["id", "--json"], home: labB).output)["nodeID"]?.stringValue ?? ""
            #expect(try nodeA.waitFor({ ($0["holderNodes"]?.numberValue ?? 0) >= 2 }, timeout: .seconds(60)), "A never heard B's holdings")
            nodeA.stop()
            let incremental = try Self.json(runCLI(["bundle", "create", "--to", folder.file("for-b.amb"), "--all", "--for", idB, "--json"], home: labA))
            #expect(Set(incremental["packages"]?.arrayValue?.compactMap(\.stringValue) ?? []) == Set(ids.dropFirst()))
            #expect(incremental["leftOut"]?.arrayValue?.compactMap { $0["package"]?.stringValue } == [ids[0]])
            // A backup restores the catalog too: an entry about a package A never stored.
            #expect(runCLI(["rm", ids[2]], home: labA).status == 0)
            #expect(runCLI(["bundle", "create", "--to", folder.file("backup.amb"), "--all"], home: labA).status == 0)
            let restored = folder.file("restored")
            #expect(runCLI(["bundle", "import", folder.file("backup.amb")], home: restored).status == 0)
            let contents = try Self.contents(restored)
            #expect(contents.packages == Set(ids.prefix(2)) && contents.catalog == 3)
        }
    }
}
