// HoldersCommandTests.swift: `holders ID` and the "held by" counts of show, search and ls, read from the holder
// table a daemon saved in the home folder.

import AllmendeCLI
import AllmendeCrypto
import AllmendeNode
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("holders and held-by counts")
struct HoldersCommandTests {
    static func state(_ key: Ed25519PrivateKey, _ ids: [ContentID], time: Int64, lifetime: Int64) -> HolderUpdate {
        let sorted = ids.sorted()
        return HolderUpdate(node: NodeID(publicKey: key.publicKey), seq: 1, time: time, expires: time + lifetime, count: sorted.count,
                            digest: ContentID.setDigest(sorted), signature: Array(repeating: 0, count: 64), base: 0, added: sorted, removed: [])
    }

    @Test("holders lists the nodes whose unexpired holdings name the package; show, search and ls count them; a damaged table is a clear error")
    func holdersAndCounts() throws {
        try withTempDirectory("holders-cli") { folder throws in
            let home = folder.file("home")
            let published = runCLI(["publish", Repository.root + "/Examples/packages/timber-wall-block", "--json"], home: home)
            let id = try ContentID(parsing: try JSONParser.parse(Array(published.output.utf8))["package"]?.stringValue ?? "")
            let other = try ContentID(parsing: String(repeating: "ab", count: 32))
            let (a, b, gone) = (try Ed25519PrivateKey(), try Ed25519PrivateKey(), try Ed25519PrivateKey())
            let now = Int64(Date().timeIntervalSince1970)
            let states = [Self.state(a, [id, other], time: now - 60, lifetime: 3600), Self.state(b, [id], time: now - 10, lifetime: 3600),
                          Self.state(gone, [id], time: now - 7200, lifetime: 3600)]
            try FileSystem.writeAtomically(HolderTableCodec.encode(states), to: HolderFile.path(NodeHome(path: home)))

            let listed = try JSONParser.parse(Array(runCLI(["holders", id.hex.prefix(8).description, "--json"], home: home).output.utf8))
            #expect(listed["holders"]?.numberValue == 2 && listed["storedHere"]?.boolValue == true)
            let nodes = listed["nodes"]?.arrayValue ?? []
            #expect(nodes.compactMap { $0["node"]?.stringValue } == [NodeID(publicKey: b.publicKey).text, NodeID(publicKey: a.publicKey).text],
                    "freshest first; the expired holder is not counted")
            #expect(nodes.first?["packages"]?.numberValue == 1 && nodes.last?["packages"]?.numberValue == 2)
            let text = runCLI(["holders", id.hex], home: home)
            #expect(text.status == 0 && text.output.contains(NodeID(publicKey: a.publicKey).text))

            let search = try JSONParser.parse(Array(runCLI(["search", "--json"], home: home).output.utf8)).arrayValue ?? []
            #expect(search.first?["holders"]?.numberValue == 2)
            let ls = try JSONParser.parse(Array(runCLI(["ls", "--json"], home: home).output.utf8)).arrayValue ?? []
            #expect(ls.first?["holders"]?.numberValue == 2)
            let show = try JSONParser.parse(Array(runCLI(["show", id.hex, "--json"], home: home).output.utf8))
            #expect(show["holders"]?.numberValue == 2)

            // A package nobody holds: an empty list and a hint (exit 0); a malformed ID is a usage error.
            _ = runCLI(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate"], home: home)
            let plate = try JSONParser.parse(Array(runCLI(["search", "fuel", "--json"], home: home).output.utf8)).arrayValue?.first?["package"]?.stringValue ?? ""
            #expect(try JSONParser.parse(Array(runCLI(["holders", plate, "--json"], home: home).output.utf8))["holders"]?.numberValue == 0)
            #expect(runCLI(["holders", "zz"], home: home).status == ExitCode.usage)

            // One flipped bit in the saved table: `holders` says it is damaged (exit 1); search still works, without counts.
            var bytes = try FileSystem.readFile(HolderFile.path(NodeHome(path: home)))
            bytes[bytes.count / 2] ^= 0x10
            try FileSystem.writeAtomically(bytes, to: HolderFile.path(NodeHome(path: home)))
            let damaged = runCLI(["holders", id.hex, "--json"], home: home)
            #expect(damaged.status == ExitCode.failure && (try? JSONParser.parse(Array(damaged.error.utf8)))?["error"] != nil)
            let after = try JSONParser.parse(Array(runCLI(["search", "timber", "--json"], home: home).output.utf8)).arrayValue ?? []
            #expect(after.first?["holders"]?.numberValue == 0)
        }
    }

    @Test("fetch --wait takes 30s, 10m, 2h up to 7d; anything else is a usage error before any daemon is asked")
    func waitDurations() throws {
        try withTempDirectory("fetch-wait") { folder throws in
            let home = folder.file("home")
            let id = String(repeating: "ab", count: 32)
            for bad in ["ten", "-5", "10x", "8d", "", "99999999999999999999s", "٣s"] {
                let run = runCLI(["fetch", id, "--wait", bad], home: home)
                #expect(run.status == ExitCode.usage && run.error.contains("--wait"), "--wait \(bad): \(run.error)")
            }
            // A good duration gets past parsing: without a daemon it fails for that reason (exit 1), not as usage.
            #expect(runCLI(["fetch", id, "--wait", "30s"], home: home).status == ExitCode.failure)
        }
    }
}
