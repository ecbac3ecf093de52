// WebMakersTests.swift: "who can make it" over real sockets — the package page section, the lab page's profile,
// and /api/packages/ID/makers with its errors.

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Web face: who can make it")
struct WebMakersTests {
    @Test("the package page and the API rank the example labs near a place; a lab's page shows its profile; a bad place is explained")
    func makersOnThePage() throws {
        try WebFaceTests.withWebNode("web-makers") { node, port, _ in
            let wall = try node.publishExample("timber-wall-block")
            let client = try HTTPTestClient(port: port)
            // Before any profile: the section says so.
            #expect(try #require(client.get("/p/\(wall.hex)")).text.contains("id=\"makers-none\""))
            var identities: [String: NodeID] = [:]
            for name in ["fab-lab-altona", "holzbau-manufaktur-lueneburg", "repair-cafe-kreuzberg"] {
                let key = try Ed25519PrivateKey()
                let draft = try JSONParser.parse(try FileSystem.readFile(Repository.root + "/Examples/labs/\(name).json"))
                let profile = try LabProfile.fromDraft(draft, identity: NodeID(publicKey: key.publicKey), time: Timestamp(secondsSinceEpoch: 1_790_000_000))
                #expect(node.runtime.acceptEntry(try SignedLabProfile.sign(profile, with: key, delegation: nil).canonicalBytes()) == .accepted)
                identities[name] = profile.identity
            }
            let page = try #require(client.get("/p/\(wall.hex)?near=Hamburg&within=100")).text
            #expect(page.contains("id=\"needs\">Needs: cnc-routing (side panels, ribs and bow-tie connectors) 2440 × 1220 mm plywood 18 mm"))
            let makers = try #require(page.range(of: "<ol id=\"makers\">")).upperBound
            let list = String(page[makers...].prefix(4000))
            let altona = try #require(list.range(of: "Fab Lab Altona")), lueneburg = try #require(list.range(of: "Holzbau-Manufaktur Lüneburg"))
            #expect(altona.lowerBound < lueneburg.lowerBound)
            #expect(page.contains("600 × 840 × 140 mm &lt; 2440 × 1220 mm") || page.contains("600 × 840 × 140 mm < 2440 × 1220 mm"))
            // The API: the same order, the café among the others with its reason.
            let api = try JSONParser.parse(try #require(client.get("/api/packages/\(wall.hex)/makers?near=Hamburg%2C%20DE")).body)
            #expect(api["makers"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["Fab Lab Altona", "Holzbau-Manufaktur Lüneburg"])
            #expect(api["others"]?.arrayValue?.first?["reasons"]?.arrayValue?.first?.stringValue?.contains("✗") == true)
            #expect(api["near"]?.stringValue == "Hamburg, DE")
            // Within 20 km only the fab lab; an unknown place is a 400 with a suggestion, and a notice on the page.
            let near = try JSONParser.parse(try #require(client.get("/api/packages/\(wall.hex)/makers?near=Hamburg&within=20")).body)
            #expect(near["makers"]?.arrayValue?.count == 1)
            let bad = try #require(client.get("/api/packages/\(wall.hex)/makers?near=Hambrug"))
            #expect(bad.status == 400 && bad.text.contains("Hamburg, DE"))
            #expect(try #require(client.get("/p/\(wall.hex)?near=Hambrug")).text.contains("id=\"near-problem\""))
            // The lab's page shows its profile.
            let manufactory = try #require(identities["holzbau-manufaktur-lueneburg"])
            let labPage = try #require(client.get("/labs/\(manufactory.text)")).text
            #expect(labPage.contains("id=\"lab-profile\"") && labPage.contains("beam processing line"))
            // The directory: nearest first, filtered by process and distance.
            let directory = try #require(client.get("/labs?near=Berlin")).text
            let cafe = try #require(directory.range(of: "Reparatur-Café Kreuzberg")), fablab = try #require(directory.range(of: "Fab Lab Altona"))
            #expect(cafe.lowerBound < fablab.lowerBound)
            let sewing = try #require(client.get("/labs?process=sewing")).text
            #expect(sewing.contains("Reparatur-Café Kreuzberg") && !sewing.contains("Fab Lab Altona"))
            #expect(try #require(client.get("/labs?process=knitting")).text.contains("id=\"labs-problem\""))
            let close = try #require(client.get("/labs?near=Hamburg&within=60")).text
            #expect(close.contains("Holzbau-Manufaktur Lüneburg") && !close.contains("Reparatur-Café Kreuzberg"))
        }
    }
}
