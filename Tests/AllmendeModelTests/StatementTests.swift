// StatementTests.swift: signing and verifying statements, delegations, rotation, revocation and tampering.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("Signed statements and lab identities")
struct StatementTests {
    let package = SHA256Hasher.hash(Array("package".utf8))
    let t0 = Timestamp(parsing: "2026-05-01T12:00:00Z")!

    func delegation(validFrom: Timestamp? = nil) throws -> Delegation {
        try Delegation.sign(device: Fixtures.device, validFrom: validFrom ?? t0, label: "workshop node", with: Fixtures.labKey)
    }

    @Test("a device key with a delegation signs for the lab; verification says who signed what")
    func delegatedSignature() throws {
        let statement = Statement(kind: .publish, package: package, identity: Fixtures.lab, time: t0)
        let signed = try SignedStatement.sign(statement, with: Fixtures.deviceKey, delegation: try delegation())
        let verified = try signed.verify()
        #expect(verified.identity == Fixtures.lab)
        #expect(verified.device == Fixtures.device)
        #expect(verified.statement == statement)
        // It survives a trip through its canonical bytes with the same ID.
        let reparsed = try SignedStatement(parsing: try signed.canonicalBytes())
        #expect(reparsed == signed)
        #expect(try reparsed.verify().id == verified.id)
    }

    @Test("an identity can sign for itself without a delegation")
    func selfSigned() throws {
        let statement = Statement(kind: .attest, package: package, identity: Fixtures.lab, time: t0,
                                  note: "Built two blocks at Fab Lab Example; joints fit without sanding.", photos: [package])
        let signed = try SignedStatement.sign(statement, with: Fixtures.labKey, delegation: nil)
        #expect(signed.delegation == nil)
        #expect(try signed.verify().device == Fixtures.lab)
    }

    @Test("tampering with any part is caught")
    func tampering() throws {
        let statement = Statement(kind: .retract, package: package, identity: Fixtures.lab, time: t0, reason: "cracked end plate under pressure test")
        let signed = try SignedStatement.sign(statement, with: Fixtures.deviceKey, delegation: try delegation())
        var changedReason = signed
        changedReason.statement.reason = "no reason"
        #expect(throws: ModelError.self) { try changedReason.verify() }
        var changedPackage = signed
        changedPackage.statement.package = SHA256Hasher.hash(Array("other".utf8))
        #expect(throws: ModelError.self) { try changedPackage.verify() }
        var flipped = signed.signature.rawRepresentation
        flipped[10] ^= 1
        var badSignature = signed
        badSignature.signature = try Ed25519Signature(rawRepresentation: flipped)
        #expect(throws: ModelError.self) { try badSignature.verify() }
        var noDelegation = signed
        noDelegation.delegation = nil
        #expect(throws: ModelError.self) { try noDelegation.verify() }
        var forgedDelegation = signed
        forgedDelegation.delegation = try Delegation.sign(device: Fixtures.device, validFrom: t0, label: nil, with: Fixtures.deviceKey)
        #expect(throws: ModelError.self) { try forgedDelegation.verify() }
    }

    @Test("a statement older than its delegation is refused")
    func delegationStart() throws {
        let later = Timestamp(secondsSinceEpoch: t0.secondsSinceEpoch + 3600)
        let statement = Statement(kind: .publish, package: package, identity: Fixtures.lab, time: t0)
        let signed = try SignedStatement.sign(statement, with: Fixtures.deviceKey, delegation: try delegation(validFrom: later))
        #expect(throws: ModelError.self) { try signed.verify() }
    }

    @Test("a revoked device key is honoured from the revocation time on, and rotation keeps the identity")
    func revocationAndRotation() throws {
        let revokedAt = Timestamp(secondsSinceEpoch: t0.secondsSinceEpoch + 86_400)
        let revocation = try Revocation.sign(device: Fixtures.device, revokedFrom: revokedAt, reason: "laptop stolen", with: Fixtures.labKey)
        #expect(revocation.isValid)
        let before = try SignedStatement.sign(Statement(kind: .publish, package: package, identity: Fixtures.lab, time: t0),
                                              with: Fixtures.deviceKey, delegation: try delegation())
        let after = try SignedStatement.sign(Statement(kind: .publish, package: package, identity: Fixtures.lab, time: revokedAt),
                                             with: Fixtures.deviceKey, delegation: try delegation())
        #expect(throws: Never.self) { try before.verify(revocations: [revocation]) }
        #expect(throws: ModelError.self) { try after.verify(revocations: [revocation]) }
        // A revocation not signed by the identity is ignored.
        var forged = revocation
        forged.reason = "changed"
        #expect(throws: Never.self) { try after.verify(revocations: [forged]) }
        // Rotation: a new device key, delegated by the same lab identity, signs for the lab.
        let newDevice = try Ed25519PrivateKey()
        let rotated = try Delegation.sign(device: NodeID(publicKey: newDevice.publicKey), validFrom: revokedAt, label: "new node", with: Fixtures.labKey)
        let signed = try SignedStatement.sign(Statement(kind: .publish, package: package, identity: Fixtures.lab, time: revokedAt),
                                              with: newDevice, delegation: rotated)
        #expect(try signed.verify(revocations: [revocation]).identity == Fixtures.lab)
    }

    @Test("each kind requires its fields")
    func kinds() {
        #expect(throws: ModelError.self) {
            try SignedStatement.sign(Statement(kind: .retract, package: package, identity: Fixtures.lab, time: t0), with: Fixtures.labKey, delegation: nil)
        }
        #expect(throws: ModelError.self) {
            try SignedStatement.sign(Statement(kind: .attest, package: package, identity: Fixtures.lab, time: t0), with: Fixtures.labKey, delegation: nil)
        }
    }

    @Test("timestamps round-trip and reject impossible dates", arguments: [
        ("2026-11-22T21:54:00Z", true), ("2024-02-29T00:00:00Z", true), ("2023-02-29T00:00:00Z", false), ("2026-13-01T00:00:00Z", false),
        ("2026-11-22T24:00:00Z", false), ("2026-11-22 21:54:00Z", false), ("1969-12-31T23:59:59Z", false), ("2026-11-22", true),
    ])
    func timestamps(text: String, isValid: Bool) {
        let parsed = Timestamp(parsing: text)
        #expect((parsed != nil) == isValid)
        if let parsed, text.count == 20 { #expect(parsed.description == text) }
    }

    @Test("decimal amounts are exact")
    func decimals() {
        #expect(DecimalAmount(parsing: "0.1")!.adding(DecimalAmount(parsing: "0.2")!)!.description == "0.3")
        #expect(DecimalAmount(parsing: "2.5")!.multiplied(by: DecimalAmount(parsing: "38.9")!)!.description == "97.25")
        #expect(DecimalAmount(parsing: "1.005")!.rounded(toDigits: 2) == "1.01")
        #expect(DecimalAmount(parsing: "3")!.rounded(toDigits: 2) == "3.00")
        for bad in ["", "-1", "1e3", "1,5", "1.", ".5", "0.0000001", "1.2.3", "9999999999999"] { #expect(DecimalAmount(parsing: bad) == nil) }
        let big = DecimalAmount(parsing: "999999999999")!
        #expect(big.multiplied(by: big) == nil)
    }
}

@Suite("Revocation rule")
struct RevocationRuleTests {
    @Test("catalog entries are told apart by schema; a revocation must be in normal form")
    func entryKinds() throws {
        let revocation = try Revocation.sign(device: Fixtures.device, revokedFrom: Timestamp(secondsSinceEpoch: 1_790_000_000),
                                             reason: "stolen", with: Fixtures.labKey)
        let bytes = try revocation.canonicalBytes()
        #expect(try CatalogEntry(parsing: bytes) == .revocation(revocation))
        let spaced = Array(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: ",", with: ", ").utf8)
        #expect(throws: ModelError.self) { try CatalogEntry(parsing: spaced) }
        var forged = revocation
        forged.reason = "not what the lab said"
        #expect(RevocationRule([forged]).revocations.isEmpty)
    }

    @Test("a statement by a revoked device: refused if it claims a later time or was first seen later, whatever it claims")
    func firstSeenBeatsClaimedTime() throws {
        let revokedFrom = Timestamp(secondsSinceEpoch: 1_790_000_000)
        let rule = RevocationRule([try Revocation.sign(device: Fixtures.device, revokedFrom: revokedFrom, reason: "stolen", with: Fixtures.labKey)])
        let early = Statement(kind: .attest, package: SHA256Hasher.hash([1]), identity: Fixtures.lab, time: Timestamp(secondsSinceEpoch: 1_780_000_000))
        let late = Statement(kind: .attest, package: SHA256Hasher.hash([1]), identity: Fixtures.lab, time: Timestamp(secondsSinceEpoch: 1_790_000_001))
        let seenBefore = Timestamp(secondsSinceEpoch: 1_789_999_000)
        let seenAfter = Timestamp(secondsSinceEpoch: 1_790_000_500)
        #expect(rule.revocation(against: early, device: Fixtures.device, firstSeen: seenBefore) == nil)
        #expect(rule.revocation(against: early, device: Fixtures.device, firstSeen: nil) == nil)
        #expect(rule.revocation(against: early, device: Fixtures.device, firstSeen: seenAfter) != nil)   // backdated
        #expect(rule.revocation(against: late, device: Fixtures.device, firstSeen: seenBefore) != nil)
        // Another device of the same lab, or the same device key speaking for another identity, is not affected.
        #expect(rule.revocation(against: early, device: Fixtures.lab, firstSeen: seenAfter) == nil)
        let other = Statement(kind: .attest, package: SHA256Hasher.hash([1]), identity: Fixtures.device, time: early.time)
        #expect(rule.revocation(against: other, device: Fixtures.device, firstSeen: seenAfter) == nil)
    }
}

@Suite("Node announcement vector")
struct NodeAnnouncementVectorTests {
    @Test("the node announcement in frames.json (signed by an independent encoder) parses and verifies")
    func frameVector() throws {
        let cases = try Repository.vectorCases("frames.json")
        let message = try #require(cases.compactMap { $0["message"] as? [String: Any] }.first { $0["type"] as? String == "node" })
        let body = try #require(Hex.decode(message["body"] as? String ?? ""))
        let announcement = try NodeAnnouncement(parsing: body)
        #expect(announcement.isValid)
        #expect(announcement.addresses == ["198.51.100.7:7310"])
        #expect(try announcement.canonicalBytes() == body)
        #expect(announcement.node == NodeID(publicKey: Fixtures.labKey.publicKey))
    }
}
