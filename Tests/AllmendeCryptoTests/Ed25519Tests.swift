// Ed25519Tests.swift: RFC 8032 vectors, must-reject cases, PEM handling and interop with the openssl command.

import AllmendeCrypto
import AllmendeTestSupport
import Testing

@Suite("Ed25519")
struct Ed25519Tests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let name: String
        let secretKey: [UInt8]
        let publicKey: [UInt8]
        let message: [UInt8]
        let signature: [UInt8]
        let isValid: Bool
        var testDescription: String { name }
    }

    static func vectors() throws -> [Vector] {
        try Repository.vectorCases("ed25519-rfc8032.json").map { entry in
            func bytes(_ key: String) -> [UInt8] { Hex.decode(entry[key] as? String ?? "") ?? [] }
            return Vector(name: entry["name"] as? String ?? "?", secretKey: bytes("secretKey"), publicKey: bytes("publicKey"),
                          message: bytes("message"), signature: bytes("signature"), isValid: entry["valid"] as? Bool ?? false)
        }
    }

    @Test("RFC 8032 section 7.1 vectors: derive the key, reproduce the signature, verify",
          arguments: try vectors().filter(\.isValid))
    func rfc8032(_ vector: Vector) throws {
        let key = try Ed25519PrivateKey(rawRepresentation: vector.secretKey)
        #expect(key.publicKey.rawRepresentation == vector.publicKey)
        let signature = try key.signature(for: vector.message)
        #expect(signature.rawRepresentation == vector.signature)
        let publicKey = try Ed25519PublicKey(rawRepresentation: vector.publicKey)
        #expect(publicKey.isValidSignature(try Ed25519Signature(rawRepresentation: vector.signature), for: vector.message))
        #expect(try key.rawRepresentation() == vector.secretKey)
    }

    @Test("must-reject cases are rejected", arguments: try vectors().filter { !$0.isValid })
    func mustReject(_ vector: Vector) throws {
        let publicKey = try Ed25519PublicKey(rawRepresentation: vector.publicKey)
        #expect(!publicKey.isValidSignature(try Ed25519Signature(rawRepresentation: vector.signature), for: vector.message))
    }

    @Test("the vector file covers tests 1, 2, 3 and 1024")
    func vectorFileIsComplete() throws {
        let names = try Self.vectors().filter(\.isValid).map(\.name)
        for test in ["TEST 1 ", "TEST 2 ", "TEST 3 ", "TEST 1024 "] { #expect(names.contains { $0.contains(test) }) }
        #expect(try Self.vectors().first { $0.name.contains("TEST 1024") }?.message.count == 1023)
    }

    @Test("raw lengths are checked")
    func lengths() {
        #expect(throws: CryptoError.invalidLength(what: "Ed25519 private key", length: 31, expected: 32)) {
            try Ed25519PrivateKey(rawRepresentation: [UInt8](repeating: 1, count: 31))
        }
        #expect(throws: CryptoError.invalidLength(what: "Ed25519 public key", length: 33, expected: 32)) {
            try Ed25519PublicKey(rawRepresentation: [UInt8](repeating: 1, count: 33))
        }
        #expect(throws: CryptoError.invalidLength(what: "Ed25519 signature", length: 63, expected: 64)) {
            try Ed25519Signature(rawRepresentation: [UInt8](repeating: 1, count: 63))
        }
    }

    @Test("PEM round trip keeps the key; new keys differ")
    func pemRoundTrip() throws {
        let key = try Ed25519PrivateKey()
        let pem = try key.pemRepresentation()
        #expect(pem.hasPrefix("-----BEGIN PRIVATE KEY-----"))
        let loaded = try Ed25519PrivateKey(pemRepresentation: Array(pem.utf8))
        #expect(loaded.publicKey == key.publicKey)
        #expect(try Ed25519PrivateKey().publicKey != key.publicKey)
        let publicPEM = try key.publicKey.pemRepresentation()
        #expect(try Ed25519PublicKey(pemRepresentation: Array(publicPEM.utf8)) == key.publicKey)
    }

    @Test("a signature made here verifies with openssl pkeyutl -rawin")
    func opensslVerifiesOurSignature() throws {
        try withTempDirectory("ed25519") { folder throws in
            let key = try Ed25519PrivateKey()
            let message = Array("cutting plan v2 for the timber block".utf8)
            try folder.write("pub.pem", text: try key.publicKey.pemRepresentation())
            try folder.write("msg.bin", message)
            try folder.write("sig.bin", try key.signature(for: message).rawRepresentation)
            let verify = try ProcessRunner.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", folder.file("pub.pem"),
                                                           "-rawin", "-in", folder.file("msg.bin"), "-sigfile", folder.file("sig.bin")])
            #expect(verify.status == 0)
            #expect(verify.standardOutput.contains("Signature Verified Successfully"))
            // And openssl rejects it for another message.
            try folder.write("msg.bin", Array("cutting plan v3".utf8))
            let reject = try ProcessRunner.run("openssl", ["pkeyutl", "-verify", "-pubin", "-inkey", folder.file("pub.pem"),
                                                           "-rawin", "-in", folder.file("msg.bin"), "-sigfile", folder.file("sig.bin")])
            #expect(reject.status != 0)
        }
    }

    @Test("a key from openssl genpkey loads, and its openssl signature verifies here")
    func opensslKeyAndSignature() throws {
        try withTempDirectory("ed25519") { folder throws in
            let generate = try ProcessRunner.run("openssl", ["genpkey", "-algorithm", "ed25519", "-out", folder.file("key.pem")])
            try #require(generate.status == 0)
            let message = Array("fuel-cell end plate, rev C".utf8)
            try folder.write("msg.bin", message)
            let sign = try ProcessRunner.run("openssl", ["pkeyutl", "-sign", "-inkey", folder.file("key.pem"), "-rawin",
                                                         "-in", folder.file("msg.bin"), "-out", folder.file("sig.bin")])
            try #require(sign.status == 0)
            let pem = try ProcessRunner.run("cat", [folder.file("key.pem")]).outputBytes
            let key = try Ed25519PrivateKey(pemRepresentation: pem)
            let signature = try Ed25519Signature(rawRepresentation: try ProcessRunner.run("cat", [folder.file("sig.bin")]).outputBytes)
            #expect(key.publicKey.isValidSignature(signature, for: message))
            #expect(!key.publicKey.isValidSignature(signature, for: message + [0]))
            // Ed25519 is deterministic: our signature is byte-identical to openssl's.
            #expect(try key.signature(for: message) == signature)
        }
    }

    @Test("an encrypted key is refused with advice instead of a passphrase prompt")
    func encryptedKey() throws {
        try withTempDirectory("ed25519") { folder throws in
            let generate = try ProcessRunner.run("openssl", ["genpkey", "-algorithm", "ed25519", "-aes-256-cbc",
                                                             "-pass", "pass:secret", "-out", folder.file("key.pem")])
            try #require(generate.status == 0)
            let pem = try ProcessRunner.run("cat", [folder.file("key.pem")]).outputBytes
            #expect(throws: CryptoError.encryptedPrivateKey) { try Ed25519PrivateKey(pemRepresentation: pem) }
            #expect(CryptoError.encryptedPrivateKey.description.contains("encrypted"))
        }
    }

    @Test("a key of another algorithm is refused, naming it")
    func wrongAlgorithm() throws {
        try withTempDirectory("ed25519") { folder throws in
            let generate = try ProcessRunner.run("openssl", ["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256",
                                                             "-out", folder.file("ec.pem")])
            try #require(generate.status == 0)
            let pem = try ProcessRunner.run("cat", [folder.file("ec.pem")]).outputBytes
            #expect(throws: CryptoError.wrongKeyType(found: "EC")) { try Ed25519PrivateKey(pemRepresentation: pem) }
        }
    }

    @Test("garbage, empty and truncated key files give a clear error", arguments: [
        "", "hello", "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEI\n-----END PRIVATE KEY-----\n",
    ])
    func malformedKey(text: String) {
        do {
            _ = try Ed25519PrivateKey(pemRepresentation: Array(text.utf8))
            Issue.record("accepted a malformed key")
        } catch let error {
            guard case .malformedPrivateKey = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(error.description.hasPrefix("not a PEM private key"))
        }
    }

    @Test("secure random bytes have the asked length and differ")
    func randomBytes() throws {
        let first = try SecureRandom.bytes(count: 32)
        let second = try SecureRandom.bytes(count: 32)
        #expect(first.count == 32)
        #expect(first != second)
        #expect(try SecureRandom.bytes(count: 0).isEmpty)
    }
}
