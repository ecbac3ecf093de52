// CatalogDamageTests.swift: flipped bits in the catalog, seen through the CLI: read-only commands write nothing,
// fsck reports the damage with exit 3, --repair moves it aside and exits 0.

import AllmendeCLI
import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI on a damaged catalog")
struct CatalogDamageTests {
    @Test("read-only commands leave a damaged catalog untouched; fsck exits 3 naming the damage; --repair cleans it")
    func damagedCatalog() throws {
        try withTempDirectory("cli-catalog") { folder throws in
            let home = folder.file("home")
            #expect(runCLI(["init"], home: home).status == ExitCode.success)
            let key = try Ed25519PrivateKey()
            let path = home + "/catalog"
            let log = try CatalogLog(path: path)
            for number in 0..<50 {
                try log.append(try SignedStatement.sign(
                    Statement(kind: .attest, package: SHA256Hasher.hash([UInt8(number), 9]), identity: NodeID(publicKey: key.publicKey),
                              time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), note: "build report \(number)"),
                    with: key, delegation: nil))
            }
            let size = try FileSystem.size(of: path)
            for flip in bitFlips(count: 20, size: size, seed: 5) { try flipBit(flip.bit, at: flip.offset, in: path) }
            let damaged = try FileSystem.readFile(path)
            for command in [["search"], ["ls"], ["search", "--json"]] {
                #expect(runCLI(command, home: home).status == ExitCode.success)
                #expect(try FileSystem.readFile(path) == damaged, "\(command) wrote to the catalog")
            }
            let kept = try CatalogLog(path: path).ids

            let fsck = runCLI(["fsck", "--json"], home: home)
            #expect(fsck.status == ExitCode.damage)
            let report = try JSONParser.parse(fsck.output)
            let damage = try #require(report["catalogDamage"]?.arrayValue)
            #expect(!damage.isEmpty)
            #expect(report["catalogEntries"]?.numberValue == Double(kept.count))
            #expect(try FileSystem.readFile(path) == damaged, "fsck without --repair keeps the damaged bytes in place")

            let repair = runCLI(["fsck", "--repair", "--json"], home: home)
            #expect(repair.status == ExitCode.success)
            #expect(try CatalogLog(path: path).ids == kept)
            #expect(try CatalogLog(path: path).damage.isEmpty)
            #expect(try !FileSystem.contentsOfDirectory(home + "/store/quarantine").isEmpty)
            #expect(runCLI(["fsck"], home: home).status == ExitCode.success)
        }
    }
}
