// LocalFaultTests.swift: a daemon that cannot write (its file-size limit is below its catalog's size, as a
// full disk would) refuses new entries as a local fault, says so in `status`, and never blames the peer.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Local faults", .serialized)
struct LocalFaultTests {
    @Test("a node that cannot store entries says so in status and keeps the peer that sent them")
    func fullDiskNeverStrikesThePeer() throws {
        try withTempDirectory("local-fault") { folder throws in
            let fullHome = folder.file("full")
            let honestHome = folder.file("honest")
            // The full node's catalog is already larger than the file size its process may write (64 KiB).
            #expect(try runBinary(["init"], home: fullHome).status == 0)
            let key = try Ed25519PrivateKey()
            let log = try CatalogLog(path: fullHome + "/catalog")
            for number in 0..<300 {
                try log.append(try SignedStatement.sign(
                    Statement(kind: .attest, package: SHA256Hasher.hash([UInt8(number % 256), UInt8(number / 256)]),
                              identity: NodeID(publicKey: key.publicKey), time: Timestamp(secondsSinceEpoch: 1_790_000_000), note: "report \(number)"),
                    with: key, delegation: nil))
            }
            #expect(try FileSystem.size(of: fullHome + "/catalog") > 64 << 10)
            let fullProcess = Process()
            fullProcess.executableURL = URL(fileURLWithPath: "/bin/sh")
            fullProcess.arguments = ["-c", "ulimit -f 64; exec \"$0\" --home \"$1\" daemon --listen 127.0.0.1:0", Repository.allmendeBinary, fullHome]
            fullProcess.standardOutput = FileHandle.nullDevice
            fullProcess.standardError = FileHandle.nullDevice
            try fullProcess.run()
            defer {
                kill(fullProcess.processIdentifier, SIGTERM)
                fullProcess.waitUntilExit()
            }
            let full = DaemonStatus(home: fullHome)
            let fullPort = Int(try full.status()["listenPort"]?.numberValue ?? 0)
            let fullID = try runBinary(["id"], home: fullHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)

            let published = try runBinary(["publish", Repository.root + "/Examples/packages/pem-fuel-cell-end-plate",
                                           "--key", Repository.root + "/Examples/keys/demo-lab.pem"], home: honestHome)
            try #require(published.status == 0)
            let package = published.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try runBinary(["peers", "add", "127.0.0.1:\(fullPort)", fullID], home: honestHome).status == 0)
            let honest = try DaemonProcess(home: honestHome)
            defer { honest.stop() }
            #expect(try honest.waitFor { ($0["peers"]?.arrayValue ?? []).contains { $0["state"]?.stringValue == "ready" } })
            let honestID = try runBinary(["id"], home: honestHome).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
            func inboundAddress() throws -> String? {
                (try full.status()["peers"]?.arrayValue ?? []).first { $0["node"]?.stringValue == honestID }?["address"]?.stringValue
            }
            let address = try #require(try inboundAddress())

            // Six valid entries, more than the three strikes that drop a peer sending bad ones.
            for number in 0..<6 {
                #expect(try runBinary(["attest", package, "--note", "built it, round \(number)"], home: honestHome).status == 0)
            }
            #expect(try full.waitFor { $0["storageFault"]?.stringValue != nil })
            // The full node answers in order: once it answered a lookup sent after the entries, it has handled them all.
            #expect(try runBinary(["fetch", String(repeating: "0", count: 64)], home: honestHome).status != 0)
            #expect(try inboundAddress() == address, "the full node dropped the honest peer")
            #expect(try honest.status()["peers"]?.arrayValue?.contains { $0["state"]?.stringValue == "ready" } == true)
            #expect(try full.status()["catalogEntries"]?.numberValue == 300)
        }
    }
}

/// `status --json` of a daemon started some other way.
struct DaemonStatus {
    let home: String

    func status(timeout: Duration = .seconds(15)) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let run = try? runBinary(["status", "--json"], home: home), run.status == 0, let value = try? JSONParser.parse(run.standardOutput) {
                return value
            }
            usleep(50_000)
        }
        throw FetchFailure(message: "daemon for \(home) did not answer")
    }

    func waitFor(_ predicate: (JSONValue) -> Bool, timeout: Duration = .seconds(20)) throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if predicate(try status()) { return true }
            usleep(50_000)
        }
        return false
    }
}
