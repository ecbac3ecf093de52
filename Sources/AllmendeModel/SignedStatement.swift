// SignedStatement.swift: AllmendeModel. A statement with its device signature and delegation; verification. Pure.

import AllmendeCrypto
import CanonicalJSON

/// A statement signed by a device key, carrying the delegation that ties the device to the lab identity.
///
/// JSON: `{"statement": {…}, "signer": "<device node ID>", "delegation": {…} (absent when the identity signs
/// itself), "signature": "<128 hex>"}`. The signature covers `"Allmende statement v1\0"` ‖ the statement's
/// canonical bytes. The statement ID is the SHA-256 of the canonical bytes of this whole object.
public struct SignedStatement: Equatable, Sendable {
    public var statement: Statement
    public var signer: NodeID
    public var delegation: Delegation?
    public var signature: Ed25519Signature

    /// Largest encoded statement accepted: 65,535 bytes, so that it fits an `announce` control frame (64 KiB
    /// including the type byte).
    public static let maximumSize = 64 * 1024 - 1

    /// Signs `statement` with `deviceKey`; `delegation` is required unless the device key is the identity.
    public static func sign(_ statement: Statement, with deviceKey: Ed25519PrivateKey, delegation: Delegation?) throws(ModelError) -> SignedStatement {
        try statement.validate()
        let signer = NodeID(publicKey: deviceKey.publicKey)
        do {
            let signature = try deviceKey.signature(for: try statement.signingMessage())
            return SignedStatement(statement: statement, signer: signer, delegation: signer == statement.identity ? nil : delegation,
                                   signature: signature)
        } catch let error as ModelError {
            throw error
        } catch {
            throw .badSignature(what: "signing failed: \(error)")
        }
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["statement": statement.json, "signer": .string(signer.text),
                                            "signature": .string(Hex.encode(signature.rawRepresentation))]
        if let delegation { members["delegation"] = delegation.json }
        return .object(members)
    }

    /// Canonical bytes of the whole signed statement.
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        do { return try CanonicalEncoder.encode(json) } catch { throw .notCanonical(error.description) }
    }

    /// The statement ID: SHA-256 of `canonicalBytes()`.
    public func statementID() throws(ModelError) -> ContentID { SHA256Hasher.hash(try canonicalBytes()) }

    /// Parses a signed statement (signatures are not checked here; see `verify`).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: Self.maximumSize) } catch { throw .invalidJSON(error) }
        try self.init(parsed: value)
    }

    /// From JSON already parsed (the caller parsed the bytes once).
    init(parsed value: JSONValue) throws(ModelError) {
        var reader = try JSONObjectReader(value, path: "")
        guard let statementValue = reader.value("statement") else { throw .invalidField(path: "statement", reason: "is required") }
        statement = try Statement.parse(statementValue, path: "statement")
        signer = try reader.nodeID("signer")
        delegation = try reader.value("delegation").map { (value) throws(ModelError) in try Delegation.parse(value) }
        signature = try readSignature(&reader)
        try reader.rejectUnknownKeys()
        try requireNormalForm(json, input: value)
    }

    init(statement: Statement, signer: NodeID, delegation: Delegation?, signature: Ed25519Signature) {
        self.statement = statement
        self.signer = signer
        self.delegation = delegation
        self.signature = signature
    }

    /// Checks every signature and the chain device → identity, honouring `revocations`.
    ///
    /// Returns who signed what. Fails if the device signature is bad, the delegation is missing, bad, for
    /// another device or identity, or younger than the statement, or if a valid revocation of the device
    /// by the identity took effect at or before the statement's time.
    public func verify(revocations: [Revocation] = []) throws(ModelError) -> VerifiedStatement {
        let message = try statement.signingMessage()
        guard signer.publicKey.isValidSignature(signature, for: message) else {
            throw .badSignature(what: "the \(statement.kind.rawValue) statement's signature does not match its content and signer \(signer.text)")
        }
        try Delegation.checkChain(signer: signer, identity: statement.identity, delegation: delegation, time: statement.time,
                                  revocations: revocations, what: "statement")
        return VerifiedStatement(statement: statement, identity: statement.identity, device: signer, id: try statementID(),
                                 deviceLabel: signer == statement.identity ? nil : delegation?.label)
    }
}

/// A statement whose signatures checked out.
public struct VerifiedStatement: Equatable, Sendable {
    public let statement: Statement
    /// The lab identity the statement speaks for.
    public let identity: NodeID
    /// The device key that signed it (equal to `identity` when the identity signed itself).
    public let device: NodeID
    /// The statement ID.
    public let id: ContentID
    /// What the lab calls the signing device in its delegation ("Fab Lab Berlin, workshop node"), if it says.
    public var deviceLabel: String? = nil
}
