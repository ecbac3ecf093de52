// DraftCheckTests.swift: every problem of a draft at once, with line and column.

import AllmendeModel
import AllmendeTestSupport
import Testing

@Suite("Draft check")
struct DraftCheckTests {
    @Test("reports every problem in one run, in text order, each with line:column, a misspelt key once")
    func everyProblem() {
        let problems = DraftCheck.problems(in: Array(DraftFixtures.broken.utf8))
        #expect(problems.map(\.path) == ["category", "license", "desciption", "bom[0].quantity", "bom[0].price"])
        #expect(problems.map { "\($0.line ?? 0):\($0.column ?? 0)" } == ["5:3", "6:3", "8:3", "10:28", "10:59"])
        #expect(problems[1].message.contains("did you mean 'license'"))
    }

    @Test("a syntax error gives its line and column in characters, not a byte offset")
    func syntax() {
        let problems = DraftCheck.problems(in: Array("{\n  \"title\": \"Bänk\",\n  \"version\" \"1\"\n}".utf8))
        #expect(problems.count == 1)
        #expect(problems[0].line == 3 && problems[0].column == 13)
    }

    @Test("a valid draft has no problems; a missing required field is reported and the rest still checked")
    func validAndMissing() {
        let valid = """
            {"title": "T", "version": "1.0.0", "summary": "S", "category": "other", "license": "CC0-1.0",
             "licensors": [{"name": "L"}], "documentationLanguage": ["en"]}
            """
        #expect(DraftCheck.problems(in: Array(valid.utf8)).isEmpty)
        let missing = """
            {"version": "1.0.0", "summary": "S", "category": "other", "license": "CC0-1.0",
             "licensors": [{"name": "L"}], "documentationLanguage": ["en"], "colour": "red"}
            """
        #expect(Set(DraftCheck.problems(in: Array(missing.utf8)).map(\.path)) == ["title", "colour"])
    }
}

@Suite("BOM from a spreadsheet")
struct BOMCSVReaderTests {
    @Test("German semicolon CSV with quoted fields: lines read, decimal commas, € as EUR; unusable rows named")
    func german() {
        let text = "Bezeichnung;Menge;Einheit;Werkstoff;Preis;Währung;Bemerkung\r\n"
            + "\"Sperrholzplatte; 18 mm\";3;Platte;Fichte;38,50;€;\"sagt \"\"FSC\"\"\"\r\n"
            + "Schraube 4x50;48;Stk.;Stahl;0,06;EUR;\r\n"
            + ";2;Stk.;;;;\r\n"
            + "Leim;viel;l;;;;\r\n"
        let (lines, warnings) = BOMCSVReader.read(text)
        #expect(lines.map(\.item) == ["Sperrholzplatte; 18 mm", "Schraube 4x50"])
        #expect(lines.map(\.unit) == [.sheet, .pieces])
        #expect(lines[0].unitCost == UnitCost(amount: DecimalAmount(parsing: "38.50")!, currency: "EUR"))
        #expect(lines[0].notes == "sagt \"FSC\"")
        #expect(warnings.count == 2 && warnings[0].hasPrefix("row 4") && warnings[1].hasPrefix("row 5"))
    }

    @Test("the CSV Allmende writes reads back; a file without item and quantity columns says so")
    func roundTripAndRefusal() throws {
        let manifest = try Fixtures.manifest(bom: [BOMLine(item: "Plywood, spruce", quantity: DecimalAmount(parsing: "3")!, unit: .sheet,
                                                           unitCost: UnitCost(amount: DecimalAmount(parsing: "38.5")!, currency: "EUR"))])
        let rollup = try BOMRollup(manifest: manifest, packageID: try manifest.packageID(), builds: 1, resolve: { _ in nil })
        let (lines, warnings) = BOMCSVReader.read(BOMCSV.csv(rollup))
        #expect(lines.map(\.item) == ["Plywood, spruce"] && lines.first?.quantity == DecimalAmount(parsing: "3"))
        // The totals row has an item ("total") but no quantity: named, not read.
        #expect(warnings.count == 1)
        #expect(BOMCSVReader.read("a,b\n1,2\n").warnings.first?.contains("no 'item' and 'quantity' columns") == true)
    }
}

@Suite("Hostile drafts and spreadsheets")
struct HostileDraftInputTests {
    @Test("an unterminated quote, a row of separators and 100,000 rows: read without a crash, bounded")
    func hostileCSV() {
        let open = BOMCSVReader.read("item,quantity\n\"Bolt, never closed,2\nNut,3\n")
        #expect(open.lines.isEmpty && open.warnings.count == 1)   // the quote swallows the rest into one field
        let separators = BOMCSVReader.read("item,quantity\n" + String(repeating: ",", count: 100_000) + "\n")
        #expect(separators.lines.isEmpty)
        let many = BOMCSVReader.read("item,quantity\n" + String(repeating: "Bolt,1\n", count: 100_000))
        #expect(many.lines.count == 100_000 && many.warnings.isEmpty)
        #expect(BOMCSVReader.read("").warnings == ["the file is empty"])
    }

    @Test("a draft of 5,000 unknown fields: at most 64 problems, and a truncated draft is a syntax error with its position")
    func hostileDraft() {
        let fields = (0..<5000).map { "\"junk\($0)\": \($0)" }.joined(separator: ", ")
        let problems = DraftCheck.problems(in: Array("{\(fields)}".utf8))
        #expect(!problems.isEmpty && problems.count <= 64)
        let truncated = DraftCheck.problems(in: Array(DraftFixtures.broken.utf8.prefix(120)))
        #expect(truncated.count == 1 && truncated[0].path.isEmpty && truncated[0].line != nil)
    }
}
