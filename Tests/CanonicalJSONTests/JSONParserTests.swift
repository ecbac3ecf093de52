// JSONParserTests.swift: RFC 8785 round trips and must-reject inputs from Protocol/vectors/canonical-json.json.

import AllmendeCrypto
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("JSON parser and canonical form")
struct JSONParserTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let input: [UInt8]
        let expected: String?
        let error: String?
        var testDescription: String { name }
    }

    static func cases() throws -> [Case] {
        try Repository.vectorCases("canonical-json.json").map { entry in
            let input: [UInt8]
            if let hex = entry["inputHex"] as? String { input = Hex.decode(hex) ?? [] } else { input = Array((entry["input"] as? String ?? "").utf8) }
            return Case(name: entry["name"] as? String ?? "?", input: input, expected: entry["expected"] as? String, error: entry["error"] as? String)
        }
    }

    @Test("canonical form of the RFC 8785 examples and our own cases", arguments: try cases().filter { $0.expected != nil })
    func canonical(_ vector: Case) throws {
        let value = try JSONParser.parse(vector.input)
        let canonical = try CanonicalEncoder.string(value)
        #expect(canonical == vector.expected)
        // Canonicalisation is idempotent.
        #expect(try CanonicalEncoder.string(JSONParser.parse(canonical)) == canonical)
    }

    @Test("strict parsing refuses what it must, saying why", arguments: try cases().filter { $0.error != nil })
    func mustReject(_ vector: Case) {
        do {
            _ = try JSONParser.parse(vector.input)
            Issue.record("accepted \(vector.name)")
        } catch {
            #expect(error.description.contains(vector.error ?? "?"), "message was: \(error.description)")
        }
    }

    @Test("the same document in any key order and spacing has one canonical form and one ID")
    func stableIDs() throws {
        let a = try JSONParser.parse("{\"title\": \"Wall block\", \"tags\": [\"timber\", \"cnc\"], \"size\": 1200}")
        let b = try JSONParser.parse("{\"size\":1200,\"tags\":[\"timber\",\"cnc\"],\n \"title\":\"Wall block\"}")
        #expect(a == b)
        #expect(SHA256Hasher.hash(try CanonicalEncoder.encode(a)) == SHA256Hasher.hash(try CanonicalEncoder.encode(b)))
    }

    @Test("documents over the size limit are refused before parsing")
    func sizeLimit() {
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Array("[1, 2, 3]".utf8), maximumLength: 5) }
    }

    @Test("parsing never crashes on truncations of a valid document")
    func truncations() throws {
        let document = Array("{\"a\": [1, 2.5e3, \"x\\u00e9\\ud83d\\ude00\", {\"b\": null}], \"c\": true}".utf8)
        for length in 0..<document.count {
            #expect(throws: JSONParseError.self) { try JSONParser.parse(Array(document.prefix(length))) }
        }
        #expect(throws: Never.self) { try JSONParser.parse(document) }
    }
}
