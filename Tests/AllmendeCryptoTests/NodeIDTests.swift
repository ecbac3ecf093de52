// NodeIDTests.swift: base32 (RFC 4648 vectors) and the node ID text form.

import AllmendeCrypto
import Testing

@Suite("NodeID and base32")
struct NodeIDTests {
    @Test("base32 matches RFC 4648 section 10 (lower case, no padding)",
          arguments: [("", ""), ("f", "my"), ("fo", "mzxq"), ("foo", "mzxw6"), ("foob", "mzxw6yq"), ("fooba", "mzxw6ytb"),
                      ("foobar", "mzxw6ytboi")])
    func rfc4648(input: String, expected: String) throws {
        #expect(Base32.encode(Array(input.utf8)) == expected)
        #expect(try Base32.decode(expected) == Array(input.utf8))
        #expect(try Base32.decode(expected.uppercased()) == Array(input.utf8))
    }

    @Test("base32 rejects characters outside the alphabet and stray trailing bits")
    func base32Errors() {
        #expect(throws: Base32.DecodingError.invalidCharacter("1", position: 2)) { try Base32.decode("my1") }
        #expect(throws: Base32.DecodingError.nonZeroTrailingBits) { try Base32.decode("mz") }
    }

    @Test("a node ID round-trips through its 52-character text")
    func roundTrip() throws {
        let key = try Ed25519PrivateKey()
        let id = NodeID(publicKey: key.publicKey)
        #expect(id.text.count == 52)
        #expect(try NodeID(parsing: id.text) == id)
        #expect(try NodeID(parsing: id.text.uppercased()) == id)
        let grouped = stride(from: 0, to: 52, by: 13).map { Array(id.text)[$0..<min($0 + 13, 52)] }.map { String($0) }.joined(separator: "-")
        #expect(try NodeID(parsing: grouped) == id)
    }

    @Test("the RFC 8032 TEST 1 key has the node ID documented in Protocol/identifiers.md")
    func documentedExample() throws {
        let key = try Ed25519PublicKey(rawRepresentation: Hex.decode("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")!)
        #expect(NodeID(publicKey: key).text == "25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena")
    }

    @Test("node ID errors say what is wrong")
    func errors() throws {
        let text = NodeID(publicKey: try Ed25519PrivateKey().publicKey).text
        #expect(throws: CryptoError.invalidNodeID(text: "abc", reason: "it has 3 characters, a node ID has 52")) {
            try NodeID(parsing: "abc")
        }
        let badCharacter = "1" + text.dropFirst()
        do {
            _ = try NodeID(parsing: badCharacter)
            Issue.record("accepted a node ID with '1'")
        } catch {
            #expect(error.description.contains("'1' at position 1 is not a base32 character"))
        }
        // A content ID is not a node ID.
        #expect(throws: CryptoError.self) { try NodeID(parsing: String(repeating: "ab", count: 32)) }
    }
}
