// LineageCommandTests.swift: three labs (real daemons on 127.0.0.1) publish a design, a derivative and a new version,
// and attest builds; a third lab's `lineage` shows the whole family from its catalog before fetching anything.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("CLI lineage", .serialized)
struct LineageCommandTests {
    static func draft(_ folder: TempDirectory, _ name: String, title: String, version: String, extra: String = "") throws -> String {
        _ = try folder.write("\(name)/allmende.json", text: """
            {"title": "\(title)", "version": "\(version)", "summary": "A cargo trailer", "category": "mobility", "license": "CERN-OHL-S-2.0",
             "licensors": [{"name": "A lab"}], "documentationLanguage": ["en"], "created": "2026-01-01T00:00:00Z"\(extra)}
            """)
        _ = try folder.write("\(name)/frame.dxf", text: "0\nSECTION\n\(name)\n")
        return folder.file(name)
    }

    static func published(_ run: ProcessOutput) throws -> String {
        try #require(run.status == 0, "\(run.standardError)")
        return run.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test("lab A publishes a design and later a new version, lab B a derivative and attests A's design; lab C sees the tree at once")
    func threeLabs() throws {
        try withTempDirectory("lineage-labs") { folder throws in
            let (homeA, homeB, homeC) = (folder.file("a"), folder.file("b"), folder.file("c"))
            for home in [homeA, homeB, homeC] { #expect(try runBinary(["init"], home: home).status == 0) }
            func id(_ home: String) throws -> String { try runBinary(["id"], home: home).standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) }
            let design = try Self.published(try runBinary(["publish", try Self.draft(folder, "design", title: "Cargo trailer", version: "1.0.0")], home: homeA))
            let labA = try DaemonProcess(home: homeA, arguments: ["--listen", "127.0.0.1:0"])
            defer { labA.stop() }
            let portA = Int(try labA.status()["listenPort"]?.numberValue ?? 0)
            #expect(try runBinary(["peers", "add", "127.0.0.1:\(portA)", try id(homeA)], home: homeB).status == 0)
            let labB = try DaemonProcess(home: homeB, arguments: ["--listen", "127.0.0.2:0"])
            defer { labB.stop() }
            let portB = Int(try labB.status()["listenPort"]?.numberValue ?? 0)
            #expect(try labB.waitFor { ($0["catalogEntries"]?.numberValue ?? 0) >= 1 })
            // B knows the design from its catalog only: derives from it by prefix and attests a build.
            let derivative = try Self.published(try runBinary(["publish", try Self.draft(folder, "derivative", title: "Cargo trailer, long", version: "1.0.0",
                extra: ", \"derivedFrom\": [{\"package\": \"\(design.prefix(10))\", \"note\": \"longer bed\"}]")], home: homeB))
            #expect(try runBinary(["attest", design, "--note", "built one for the repair café"], home: homeB).status == 0)
            let version = try Self.published(try runBinary(["publish", try Self.draft(folder, "version", title: "Cargo trailer", version: "1.1.0",
                extra: ", \"supersedes\": \"\(design)\"")], home: homeA))
            // C connects to both and learns all four entries; nothing is fetched.
            for (port, home, host) in [(portA, homeA, "127.0.0.1"), (portB, homeB, "127.0.0.2")] {
                #expect(try runBinary(["peers", "add", "\(host):\(port)", try id(home)], home: homeC).status == 0)
            }
            let labC = try DaemonProcess(home: homeC, arguments: ["--listen", "127.0.0.3:0"])
            defer { labC.stop() }
            #expect(try labC.waitFor { ($0["catalogEntries"]?.numberValue ?? 0) >= 4 }, "lab C did not learn the four catalog entries")
            let run = try runBinary(["lineage", String(design.prefix(8)), "--json"], home: homeC)
            #expect(run.status == 0, "\(run.standardError)")
            let graph = try JSONParser.parse(run.standardOutput)
            let nodes = graph["nodes"]?.arrayValue ?? []
            #expect(Set(nodes.compactMap { $0["package"]?.stringValue }) == [design, derivative, version])
            let root = nodes.first { $0["package"]?.stringValue == design }
            let (idA, idB) = (try id(homeA), try id(homeB))
            #expect(root?["attestations"]?.numberValue == 1 && root?["publisher"]?.stringValue == idA)
            #expect(nodes.first { $0["package"]?.stringValue == derivative }?["publisher"]?.stringValue == idB)
            #expect(nodes.allSatisfy { $0["stored"] == false })
            let edges = Set((graph["edges"]?.arrayValue ?? []).compactMap { edge -> String? in
                guard let from = edge["from"]?.stringValue, let to = edge["to"]?.stringValue, let kind = edge["kind"]?.stringValue else { return nil }
                return "\(from)>\(to):\(kind)"
            })
            #expect(edges == ["\(derivative)>\(design):derivedFrom", "\(version)>\(design):supersedes"])
            // The same from the derivative: its parent, and the parent's new version.
            let fromChild = try JSONParser.parse(try runBinary(["lineage", derivative, "--json"], home: homeC).standardOutput)
            #expect(fromChild["nodes"]?.arrayValue?.count == 3)
            let dot = try runBinary(["lineage", design, "--dot"], home: homeC)
            #expect(dot.status == 0 && dot.standardOutput.hasPrefix("digraph lineage {") && dot.standardOutput.contains("\"\(version)\" -> \"\(design)\""))
            #expect(try JSONParser.parse(try runBinary(["ls", "--json"], home: homeC).standardOutput).arrayValue?.isEmpty == true)
        }
    }
}
