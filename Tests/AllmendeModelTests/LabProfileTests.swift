// LabProfileTests.swift: signed lab profiles against Protocol/vectors/lab-profiles.json (made by an independent
// Python implementation), the rule that picks a lab's current profile, and fabrication needs in summaries.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite struct LabProfileTests {
    static func vectors() throws -> [JSONValue] {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Protocol/vectors/lab-profiles.json"))
        return try JSONParser.parse(Array(data))["cases"]?.arrayValue ?? []
    }

    @Test("every vector: valid ones parse, verify, re-encode byte for byte with their entry ID; invalid ones are refused")
    func vectorsAgree() throws {
        let cases = try Self.vectors()
        #expect(cases.count >= 12)
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let bytes = Array((item["entry"]?.stringValue ?? "").utf8)
            if item["valid"] == .bool(true) {
                guard case let .profile(signed) = try CatalogEntry(parsing: bytes) else { Issue.record("\(name): not a profile"); continue }
                try signed.verify()
                #expect(try signed.canonicalBytes() == bytes, "\(name)")
                #expect(try signed.entryID().hex == item["entryID"]?.stringValue, "\(name)")
            } else {
                let refused: Bool
                do {
                    guard case let .profile(signed) = try CatalogEntry(parsing: bytes) else { Issue.record("\(name): not a profile"); continue }
                    try signed.verify()
                    refused = false
                } catch { refused = true }
                #expect(refused, "\(name) was accepted")
            }
        }
    }

    static func signed(_ name: String, at seconds: Int64, key: Ed25519PrivateKey, withdrawn: String? = nil) throws -> (SignedLabProfile, ContentID) {
        let identity = NodeID(publicKey: key.publicKey)
        var profile = LabProfile(identity: identity, time: Timestamp(secondsSinceEpoch: seconds), name: name)
        profile.location = LabLocation(city: "Hamburg", country: "DE")
        if let withdrawn { profile = .withdrawal(identity: identity, time: Timestamp(secondsSinceEpoch: seconds), reason: withdrawn) }
        let signed = try SignedLabProfile.sign(profile, with: key, delegation: nil)
        return (signed, try signed.entryID())
    }

    @Test("a newer profile replaces the older whatever order they arrive in; a withdrawal takes the lab away")
    func currentProfile() throws {
        let lab = try Ed25519PrivateKey(), other = try Ed25519PrivateKey()
        let old = try Self.signed("Old name", at: 1_800_000_000, key: lab)
        let new = try Self.signed("New name", at: 1_800_000_100, key: lab)
        let elsewhere = try Self.signed("Another lab", at: 1_700_000_000, key: other)
        for order in [[old, new, elsewhere], [new, elsewhere, old]] {
            var set = LabProfileSet()
            for (signed, id) in order { set.consider(signed, id: id) }
            #expect(set.current.map(\.profile.name) == ["Another lab", "New name"])
        }
        var set = LabProfileSet()
        for (signed, id) in [old, new, try Self.signed("", at: 1_800_000_200, key: lab, withdrawn: "closed for good"), elsewhere] {
            set.consider(signed, id: id)
        }
        #expect(set.current.map(\.profile.name) == ["Another lab"])
        // A profile older than the withdrawal does not bring the lab back.
        set.consider(new.0, id: new.1)
        #expect(set.current.map(\.profile.name) == ["Another lab"])
    }

    @Test("coordinates are kept to 0.01 degree; a draft cannot set identity, time or schema")
    func fieldsAndDrafts() throws {
        let key = try Ed25519PrivateKey()
        let identity = NodeID(publicKey: key.publicKey)
        let draft = try JSONParser.parse(#"{"name": "Lab", "location": {"city": "Kiel", "country": "DE", "latitude": "54.32", "longitude": "-10.1"}}"#)
        let profile = try LabProfile.fromDraft(draft, identity: identity, time: Timestamp(secondsSinceEpoch: 1_800_000_000))
        #expect(profile.location?.latitude == 54.32 && profile.location?.longitude == -10.1)
        #expect(profile.draftJSON["location"]?["longitude"]?.stringValue == "-10.10")
        #expect(throws: ModelError.self) {
            try LabProfile.fromDraft(try JSONParser.parse(#"{"name": "Lab", "identity": "x"}"#), identity: identity, time: profile.time)
        }
        #expect(throws: ModelError.self) {
            try LabProfile.fromDraft(try JSONParser.parse(#"{"name": "Lab", "location": {"country": "DE"}}"#), identity: identity, time: profile.time)
        }
        // A profile too large for one catalog entry is refused when signed, not sent.
        var huge = profile
        huge.equipment = Array(repeating: Equipment(kind: .cncRouting, name: String(repeating: "ü", count: 120),
                                                    materials: Array(repeating: String(repeating: "ö", count: 80), count: 32)), count: 64)
        #expect(throws: ModelError.self) { try SignedLabProfile.sign(huge, with: key, delegation: nil) }
    }

    @Test("an entry from a peer over 32 KiB is refused for its size before it is parsed; one under the limit is parsed, then its signature decides")
    func oversizedEntryFromAPeer() throws {
        let key = try Ed25519PrivateKey()
        let (valid, _) = try Self.signed("Lab", at: 1_800_000_000, key: key)
        // What a hostile peer could send: the signed entry with equipment added after signing (the signature no longer
        // matches, which only verification can tell).
        func entry(materials: Int) throws -> [UInt8] {
            guard case var .object(members) = valid.json, case var .object(profile) = members["profile"] else { throw ModelError.invalidField(path: "", reason: "") }
            var machine: [String: JSONValue] = ["kind": .string("laser-cutting"), "name": .string(String(repeating: "x", count: 100))]
            if materials > 0 { machine["materials"] = .array(Array(repeating: .string(String(repeating: "m", count: 60)), count: materials)) }
            profile["equipment"] = .array(Array(repeating: .object(machine), count: 60))
            members["profile"] = .object(profile)
            return try CanonicalEncoder.encode(.object(members))
        }
        let over = try entry(materials: 8), under = try entry(materials: 0)
        try #require(over.count > SignedLabProfile.maximumSize && under.count < SignedLabProfile.maximumSize)
        for parse in [{ try CatalogEntry(parsing: over) }, { .profile(try SignedLabProfile(parsing: over)) }] as [() throws -> CatalogEntry] {
            #expect {
                _ = try parse()
            } throws: { error in
                guard case let ModelError.invalidField(path, _) = error else { return false }
                return path == "profile"
            }
        }
        guard case let .profile(parsed) = try CatalogEntry(parsing: under) else { Issue.record("not a profile"); return }
        #expect(parsed.profile.equipment.count == 60)
        #expect(throws: ModelError.self) { try parsed.verify() }
    }

    @Test("parts fit a working area turned in the plane; a third side is compared when both give one")
    func sizes() throws {
        let part = try #require(Millimetres([2440, 1220]))
        #expect(part.fits(in: try #require(Millimetres([2500, 1250]))))
        #expect(part.fits(in: try #require(Millimetres([1250, 2500, 200]))))
        #expect(!part.fits(in: try #require(Millimetres([2500, 1200]))))
        #expect(!part.fits(in: try #require(Millimetres([1300]))))
        #expect(!(try #require(Millimetres([100, 100, 300]))).fits(in: try #require(Millimetres([200, 200, 250]))))
        #expect(Millimetres([0, 10]) == nil && Millimetres([1, 2, 3, 4]) == nil)
    }
}

@Suite struct FabricationSuggestionTests {
    @Test func dimensionsInTheirUnits() {
        #expect(FabricationSuggestion.dimensions("2440 x 1220 x 18 mm") == [2440, 1220, 18])
        #expect(FabricationSuggestion.dimensions("125×125×16") == [125, 125, 16])
        #expect(FabricationSuggestion.dimensions("2.44 x 1.22 m") == [2440, 1220])
        #expect(FabricationSuggestion.dimensions("250 x 1,5 cm") == [2500, 15])
        #expect(FabricationSuggestion.dimensions("M8 x 60") == nil)
        #expect(FabricationSuggestion.dimensions("about a metre") == nil)
        #expect(FabricationSuggestion.dimensions("1 x 2 x 3 x 4") == nil)
    }

    @Test("the largest sheet for a sheet process, the largest blank for milling; named processes and unknown ones are left alone")
    func fromTheBillOfMaterials() throws {
        var info = DesignInfo(title: "T", version: "1", summary: "S", category: .building, license: try SPDXExpression(parsing: "CC0-1.0"),
                              licensors: [Person(name: "L")], documentationLanguage: ["en"])
        info.processes = [.cncRouting, .cncMilling, .woodworking, .laserCutting]
        info.bom = [
            BOMLine(item: "Offcut", quantity: DecimalAmount(1), unit: .pieces, dimensions: "600 x 400 x 6 mm"),
            BOMLine(item: "Plywood sheet", quantity: DecimalAmount(3), unit: .pieces, material: "Spruce plywood 18 mm, EN 636-2 S", dimensions: "2440 x 1220 x 18 mm"),
            BOMLine(item: "Aluminium blank", quantity: DecimalAmount(1), unit: .pieces, material: "EN AW-6082", dimensions: "125 x 125 x 16 mm"),
            BOMLine(item: "Screws", quantity: DecimalAmount(48), unit: .pieces, dimensions: "4 x 50"),
        ]
        info.fabrication = [FabricationNeed(process: .laserCutting)]
        let needs = FabricationSuggestion.needs(for: info).map(\.need)
        #expect(needs.map(\.process) == [.cncRouting, .cncMilling])
        #expect(needs[0].size?.dimensions == [2440, 1220] && needs[0].thickness == DecimalAmount(18) && needs[0].material == "Spruce plywood 18 mm")
        #expect(needs[0].part == "Plywood sheet")
        #expect(needs[1].size?.dimensions == [125, 125, 16] && needs[1].thickness == nil && needs[1].material == "EN AW-6082")
    }

    @Test("the size of a DXF cutting file's geometry, in its units; the largest drawing when the BOM gives no sheet")
    func cuttingFiles() throws {
        let panel = try String(contentsOfFile: Repository.root + "/Examples/packages/timber-wall-block/cutting/wb-m-side-panel.dxf", encoding: .utf8)
        #expect(DXFExtents.size(of: panel) == [2400, 600])
        func dxf(units: Int?, _ entities: String) -> String {
            "0\nSECTION\n2\nHEADER\n" + (units.map { "9\n$INSUNITS\n70\n\($0)\n" } ?? "") + "0\nENDSEC\n0\nSECTION\n2\nENTITIES\n" + entities + "0\nENDSEC\n0\nEOF\n"
        }
        let line = "0\nLINE\n8\n0\n10\n0\n20\n0\n11\n50\n21\n20\n"
        #expect(DXFExtents.size(of: dxf(units: 5, line)) == [500, 200])            // centimetres
        #expect(DXFExtents.size(of: dxf(units: 1, line)) == [1270, 508])           // inches
        #expect(DXFExtents.size(of: dxf(units: nil, "0\nCIRCLE\n8\n0\n10\n100\n20\n100\n40\n30\n")) == [60, 60])
        #expect(DXFExtents.size(of: dxf(units: 4, "")) == nil)
        #expect(DXFExtents.size(of: "not a DXF file at all") == nil)
        var info = DesignInfo(title: "T", version: "1", summary: "S", category: .building, license: try SPDXExpression(parsing: "CC0-1.0"),
                              licensors: [Person(name: "L")], documentationLanguage: ["en"])
        info.processes = [.laserCutting, .assembly]
        let found = FabricationSuggestion.needs(for: info, drawings: [("small.dxf", [300, 200]), ("panel.dxf", [2400, 600])])
        #expect(found.map(\.need.size?.dimensions) == [[2400, 600]] && found.first?.drawing == "panel.dxf" && found.first?.from == nil)
    }
}
