// FetchPartsTests.swift: fetching a design whose bill of materials names sub-assembly packages gets those too,
// so `bom` works right after `fetch` (real daemons on 127.0.0.1).

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Fetch with sub-assemblies", .serialized)
struct FetchPartsTests {
    @Test("fetch gets the sub-assemblies the BOM names, bom works at once; --no-parts leaves them")
    func subAssemblies() throws {
        try withTempDirectory("fetch-parts") { folder throws in
            let seedHome = folder.file("seed")
            let key = Repository.root + "/Examples/keys/demo-lab.pem"
            #expect(try runBinary(["init"], home: seedHome).status == 0)
            let block = try runBinary(["publish", Repository.root + "/Examples/packages/timber-wall-block", "--key", key], home: seedHome)
            let garden = try runBinary(["publish", Repository.root + "/Examples/packages/garden-studio-plan", "--key", key], home: seedHome)
            try #require(block.status == 0 && garden.status == 0)
            let blockID = block.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let gardenID = garden.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let seedID = try runBinary(["id"], home: seedHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let seed = try DaemonProcess(home: seedHome)
            defer { seed.stop() }
            let port = Int(try seed.status()["listenPort"]?.numberValue ?? 0)

            for (name, parts) in [("with-parts", true), ("without-parts", false)] {
                let home = folder.file(name)
                #expect(try runBinary(["peers", "add", "127.0.0.1:\(port)", seedID], home: home).status == 0)
                let fetcher = try DaemonProcess(home: home)
                defer { fetcher.stop() }
                #expect(try fetcher.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
                let fetched = try runBinary(["fetch", gardenID, "--json"] + (parts ? [] : ["--no-parts"]), home: home)
                #expect(fetched.status == 0, "\(fetched.standardError)")
                let report = try JSONParser.parse(fetched.standardOutput)
                #expect(report["parts"]?.arrayValue?.compactMap(\.stringValue) == (parts ? [blockID] : []))
                #expect(try runBinary(["bom", gardenID, "--count", "2"], home: home).status == (parts ? 0 : 1))
            }
        }
    }
}
