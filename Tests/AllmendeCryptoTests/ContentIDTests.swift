// ContentIDTests.swift: the text form of content IDs and prefixes, with the errors a user sees.

import AllmendeCrypto
import Testing

@Suite("ContentID")
struct ContentIDTests {
    let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test("parses and prints the 64-hex-digit form")
    func roundTrip() throws {
        let id = try ContentID(parsing: abc)
        #expect(id.hex == abc)
        #expect(id.description == abc)
        #expect(id.bytes.count == 32)
        #expect(ContentID(digest: id.bytes) == id)
        #expect(id == SHA256Hasher.hash(Array("abc".utf8)))
    }

    @Test("accepts upper case and surrounding whitespace")
    func lenientInput() throws {
        #expect(try ContentID(parsing: "  " + abc.uppercased() + "\n").hex == abc)
    }

    @Test("rejects a wrong length, naming the length")
    func wrongLength() {
        #expect(throws: CryptoError.invalidContentIDLength(text: "abcd", length: 4)) { try ContentID(parsing: "abcd") }
        let error = CryptoError.invalidContentIDLength(text: String(abc.dropLast()), length: 63)
        #expect(error.description.contains("63 characters"))
        #expect(error.description.contains("64 hex digits"))
    }

    @Test("rejects a character that is not hex, naming it and its position")
    func badCharacter() {
        let text = String(abc.prefix(10)) + "g" + String(abc.dropFirst(11))
        #expect(throws: CryptoError.invalidContentIDCharacter(text: text, character: "g", position: 10)) {
            try ContentID(parsing: text)
        }
        let message = CryptoError.invalidContentIDCharacter(text: text, character: "g", position: 10).description
        #expect(message.contains("'g' at position 11"))
    }

    @Test("rejects raw digests of the wrong length")
    func rawLength() {
        #expect(throws: CryptoError.invalidLength(what: "content ID", length: 31, expected: 32)) {
            try ContentID(validatingDigest: [UInt8](repeating: 0, count: 31))
        }
    }

    @Test("orders IDs like their hex text")
    func ordering() {
        let ids = (0..<50).map { SHA256Hasher.hash([UInt8($0)]) }
        #expect(ids.sorted().map(\.hex) == ids.map(\.hex).sorted())
    }

    @Test("prefixes: at least 4 hex digits, matched case-insensitively")
    func prefixes() throws {
        let id = try ContentID(parsing: abc)
        #expect(id.hasPrefix(try ContentIDPrefix(parsing: "BA78")))
        #expect(!id.hasPrefix(try ContentIDPrefix(parsing: "ba79")))
        #expect(try ContentIDPrefix(parsing: abc).completeID == id)
        #expect(try ContentIDPrefix(parsing: "ba78").completeID == nil)
        #expect(throws: CryptoError.contentIDPrefixTooShort(text: "ba7", minimum: 4)) { try ContentIDPrefix(parsing: "ba7") }
        #expect(throws: CryptoError.self) { try ContentIDPrefix(parsing: "ba7x") }
        #expect(throws: CryptoError.self) { try ContentIDPrefix(parsing: abc + "0") }
    }

    @Test("hex helper round-trips and rejects odd or non-hex input")
    func hex() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00ABff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
    }
}
