// LicenseCompatibilityTests.swift: the licence compatibility table (Protocol/licenses/compatibility.tsv), row by
// row, and the expression rules (OR, AND, WITH, +) around it.

import AllmendeModel
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Licence compatibility of derivatives")
struct LicenseCompatibilityTests {
    static let table = LicenseCompatibility.shipped

    static func verdict(_ parent: String, _ child: String) throws -> CompatibilityVerdict {
        LicenseCompatibility.worst(table.findings(parent: try SPDXExpression(parsing: parent), child: try SPDXExpression(parsing: child)))
    }

    @Test("the binary carries the table in Protocol/licenses byte for byte; it covers at least 25 licences, all on the SPDX list")
    func embeddedAndComplete() throws {
        let file = try String(contentsOfFile: Repository.root + "/Protocol/licenses/compatibility.tsv", encoding: .utf8)
        #expect(try LicenseCompatibility(table: file).classes.count == Self.table.classes.count)
        #expect(file == (try LicenseCompatibilityTests.embeddedText()), "run Scripts/embed-compatibility-table.py")
        #expect(Self.table.classes.count >= 25)
        for row in Self.table.classes.values { #expect(SPDXLicenseList.license(row.license) != nil, "\(row.license)") }
        for row in Self.table.pairs.values {
            #expect(SPDXLicenseList.license(row.parent) != nil && SPDXLicenseList.license(row.child) != nil, "\(row.parent) → \(row.child)")
            #expect(row.source.contains("https://"), "\(row.parent) → \(row.child) cites no page")
        }
        for id in Self.table.linkingExceptions.keys { #expect(SPDXLicenseList.exception(id) != nil, "\(id)") }
    }

    static func embeddedText() throws -> String {
        // The embedded copy, as the table parser reads it back (the Swift literal drops the final newline).
        let source = try String(contentsOfFile: Repository.root + "/Sources/AllmendeModel/LicenseCompatibilityTable.swift", encoding: .utf8)
        guard let start = source.range(of: "#\"\"\"\n"), let end = source.range(of: "\"\"\"#", options: .backwards) else { return "" }
        return String(source[start.upperBound..<end.lowerBound])
    }

    @Test("every pair row gives its verdict; the same licence is compatible unless it forbids derivatives")
    func pairRows() throws {
        for row in Self.table.pairs.values {
            let found = Self.table.finding(parent: row.parent, child: row.child)
            #expect(found.verdict == row.verdict, "\(row.parent) → \(row.child)")
            #expect(found.source == row.source)
        }
        for row in Self.table.classes.values {
            let same = Self.table.finding(parent: row.license, child: row.license).verdict
            #expect(same == (row.licenseClass == .noDerivatives ? .incompatible : .compatible), "\(row.license)")
        }
    }

    @Test("every class row decides for a child the table names nothing about")
    func classRows() {
        let expected: [LicenseClass: CompatibilityVerdict] = [
            .publicDomain: .compatible, .permissive: .compatible, .weakReciprocal: .depends, .reciprocal: .incompatible,
            .nonCommercial: .depends, .nonCommercialReciprocal: .incompatible, .noDerivatives: .incompatible,
        ]
        for row in Self.table.classes.values {
            // A child no pair row mentions with this parent.
            let child = ["Zlib", "ISC", "BSD-2-Clause"].first { $0.uppercased() != row.license.uppercased() && Self.table.pairs[row.license.uppercased() + " " + $0.uppercased()] == nil }!
            let found = Self.table.finding(parent: row.license, child: child)
            #expect(found.verdict == expected[row.licenseClass], "\(row.license) → \(child)")
            #expect(found.source == row.source)
        }
    }

    @Test("expressions: a parent OR lets the child follow either branch, AND needs every part, WITH a linking exception softens, + reads as or-later")
    func expressions() throws {
        // The issue's two cases.
        #expect(try Self.verdict("CC-BY-SA-4.0", "CC-BY-4.0") == .incompatible)
        #expect(try Self.verdict("CERN-OHL-P-2.0", "CERN-OHL-S-2.0") == .compatible)
        #expect(try Self.verdict("CERN-OHL-S-2.0 OR MIT", "MIT") == .compatible)
        #expect(try Self.verdict("CERN-OHL-S-2.0 AND MIT", "MIT") == .incompatible)
        #expect(try Self.verdict("CERN-OHL-S-2.0 AND CC-BY-4.0", "CERN-OHL-S-2.0") == .compatible)
        // The publisher picks the compatible branch of a child OR; a child AND carries the parent's terms in one part.
        #expect(try Self.verdict("CC-BY-SA-4.0", "CC-BY-4.0 OR CC-BY-SA-4.0") == .compatible)
        #expect(try Self.verdict("CC-BY-SA-4.0", "CERN-OHL-S-2.0 AND CC-BY-SA-4.0") == .compatible)
        #expect(try Self.verdict("CC-BY-SA-4.0", "CERN-OHL-S-2.0") == .incompatible)
        #expect(try Self.verdict("GPL-3.0-only WITH GCC-exception-3.1", "MIT") == .depends)
        #expect(try Self.verdict("GPL-3.0-only WITH Autoconf-exception-3.0", "MIT") == .incompatible)
        #expect(try Self.verdict("GPL-2.0+", "GPL-3.0-only") == .compatible)
        #expect(try Self.verdict("GPL-2.0", "GPL-3.0-only") == .incompatible)
        #expect(try Self.verdict("Apache-2.0", "GPL-2.0-only") == .incompatible)
        #expect(try Self.verdict("Apache-2.0 WITH LLVM-exception", "GPL-2.0-only") == .depends)
        #expect(try Self.verdict("CC-BY-NC-4.0", "CC-BY-SA-4.0") == .depends)
        #expect(try Self.verdict("CC-BY-ND-4.0", "CC-BY-ND-4.0") == .incompatible)
        #expect(try Self.verdict("LicenseRef-Lab-Own", "MIT") == .depends)
        #expect(try Self.verdict("CERN-OHL-W-2.0", "CERN-OHL-S-2.0") == .compatible)
        #expect(try Self.verdict("CERN-OHL-W-2.0", "MIT") == .depends)
    }

    @Test("a malformed table is refused naming its line")
    func malformedTable() {
        for bad in ["class\tMIT\tfriendly\tsource", "pair\tMIT\tGPL-2.0-only\tmaybe\tsrc\t", "pair\tMIT\tISC\tcompatible\t\t", "row\tx", "class\tMIT\tpermissive\ts\nclass\tmit\tpermissive\ts"] {
            #expect(throws: ModelError.self) { try LicenseCompatibility(table: "# header\n" + bad) }
        }
    }
}
