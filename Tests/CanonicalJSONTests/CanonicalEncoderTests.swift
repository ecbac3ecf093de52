// CanonicalEncoderTests.swift: RFC 8785 number and string serialisation, key order. Pure.

import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Canonical JSON encoder")
struct CanonicalEncoderTests {
    struct NumberCase: Sendable, CustomTestStringConvertible {
        let bits: UInt64
        let expected: String
        var testDescription: String { "0x" + String(bits, radix: 16) + " → " + expected }
    }

    static func numberCases() throws -> [NumberCase] {
        try Repository.vectorCases("canonical-json-numbers.json").map {
            NumberCase(bits: UInt64($0["bits"] as? String ?? "", radix: 16) ?? 0, expected: $0["expected"] as? String ?? "")
        }
    }

    @Test("numbers serialise as ECMAScript does (RFC 8785 Appendix B)", arguments: try numberCases())
    func numbers(_ vector: NumberCase) throws {
        #expect(try CanonicalEncoder.string(.number(Double(bitPattern: vector.bits))) == vector.expected)
    }

    @Test("NaN and infinity are refused with the path of the value")
    func nonFinite() {
        #expect(throws: CanonicalJSONError.nonFiniteNumber(path: "$.size")) { try CanonicalEncoder.encode(["size": .number(.nan)]) }
        #expect(throws: CanonicalJSONError.nonFiniteNumber(path: "$[1]")) { try CanonicalEncoder.encode([1, .number(.infinity)]) }
    }

    @Test("keys are sorted by UTF-16 code units, with no whitespace")
    func keyOrder() throws {
        // RFC 8785 3.2.3 sorts by UTF-16 code units: U+20AC (0x20AC) < U+1F600 (0xD83D 0xDE00) < U+FB33 (0xFB33),
        // although U+1F600 is the largest code point.
        let value: JSONValue = ["\u{FB33}": 1, "\u{1F600}": 2, "\u{20AC}": 3, "b": [true, nil], "a": "x"]
        #expect(try CanonicalEncoder.string(value) == "{\"a\":\"x\",\"b\":[true,null],\"\u{20AC}\":3,\"\u{1F600}\":2,\"\u{FB33}\":1}")
    }

    @Test("strings escape only what RFC 8785 requires")
    func strings() throws {
        let text = "quote\" backslash\\ tab\t newline\n control\u{01} slash/ euro\u{20AC} del\u{7F}"
        #expect(try CanonicalEncoder.string(.string(text))
                == "\"quote\\\" backslash\\\\ tab\\t newline\\n control\\u0001 slash/ euro\u{20AC} del\u{7F}\"")
    }
}
