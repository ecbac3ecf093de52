// CatalogCrashTests.swift: kill -9 during a burst of catalog writes loses nothing that was accepted.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Catalog crash safety")
struct CatalogCrashTests {
    @Test("kill -9 during a burst of attest writes: every accepted entry survives, no corrupt record is read")
    func killDuringBurst() throws {
        try withTempDirectory("crash") { folder throws in
            let home = folder.file("home")
            let published = try runBinary(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate",
                                           "--key", Repository.root + "/Examples/keys/demo-lab.pem"], home: home)
            try #require(published.status == 0)
            let package = published.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            let accepted = folder.file("accepted.txt")
            // A burst of writers, each printing the statement ID only after its entry is durably in the catalog.
            let script = "for i in $(seq 1 400); do \"$0\" --home \"$1\" attest \"$2\" --note \"build report $i\" >> \"$3\" || exit 1; done"
            let burst = Process()
            burst.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
            burst.arguments = ["sh", "-c", script, Repository.allmendeBinary, home, package, accepted]
            burst.standardOutput = FileHandle.nullDevice
            burst.standardError = FileHandle.nullDevice
            try burst.run()
            let deadline = ContinuousClock.now + .seconds(60)
            var lines = 0
            while lines < 10 && ContinuousClock.now < deadline {
                lines = ((try? String(contentsOfFile: accepted, encoding: .utf8)) ?? "").split(separator: "\n").count
                usleep(20_000)
            }
            kill(-burst.processIdentifier, SIGKILL)   // the whole group: the shell and the writer in mid-flight
            burst.waitUntilExit()
            let ids = ((try? String(contentsOfFile: accepted, encoding: .utf8)) ?? "").split(separator: "\n")
                .compactMap { try? ContentID(parsing: String($0)) }
            #expect(ids.count >= 10)
            let catalog = try CatalogLog(path: home + "/catalog")
            let stored = Set(catalog.ids)
            for id in ids { #expect(stored.contains(id), "accepted entry \(id.shortHex()) was lost") }
            let entries = try catalog.entries()
            #expect(entries.count == catalog.count)
            #expect(catalog.count >= ids.count + 1)   // the publish statement too
            for entry in entries { #expect(throws: Never.self) { try entry.verify() } }
            #expect(try runBinary(["verify", package], home: home).status == 0)
        }
    }
}
