// RemoveCommandTests.swift: removing a package, collecting unused blobs, and what fsck says about packages
// that lost a file.

import AllmendeCLI
import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Removing packages and blobs")
struct RemoveCommandTests {
    static let key = Repository.root + "/Examples/keys/demo-lab.pem"

    @Test("rm removes a package and the blobs no other package uses; the package stays in the catalog as not stored")
    func removePackage() throws {
        try withTempDirectory("rm") { folder throws in
            let home = folder.file("home")
            let block = runCLI(["publish", Repository.root + "/Examples/packages/timber-wall-block", "--key", Self.key], home: home)
            let plate = runCLI(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate", "--key", Self.key], home: home)
            try #require(block.status == 0 && plate.status == 0)
            let blockID = block.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let plateID = plate.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let before = try PackageStore(home: NodeHome(path: home)).blobs.list().count
            // The fabrication need (a 2440 × 1220 mm sheet) is on the page, stored and (below) known only from the catalog.
            let sheet = "2440 × 1220 mm"
            #expect(runCLI(["show", blockID], home: home).output.contains(sheet))
            let removed = runCLI(["rm", String(blockID.prefix(8)), "--json"], home: home)
            #expect(removed.status == ExitCode.success, "\(removed.error)")
            let report = try JSONParser.parse(removed.output)
            let removedBlobs = report["removedBlobs"]?.arrayValue?.count ?? 0
            #expect(removedBlobs > 1)
            let store = try PackageStore(home: NodeHome(path: home))
            #expect(try store.blobs.list().count == before - removedBlobs)
            #expect(store.packageIDs().map(\.hex) == [plateID])
            #expect(store.catalogListings().contains { $0.package.hex == blockID && !$0.isStored })
            #expect(runCLI(["verify", plateID], home: home).status == ExitCode.success)
            #expect(runCLI(["fsck"], home: home).status == ExitCode.success)
            #expect(runCLI(["rm", blockID], home: home).status == ExitCode.failure)   // only in the catalog now
            #expect(runCLI(["show", blockID], home: home).output.contains(sheet))
        }
    }

    @Test("store rm refuses a blob a package uses unless --force; fsck then names the incomplete package; gc removes only unused blobs")
    func storeRemoveAndCollect() throws {
        try withTempDirectory("gc") { folder throws in
            let home = folder.file("home")
            let plate = runCLI(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate", "--key", Self.key], home: home)
            try #require(plate.status == 0)
            let package = try ContentID(parsing: plate.output.trimmingCharacters(in: .whitespacesAndNewlines))
            let store = try PackageStore(home: NodeHome(path: home))
            let file = try #require(try store.manifest(package).files.first).sha256
            let loose = try folder.write("notes.txt", Array("not part of any package".utf8))
            #expect(runCLI(["store", "add", loose], home: home).status == 0)
            let looseID = SHA256Hasher.hash(Array("not part of any package".utf8))

            let dryRun = runCLI(["gc", "--dry-run", "--json"], home: home)
            #expect(try JSONParser.parse(dryRun.output)["blobs"]?.arrayValue?.compactMap(\.stringValue) == [looseID.hex])
            #expect(store.blobs.has(looseID))
            #expect(runCLI(["gc"], home: home).status == ExitCode.success)
            #expect(!store.blobs.has(looseID))
            #expect(try store.verifyPackage(package).isIntact)

            let refused = runCLI(["store", "rm", file.hex], home: home)
            #expect(refused.status == ExitCode.failure)
            #expect(store.blobs.has(file))
            #expect(runCLI(["store", "rm", file.hex, "--force"], home: home).status == ExitCode.success)
            let fsck = runCLI(["fsck", "--json"], home: home)
            #expect(fsck.status == ExitCode.damage)
            let incomplete = try JSONParser.parse(fsck.output)["incompletePackages"]?.arrayValue ?? []
            #expect(incomplete.first?["package"]?.stringValue == package.hex)
            #expect(incomplete.first?["missing"]?.arrayValue?.compactMap(\.stringValue) == [file.hex])
        }
    }

    @Test("fetch of a package already stored says so without a daemon, also in the urn form okh writes; a malformed ID is exit 2")
    func fetchAlreadyStored() throws {
        try withTempDirectory("fetch-local") { folder throws in
            let home = folder.file("home")
            let plate = runCLI(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate", "--key", Self.key], home: home)
            try #require(plate.status == 0)
            let id = plate.output.trimmingCharacters(in: .whitespacesAndNewlines)
            let fetched = runCLI(["fetch", "urn:allmende:package:" + id, "--json"], home: home)
            #expect(fetched.status == ExitCode.success, "\(fetched.error)")
            #expect(try JSONParser.parse(fetched.output)["alreadyStored"]?.boolValue == true)
            for command in [["show", "zzzz"], ["show", "0"], ["verify", "not-an-id"]] {
                #expect(runCLI(command, home: home).status == ExitCode.usage, "\(command)")
            }
        }
    }

    @Test("a retraction by someone other than the publisher is shown as advisory; the package stays offered")
    func advisoryRetraction() throws {
        try withTempDirectory("advisory") { folder throws in
            let home = folder.file("home")
            let plate = runCLI(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate", "--key", Self.key], home: home)
            try #require(plate.status == 0)
            let id = plate.output.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(runCLI(["init"], home: home).status == ExitCode.success)
            #expect(runCLI(["retract", id, "--reason", "gasket leaks at 2 bar"], home: home).status == ExitCode.success)   // this node's own key
            let shown = try JSONParser.parse(runCLI(["show", id, "--json"], home: home).output)
            let retraction = try #require(shown["statements"]?.arrayValue?.first { $0["kind"]?.stringValue == "retract" })
            #expect(retraction["advisory"] == .bool(true))
            #expect(retraction["byPublisher"] == .bool(false))
            #expect(runCLI(["show", id], home: home).output.contains("advisory retraction (not by the publisher)"))
        }
    }
}
