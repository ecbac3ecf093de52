// PackageVectorTests.swift: Protocol/vectors/manifests.json and statements.json, made by an independent Python implementation.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("Package and statement vectors")
struct PackageVectorTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let fields: [String: String]
        let isValid: Bool
        var testDescription: String { fields["name"] ?? "?" }
    }

    static func cases(_ file: String) throws -> [Case] {
        try Repository.vectorCases(file).map { entry in
            Case(fields: entry.compactMapValues { $0 as? String }, isValid: entry["valid"] as? Bool ?? (entry["error"] == nil))
        }
    }

    @Test("manifests: canonical form and package ID", arguments: try cases("manifests.json").filter(\.isValid))
    func manifest(_ vector: Case) throws {
        let manifest = try DesignManifest(parsing: Array((vector.fields["input"] ?? "").utf8))
        #expect(String(decoding: try manifest.canonicalBytes(), as: UTF8.self) == vector.fields["canonical"])
        #expect(try manifest.packageID().hex == vector.fields["packageID"])
    }

    @Test("manifests: must-reject cases name the problem", arguments: try cases("manifests.json").filter { !$0.isValid })
    func manifestRejected(_ vector: Case) {
        do {
            _ = try DesignManifest(parsing: Array((vector.fields["input"] ?? "").utf8))
            Issue.record("accepted")
        } catch {
            #expect(error.description.contains(vector.fields["error"] ?? "?"), "message was: \(error)")
        }
    }

    @Test("statements: signatures, delegations and IDs", arguments: try cases("statements.json").filter(\.isValid))
    func statement(_ vector: Case) throws {
        let bytes = Array((vector.fields["signed"] ?? "").utf8)
        let signed = try SignedStatement(parsing: bytes)
        #expect(try signed.canonicalBytes() == bytes)
        let verified = try signed.verify()
        #expect(verified.id.hex == vector.fields["statementID"])
        #expect(verified.identity.text == vector.fields["identity"])
        #expect(verified.device.text == vector.fields["device"])
    }

    @Test("statements: must-reject cases are refused", arguments: try cases("statements.json").filter { !$0.isValid })
    func statementRejected(_ vector: Case) {
        #expect(throws: ModelError.self) {
            try SignedStatement(parsing: Array((vector.fields["signed"] ?? "").utf8)).verify()
        }
    }

    @Test("we sign exactly what the reference implementation signs (Ed25519 is deterministic)")
    func sameSignatures() throws {
        let vector = try #require(try Self.cases("statements.json").first { $0.fields["name"] == "attest signed by a delegated device key" })
        let reference = try SignedStatement(parsing: Array((vector.fields["signed"] ?? "").utf8))
        let ours = try SignedStatement.sign(reference.statement, with: Fixtures.deviceKey,
                                            delegation: try Delegation.sign(device: Fixtures.device, validFrom: reference.delegation!.validFrom,
                                                                            label: reference.delegation?.label, with: Fixtures.labKey))
        #expect(ours == reference)
    }
}
