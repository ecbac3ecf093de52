// BOMRollupTests.swift: roll-up across nested packages, cycles, missing sub-packages, CSV export.

import AllmendeCrypto
import AllmendeModel
import Foundation
import Testing

@Suite("Bill of materials")
struct BOMRollupTests {
    static func amount(_ text: String) -> DecimalAmount { DecimalAmount(parsing: text)! }

    /// connector ← block ← house, each a manifest in a small in-memory "store".
    static func nested() throws -> (house: DesignManifest, houseID: ContentID, store: [ContentID: DesignManifest]) {
        let connector = try Fixtures.manifest(title: "Bow-tie connector", bom: [
            BOMLine(item: "Birch plywood offcut", quantity: amount("0.02"), unit: .squareMeter, material: "Birch plywood 18 mm",
                    unitCost: UnitCost(amount: amount("45"), currency: "EUR")),
        ])
        let connectorID = try connector.packageID()
        let block = try Fixtures.manifest(title: "Wall block M", bom: [
            BOMLine(item: "Structural plywood", quantity: amount("3"), unit: .sheet, material: "Spruce plywood 18 mm",
                    dimensions: "2440 x 1220 x 18 mm", unitCost: UnitCost(amount: amount("38.50"), currency: "EUR")),
            BOMLine(item: "Bow-tie connector", quantity: amount("6"), unit: .pieces, package: connectorID),
            BOMLine(item: "Wood screw 4 x 60", quantity: amount("48"), unit: .pieces, material: "Steel",
                    unitCost: UnitCost(amount: amount("0.06"), currency: "EUR")),
        ])
        let blockID = try block.packageID()
        let house = try Fixtures.manifest(title: "Garden studio", bom: [
            BOMLine(item: "Wall block M", quantity: amount("10"), unit: .pieces, package: blockID),
            BOMLine(item: "Wood fibre insulation", quantity: amount("12.5"), unit: .cubicMeter, material: "Wood fibre",
                    unitCost: UnitCost(amount: amount("95"), currency: "CHF")),
        ])
        return (house, try house.packageID(), [connectorID: connector, blockID: block])
    }

    @Test("sub-assemblies are expanded and multiplied through every level")
    func nestedRollup() throws {
        let (house, houseID, store) = try Self.nested()
        let rollup = try BOMRollup(manifest: house, packageID: houseID, builds: 2, resolve: { store[$0] })
        let byItem = Dictionary(uniqueKeysWithValues: rollup.lines.map { ($0.line.item, $0) })
        #expect(byItem["Structural plywood"]?.total == Self.amount("60"))        // 3 × 10 × 2
        #expect(byItem["Wood screw 4 x 60"]?.total == Self.amount("960"))        // 48 × 10 × 2
        #expect(byItem["Birch plywood offcut"]?.total == Self.amount("2.4"))     // 0.02 × 6 × 10 × 2
        #expect(byItem["Birch plywood offcut"]?.via == ["Wall block M", "Bow-tie connector"])
        #expect(byItem["Wood fibre insulation"]?.total == Self.amount("25"))
        // 60 × 38.50 + 960 × 0.06 + 2.4 × 45 = 2310 + 57.6 + 108 = 2475.6 EUR; 25 × 95 = 2375 CHF
        #expect(rollup.costTotals == ["EUR": Self.amount("2475.6"), "CHF": Self.amount("2375")])
        #expect(rollup.materialTotals.contains(MaterialTotal(material: "Spruce plywood 18 mm", unit: .sheet, quantity: Self.amount("60"))))
        #expect(rollup.linesWithoutCost == 0)
    }

    @Test("a missing sub-package is named with how to get it")
    func missingSubPackage() throws {
        let (house, houseID, store) = try Self.nested()
        let blockOnly = store.filter { $0.value.info.title == "Wall block M" }
        do {
            _ = try BOMRollup(manifest: house, packageID: houseID, builds: 1, resolve: { blockOnly[$0] })
            Issue.record("rolled up without the connector")
        } catch {
            guard case let .missingSubPackage(item, _, via) = error else { Issue.record("wrong error \(error)"); return }
            #expect(item == "Bow-tie connector")
            #expect(via == ["Wall block M"])
            #expect(error.description.contains("allmende fetch"))
        }
        // Without expansion the line is kept as it is.
        let flat = try BOMRollup(manifest: house, packageID: houseID, builds: 1, expand: false, resolve: { _ in nil })
        #expect(flat.lines.count == 2)
    }

    @Test("a cycle of sub-assemblies is detected and shown")
    func cycle() throws {
        let a = try Fixtures.manifest(title: "A")
        let aID = try a.packageID()
        let b = try Fixtures.manifest(title: "B", bom: [BOMLine(item: "A again", quantity: Self.amount("1"), unit: .pieces, package: aID)])
        let bID = try b.packageID()
        var cyclicA = a
        cyclicA.info.bom = [BOMLine(item: "B", quantity: Self.amount("1"), unit: .pieces, package: bID)]
        // cyclicA has another ID than a, so resolve maps aID to the cyclic version to close the loop.
        let store = [aID: cyclicA, bID: b]
        #expect(throws: BOMRollupError.cycle(["A", "B", "A"])) {
            try BOMRollup(manifest: cyclicA, packageID: aID, builds: 1, resolve: { store[$0] })
        }
    }

    @Test("CSV follows RFC 4180 and defuses formulas")
    func csv() throws {
        let manifest = try Fixtures.manifest(bom: [
            BOMLine(item: "Plywood, spruce", quantity: Self.amount("3"), unit: .sheet, dimensions: "2440 x 1220 x 18 mm",
                    unitCost: UnitCost(amount: Self.amount("38.5"), currency: "EUR"), notes: "FSC \"certified\"\nif possible"),
            BOMLine(item: "=HYPERLINK(\"x\")", quantity: Self.amount("1"), unit: .pieces),
        ])
        let rollup = try BOMRollup(manifest: manifest, packageID: try manifest.packageID(), builds: 2, resolve: { _ in nil })
        let csv = BOMCSV.csv(rollup)
        let lines = csv.components(separatedBy: "\r\n")
        #expect(lines[0] == "item,quantity,unit,material,dimensions,source,unit cost,currency,line cost,sub-assembly of,package,notes")
        #expect(lines[1] == "\"Plywood, spruce\",6,sheet,,2440 x 1220 x 18 mm,,38.5,EUR,231.00,,,\"FSC \"\"certified\"\"\nif possible\"")
        #expect(csv.contains("\r\n\"'=HYPERLINK(\"\"x\"\")\",2,pcs,"))
        #expect(csv.hasSuffix("\r\n"))
        // A totals row per currency, saying what it leaves out.
        #expect(lines.contains("total,,,,,,,EUR,231.00,,,1 line(s) without a price not included"))
        // German spreadsheets: semicolons between fields, decimal commas; a comma in text needs no quotes then.
        let german = BOMCSV.csv(rollup, locale: .german).components(separatedBy: "\r\n")
        #expect(german[0] == "item;quantity;unit;material;dimensions;source;unit cost;currency;line cost;sub-assembly of;package;notes")
        #expect(german[1].hasPrefix("Plywood, spruce;6;sheet;;2440 x 1220 x 18 mm;;38,5;EUR;231,00;;;"))
        #expect(german.contains("total;;;;;;;EUR;231,00;;;1 line(s) without a price not included"))
    }

    @Test("expanded sub-assembly lines name the package they came from")
    func expandedLinesNamePackage() throws {
        let frame = try Fixtures.manifest(bom: [BOMLine(item: "Beam", quantity: Self.amount("4"), unit: .pieces)])
        let frameID = try frame.packageID()
        let top = try Fixtures.manifest(bom: [BOMLine(item: "Frame", quantity: Self.amount("2"), unit: .pieces, package: frameID)])
        let rollup = try BOMRollup(manifest: top, packageID: try top.packageID(), builds: 1, resolve: { $0 == frameID ? frame : nil })
        #expect(rollup.lines.map(\.from) == [frameID])
        #expect(BOMCSV.csv(rollup).components(separatedBy: "\r\n")[1].contains(",\(frameID.hex),"))
    }
}
