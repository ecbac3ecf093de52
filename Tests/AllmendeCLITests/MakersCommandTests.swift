// MakersCommandTests.swift: three labs (real daemons on 127.0.0.1–.3) publish their profiles from Examples/labs; a
// fourth node asks `makers` for the timber wall block near Hamburg and gets the right order with reasons, before
// fetching anything. A newer profile replaces the old one, a withdrawn one disappears, and profiles signed by a
// revoked or undelegated key are refused everywhere.

import AllmendeCLI
import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI makers and lab profiles", .serialized)
struct MakersCommandTests {
    static let examples = Repository.root + "/Examples"

    static func output(_ run: ProcessOutput) throws -> String {
        try #require(run.status == 0, "\(run.standardError)")
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The labs `labs --json` lists at `home`, by name.
    static func labNames(_ home: String) throws -> [String] {
        let run = try runBinary(["labs", "--json"], home: home)
        return (try JSONParser.parse(run.standardOutput)["labs"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
    }

    @Test("three labs, a maker near Hamburg: order, reasons, newer and withdrawn profiles, revoked and undelegated keys")
    func threeLabsAndAMaker() throws {
        try withTempDirectory("makers-labs") { folder throws in
            let names = ["fab-lab-altona", "repair-cafe-kreuzberg", "holzbau-manufaktur-lueneburg"]
            let homes = names.map { folder.file($0) }
            let maker = folder.file("maker")
            for home in homes + [maker] { #expect(try runBinary(["init"], home: home).status == 0) }
            func id(_ home: String) throws -> String { try Self.output(try runBinary(["id"], home: home)) }
            // Each lab has a lab identity that delegates its node key; the profile is signed by the node for the lab.
            for (index, home) in homes.enumerated() {
                #expect(try runBinary(["lab", "init", "--label", "workshop node"], home: home).status == 0)
                _ = try Self.output(try runBinary(["lab", "profile", "publish", "--file", "\(Self.examples)/labs/\(names[index]).json"], home: home))
            }
            let design = try Self.output(try runBinary(["publish", "\(Self.examples)/packages/timber-wall-block", "--key", "\(Self.examples)/keys/demo-lab.pem"],
                                                   home: homes[0]))
            var daemons: [DaemonProcess] = []
            defer { for daemon in daemons { daemon.stop() } }
            var ports: [Int] = []
            for (index, home) in homes.enumerated() {
                // The repair café and the manufactory dial the fab lab, so entries also travel between the labs.
                if index > 0 { #expect(try runBinary(["peers", "add", "127.0.0.1:\(ports[0])", try id(homes[0])], home: home).status == 0) }
                daemons.append(try DaemonProcess(home: home, arguments: ["--listen", "127.0.0.\(index + 1):0"]))
                ports.append(Int(try daemons[index].status()["listenPort"]?.numberValue ?? 0))
            }
            // The timber manufactory built the wall block (it knows it from its catalog).
            #expect(try daemons[2].waitFor({ ($0["catalogEntries"]?.numberValue ?? 0) >= 3 }, timeout: .seconds(60)), "Lüneburg did not hear of the design")
            #expect(try runBinary(["attest", String(design.prefix(10)), "--note", "Cut 40 blocks for a housing cooperative."], home: homes[2]).status == 0)
            for (index, home) in homes.enumerated() {
                #expect(try runBinary(["peers", "add", "127.0.0.\(index + 1):\(ports[index])", try id(home)], home: maker).status == 0)
            }
            let makerDaemon = try DaemonProcess(home: maker, arguments: ["--listen", "127.0.0.4:0"])
            daemons.append(makerDaemon)
            // Three profiles, the publish and the attestation.
            #expect(try makerDaemon.waitFor({ ($0["catalogEntries"]?.numberValue ?? 0) >= 5 }, timeout: .seconds(60)), "the maker did not learn the five entries")

            // Who can make the wall block near Hamburg: the lab that built it first, then the nearest; the repair café's
            // desktop router is too small.
            let run = try runBinary(["makers", String(design.prefix(8)), "--near", "Hamburg", "--json"], home: maker)
            let answer = try JSONParser.parse(try Self.output(run))
            let makers = answer["makers"]?.arrayValue ?? []
            #expect(makers.compactMap { $0["name"]?.stringValue } == ["Holzbau-Manufaktur Lüneburg", "Fab Lab Altona"])
            #expect(makers.first?["builds"]?.numberValue == 1)
            let altona = makers.last
            #expect((altona?["distanceKM"]?.numberValue ?? 99) < 10)
            let others = answer["others"]?.arrayValue ?? []
            #expect(others.compactMap { $0["name"]?.stringValue } == ["Reparatur-Café Kreuzberg"])
            let routing = others.first?["needs"]?.arrayValue?.first { $0["process"]?.stringValue == "cnc-routing" }
            #expect(routing?["verdict"]?.stringValue == "missing")
            #expect(routing?["reason"]?.stringValue?.contains("600 × 840 × 140 mm < 2440 × 1220 mm") == true)
            // The same with --explain (every need's verdict in --json); and --within leaves out what is too far.
            #expect(try runBinary(["makers", design, "--near", "Hamburg", "--explain"], home: maker).status == 0)
            let explained = try JSONParser.parse(try Self.output(try runBinary(["makers", design, "--near", "Hamburg", "--explain", "--json"], home: maker)))
            #expect(explained["others"]?.arrayValue?.first?["in"] == .bool(false))
            #expect(explained["others"]?.arrayValue?.first?["needs"]?.arrayValue?.count == 3)
            let near = try JSONParser.parse(try Self.output(try runBinary(["makers", design, "--near", "Hamburg, DE", "--within", "20", "--json"], home: maker)))
            #expect(near["makers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Fab Lab Altona"])
            #expect(try runBinary(["makers", design, "--near", "Hambrug"], home: maker).status == ExitCode.usage)

            // A newer profile replaces the old one on every node.
            let renamed = folder.file("altona-renamed.json")
            let original = try String(contentsOfFile: "\(Self.examples)/labs/fab-lab-altona.json", encoding: .utf8)
            try original.replacingOccurrences(of: "\"Fab Lab Altona\"", with: "\"Fab Lab Altona e.V.\"").write(toFile: renamed, atomically: true, encoding: .utf8)
            // (Profile times are whole seconds: publish signs it a second after the lab's latest if need be.)
            _ = try Self.output(try runBinary(["lab", "profile", "publish", "--file", renamed], home: homes[0]))
            #expect(try makerDaemon.waitFor({ _ in (try? Self.labNames(maker).contains("Fab Lab Altona e.V.")) ?? false }, timeout: .seconds(60)))
            #expect(try Self.labNames(maker).sorted() == ["Fab Lab Altona e.V.", "Holzbau-Manufaktur Lüneburg", "Reparatur-Café Kreuzberg"])
            #expect(try Self.labNames(homes[2]).contains("Fab Lab Altona e.V."))

            // A withdrawn profile disappears.
            _ = try Self.output(try runBinary(["lab", "profile", "retract", "--reason", "the café has closed"], home: homes[1]))
            #expect(try makerDaemon.waitFor({ _ in (try? !Self.labNames(maker).contains("Reparatur-Café Kreuzberg")) ?? false }, timeout: .seconds(60)))

            // The fab lab's node key is stolen: the lab revokes it; a profile the thief signs with it afterwards — even
            // backdated — is refused by the maker, whose catalog had the revocation first.
            let stolenNode = try id(homes[0])
            let stolenKey = try NodeKeyStore.loadPrivateKey(homes[0] + "/keys/node.pem")
            let delegation = try LabIdentity.load(NodeHome(path: homes[0])).delegation
            let revoked = try makerDaemon.status()["entriesRevoked"]?.numberValue ?? 0
            // (A revocation takes effect from its second on: the renamed profile, seen by now, must be older than it.)
            let seenBy = Int64(Date().timeIntervalSince1970)
            while Int64(Date().timeIntervalSince1970) <= seenBy { usleep(20_000) }
            _ = try Self.output(try runBinary(["lab", "revoke", "--device", stolenNode, "--reason", "laptop stolen"], home: homes[0]))
            #expect(try makerDaemon.waitFor({ _ in !LabIdentity.revocations(NodeHome(path: maker)).isEmpty }, timeout: .seconds(60)), "the revocation did not arrive")
            // Backdated to before the revocation (but not before the delegation, which would fail on its own).
            var forged = LabProfile(identity: try #require(delegation?.identity), time: try #require(delegation?.validFrom),
                                    name: "Fab Lab Altona (now selling plans)")
            forged.location = LabLocation(city: "Hamburg", country: "DE")
            let backdated = try SignedLabProfile.sign(forged, with: stolenKey, delegation: delegation)
            // An undelegated key claims the manufactory's identity.
            let lueneburgLab = try LabIdentity.load(NodeHome(path: homes[2])).identity
            var claimed = LabProfile(identity: lueneburgLab, time: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)), name: "Not really Lüneburg")
            claimed.location = LabLocation(city: "Lüneburg", country: "DE")
            let undelegated = try SignedLabProfile.sign(claimed, with: try Ed25519PrivateKey(), delegation: nil)
            // Both come from a node that has not heard of the revocation: the thief's own, which the maker accepts as a
            // peer. They sit in its catalog when it starts and reach the maker by reconciliation.
            let thief = folder.file("thief")
            #expect(try runBinary(["init"], home: thief).status == 0)
            let store = try PackageStore(home: NodeHome(path: thief))
            for entry in [backdated, undelegated] { #expect(try store.catalog.append(entryBytes: try entry.canonicalBytes())) }
            let rejected = try makerDaemon.status()["entriesRejected"]?.numberValue ?? 0
            let makerPort = Int(try makerDaemon.status()["listenPort"]?.numberValue ?? 0)
            #expect(try runBinary(["peers", "add", "127.0.0.4:\(makerPort)", try id(maker)], home: thief).status == 0)
            let thiefDaemon = try DaemonProcess(home: thief, arguments: ["--listen", "127.0.0.5:0"])
            daemons.append(thiefDaemon)
            #expect(try makerDaemon.waitFor({ ($0["entriesRevoked"]?.numberValue ?? 0) > revoked }, timeout: .seconds(60)), "the backdated profile was not refused as revoked")
            #expect(!(try PackageStore(home: NodeHome(path: maker)).catalog.contains(try backdated.entryID())))
            #expect(try makerDaemon.waitFor({ ($0["entriesRejected"]?.numberValue ?? 0) > rejected }, timeout: .seconds(60)), "the undelegated profile was not refused")
            let labs = try Self.labNames(maker)
            #expect(labs.sorted() == ["Fab Lab Altona e.V.", "Holzbau-Manufaktur Lüneburg"], "\(labs)")
        }
    }
}
