// SPDXExpressionTests.swift: SPDX license expressions against the shipped list: valid, invalid, OSHW, share-alike.

import AllmendeModel
import AllmendeTestSupport
import Foundation
import Testing

@Suite("SPDX license expressions")
struct SPDXExpressionTests {
    @Test("valid expressions parse and print in normal form", arguments: [
        ("CERN-OHL-S-2.0", "CERN-OHL-S-2.0"),
        ("mit", "MIT"),
        ("cern-ohl-s-2.0 or cc-by-sa-4.0", "CERN-OHL-S-2.0 OR CC-BY-SA-4.0"),
        ("CERN-OHL-S-2.0 OR (CC-BY-SA-4.0 AND MIT)", "CERN-OHL-S-2.0 OR CC-BY-SA-4.0 AND MIT"),
        ("(CERN-OHL-S-2.0 OR CC-BY-SA-4.0) AND MIT", "(CERN-OHL-S-2.0 OR CC-BY-SA-4.0) AND MIT"),
        ("Apache-2.0 WITH SHL-2.1", "Apache-2.0 WITH SHL-2.1"),
        ("GPL-2.0-or-later WITH Linux-syscall-note", "GPL-2.0-or-later WITH Linux-syscall-note"),
        ("LicenseRef-FabLab-Berlin-1", "LicenseRef-FabLab-Berlin-1"),
        ("DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2", "DocumentRef-spdx-tool-1.2:LicenseRef-MIT-Style-2"),
        ("GPL-2.0+", "GPL-2.0+"),
        ("((MIT))", "MIT"),
        ("  MIT   AND\tBSD-3-Clause ", "MIT AND BSD-3-Clause"),
    ])
    func valid(input: String, normalised: String) throws {
        let expression = try SPDXExpression(parsing: input)
        #expect(expression.description == normalised)
        #expect(try SPDXExpression(parsing: normalised) == expression)
    }

    @Test("AND binds tighter than OR, WITH tighter than AND")
    func precedence() throws {
        let expression = try SPDXExpression(parsing: "MIT OR BSD-3-Clause AND GPL-2.0-only WITH Classpath-exception-2.0")
        #expect(expression == .or(.license(id: "MIT", orLater: false),
                                  .and(.license(id: "BSD-3-Clause", orLater: false),
                                       .with(.license(id: "GPL-2.0-only", orLater: false), exception: "Classpath-exception-2.0"))))
    }

    @Test("invalid expressions point at the position and say what is wrong", arguments: [
        ("CERN-OHL-S-2", 1, "unknown license 'CERN-OHL-S-2' — did you mean CERN-OHL-S-2.0?"),
        ("MIT AND CC-BY-SA-4", 9, "unknown license 'CC-BY-SA-4' — did you mean CC-BY-SA-4.0?"),
        ("MIT AND", 8, "expected a license ID at the end of the expression"),
        ("MIT OR OR GPL-3.0-only", 8, "expected a license ID before OR"),
        ("(MIT OR BSD-3-Clause", 21, "missing ')' for the '(' at character 1"),
        ("MIT)", 4, "unmatched ')'"),
        ("MIT BSD-3-Clause", 5, "expected AND, OR or WITH before 'BSD-3-Clause'"),
        ("GPL-2.0-only WITH Classpath-exception-2", 19, "unknown license exception 'Classpath-exception-2' — did you mean Classpath-exception-2.0?"),
        ("Classpath-exception-2.0", 1, "'Classpath-exception-2.0' is a license exception; write it after WITH"),
        ("MIT WITH", 9, "WITH must be followed by an exception ID"),
        ("(MIT OR BSD-3-Clause) WITH Classpath-exception-2.0", 28, "WITH applies to a single license"),
        ("", 1, "the expression is empty"),
        ("MIT/Apache-2.0", 4, "'/' cannot appear in a license ID"),
        ("LicenseRef-", 1, "LicenseRef- needs a name"),
        ("LicenseRef-Lab+", 15, "'+' applies to license IDs, not to LicenseRef-"),
        ("Creative Commons BY-SA", 1, "'Creative Commons BY-SA' is not an SPDX license ID — did you mean CC-BY-SA-4.0?"),
        ("Kreativ Allmende", 1, "unknown license 'Kreativ'"),
    ])
    func invalid(input: String, position: Int, message: String) {
        do {
            _ = try SPDXExpression(parsing: input)
            Issue.record("accepted '\(input)'")
        } catch {
            #expect(error.position + 1 == position, "\(error)")
            #expect(error.reason.hasPrefix(message), "\(error)")
            #expect(error.description.hasPrefix("invalid license expression '\(input)' at character \(position):"))
        }
    }

    @Test("every license and exception ID in the shipped list parses, and the embedded copy equals the TSV")
    func everyShippedIDParses() throws {
        func rows(_ file: String) throws -> [[String]] {
            try String(contentsOfFile: Repository.root + "/Protocol/licenses/" + file, encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix("#") }
                .map { $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init) }
        }
        let licenses = try rows("spdx-licenses.tsv")
        let exceptions = try rows("spdx-exceptions.tsv")
        #expect(licenses.count == SPDXLicenseList.licenses.count)
        #expect(exceptions.count == SPDXLicenseList.exceptions.count)
        #expect(licenses.count > 600 && exceptions.count > 50)
        for (row, entry) in zip(licenses, SPDXLicenseList.licenses) {
            #expect(row[0] == entry.id && row[1] == entry.name && row[2].contains("D") == entry.isDeprecated)
            // The deprecated "GPL-2.0+" style IDs parse as the ID plus the "or later" operator.
            let expected: SPDXExpression = row[0].hasSuffix("+") ? .license(id: String(row[0].dropLast()), orLater: true)
                : .license(id: row[0], orLater: false)
            #expect(try SPDXExpression(parsing: row[0]) == expected)
        }
        for row in exceptions {
            #expect(try SPDXExpression(parsing: "MIT WITH " + row[0]).description == "MIT WITH " + row[0])
        }
        #expect(!SPDXLicenseList.version.isEmpty)
    }

    @Test("licenses that fail the Open Source Hardware Definition are named", arguments: [
        ("CC-BY-NC-SA-4.0", "CC-BY-NC-SA-4.0 forbids commercial use (non-commercial terms)"),
        ("CC-BY-ND-4.0", "CC-BY-ND-4.0 forbids derived works (no-derivatives terms)"),
        ("CC-BY-NC-ND-4.0", "CC-BY-NC-ND-4.0 forbids commercial use and derived works"),
        ("CERN-OHL-S-2.0 AND CC-BY-NC-4.0", "CC-BY-NC-4.0 forbids commercial use (non-commercial terms)"),
        ("PolyForm-Noncommercial-1.0.0", "PolyForm-Noncommercial-1.0.0 forbids commercial use (non-commercial terms)"),
    ])
    func notOpenHardware(input: String, problem: String) throws {
        #expect(try SPDXExpression(parsing: input).openHardwareProblem == problem)
    }

    @Test("open licenses, and a closed one offered with an open alternative, pass", arguments: [
        "CERN-OHL-S-2.0", "CC-BY-SA-4.0", "CC0-1.0", "MIT AND CERN-OHL-P-2.0", "CC-BY-NC-SA-4.0 OR CERN-OHL-W-2.0",
        "Apache-2.0 WITH SHL-2.1", "LicenseRef-Own-Terms",
    ])
    func openHardware(input: String) throws {
        #expect(try SPDXExpression(parsing: input).openHardwareProblem == nil)
    }

    @Test("deprecated IDs are flagged with their replacement")
    func deprecated() throws {
        #expect(try SPDXExpression(parsing: "GPL-2.0").deprecationWarnings
                == ["license ID GPL-2.0 is deprecated in the SPDX License List; use GPL-2.0-only (or GPL-2.0-or-later)"])
        #expect(try SPDXExpression(parsing: "GPL-2.0-only").deprecationWarnings.isEmpty)
        #expect(try SPDXExpression(parsing: "GPL-3.0+").deprecationWarnings
                == ["license ID GPL-3.0+ is deprecated in the SPDX License List; use GPL-3.0-or-later"])
        #expect(try SPDXExpression(parsing: "LicenseRef-Lab-1 AND MIT").unknownReferences == ["LicenseRef-Lab-1"])
    }

    @Test("deep nesting and long chains are refused with a clear error, never a stack overflow (found by fuzzing)")
    func depthLimits() throws {
        // The input libFuzzer found: 4,199 opening parentheses overflowed the stack of the recursive parser.
        let found = String(repeating: "(", count: 4199) + "MIT"
        #expect(throws: SPDXExpressionError.self) { try SPDXExpression(parsing: found) }
        let deepest = String(repeating: "(", count: 32) + "MIT" + String(repeating: ")", count: 32)
        #expect(try SPDXExpression(parsing: deepest).description == "MIT")
        let tooDeep = String(repeating: "(", count: 33) + "MIT" + String(repeating: ")", count: 33)
        do {
            _ = try SPDXExpression(parsing: tooDeep)
            Issue.record("33 levels accepted")
        } catch {
            #expect(error.description.contains("nested more than 32 deep"))
        }
        let longest = Array(repeating: "MIT", count: 64).joined(separator: " AND ")
        #expect(throws: Never.self) { try SPDXExpression(parsing: longest) }
        #expect(throws: SPDXExpressionError.self) { try SPDXExpression(parsing: longest + " AND MIT") }
    }
}

@Suite("Informal licence names")
struct InformalLicenseNameTests {
    @Test("what people write gets the SPDX IDs it means, open-hardware licences first", arguments: [
        ("GPL3", "GPL-3.0-only"), ("GPLv3", "GPL-3.0-only"), ("CERN OHL", "CERN-OHL-S-2.0"), ("OHL", "CERN-OHL-S-2.0"),
        ("CERN-OHL-S", "CERN-OHL-S-2.0"), ("CERN OHL v2 weakly reciprocal", "CERN-OHL-W-2.0"), ("CC-BY-SA 4.0", "CC-BY-SA-4.0"),
        ("CC-BY-SA", "CC-BY-SA-4.0"), ("CC BY 4.0", "CC-BY-4.0"), ("Apache 2", "Apache-2.0"), ("Apache License 2.0", "Apache-2.0"),
        ("Solderpad-Hardware-License-2.1", "LicenseRef-SHL-2.1"), ("TAPR OHL", "TAPR-OHL-1.0"), ("public domain", "CC0-1.0"),
    ])
    func suggestions(typed: String, expected: String) throws {
        let error = #expect(throws: SPDXExpressionError.self) { try SPDXExpression(parsing: typed) }
        #expect(error?.reason.contains("did you mean \(expected)") == true, "\(error?.reason ?? "")")
        #expect(try SPDXExpression(parsing: expected).description == expected)
    }

    @Test("valid expressions are not touched; unknown names keep the nearest-ID hint")
    func untouched() throws {
        #expect(try SPDXExpression(parsing: "CERN-OHL-S-2.0 OR CC-BY-SA-4.0").description == "CERN-OHL-S-2.0 OR CC-BY-SA-4.0")
        let error = #expect(throws: SPDXExpressionError.self) { try SPDXExpression(parsing: "CERN-OHL-S-2") }
        #expect(error?.reason.contains("did you mean CERN-OHL-S-2.0") == true)
    }
}
