// Delegation.swift: AllmendeModel. A lab identity key authorising a device (node) key, and revoking it. Pure.

import AllmendeCrypto
import CanonicalJSON

/// "Device key D may sign for lab identity I from `validFrom` on", signed by I.
///
/// A lab keeps its identity key offline if it likes; each node has its own device key with a delegation.
/// Rotating a key is a new delegation (and a revocation of the old key); losing one device key costs the
/// lab nothing but that key.
public struct Delegation: Equatable, Sendable {
    public static let schema = "allmende/delegation/1"
    public static let signingContext = Array("Allmende delegation v1\u{0}".utf8)

    public var identity: NodeID
    public var device: NodeID
    public var validFrom: Timestamp
    /// A human label for the device ("Fab Lab Berlin, node in the workshop").
    public var label: String?
    public var signature: Ed25519Signature

    /// Signs a delegation of `device` with `identityKey`.
    public static func sign(device: NodeID, validFrom: Timestamp, label: String?, with identityKey: Ed25519PrivateKey) throws(ModelError) -> Delegation {
        let identity = NodeID(publicKey: identityKey.publicKey)
        let message = try message(identity: identity, device: device, validFrom: validFrom, label: label)
        do {
            return Delegation(identity: identity, device: device, validFrom: validFrom, label: label,
                              signature: try identityKey.signature(for: message))
        } catch {
            throw .badSignature(what: "signing the delegation failed: \(error)")
        }
    }

    private static func message(identity: NodeID, device: NodeID, validFrom: Timestamp, label: String?) throws(ModelError) -> [UInt8] {
        var members: [String: JSONValue] = ["schema": .string(schema), "identity": .string(identity.text), "device": .string(device.text),
                                            "validFrom": .string(validFrom.description)]
        if let label { members["label"] = .string(label) }
        do { return signingContext + (try CanonicalEncoder.encode(.object(members))) } catch { throw .notCanonical(error.description) }
    }

    /// True if the identity key really signed this delegation.
    public var isValid: Bool {
        guard let message = try? Self.message(identity: identity, device: device, validFrom: validFrom, label: label) else { return false }
        return identity.publicKey.isValidSignature(signature, for: message)
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["schema": .string(Self.schema), "identity": .string(identity.text), "device": .string(device.text),
                                            "validFrom": .string(validFrom.description), "signature": .string(Hex.encode(signature.rawRepresentation))]
        if let label { members["label"] = .string(label) }
        return .object(members)
    }

    public static func parse(_ value: JSONValue, path: String = "delegation") throws(ModelError) -> Delegation {
        var reader = try JSONObjectReader(value, path: path)
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let identity = try reader.nodeID("identity")
        let device = try reader.nodeID("device")
        let validFrom = try readTime(&reader, "validFrom")
        let label = try reader.optionalString("label", maximumLength: 200)
        let signature = try readSignature(&reader)
        try reader.rejectUnknownKeys()
        return Delegation(identity: identity, device: device, validFrom: validFrom, label: label, signature: signature)
    }
}

/// "Device key D no longer speaks for identity I from `revokedFrom` on", signed by I.
public struct Revocation: Equatable, Sendable {
    public static let schema = "allmende/revocation/1"
    public static let signingContext = Array("Allmende revocation v1\u{0}".utf8)

    public var identity: NodeID
    public var device: NodeID
    public var revokedFrom: Timestamp
    public var reason: String
    public var signature: Ed25519Signature

    /// Signs a revocation of `device` with `identityKey`.
    public static func sign(device: NodeID, revokedFrom: Timestamp, reason: String, with identityKey: Ed25519PrivateKey) throws(ModelError) -> Revocation {
        let identity = NodeID(publicKey: identityKey.publicKey)
        let message = try message(identity: identity, device: device, revokedFrom: revokedFrom, reason: reason)
        do {
            return Revocation(identity: identity, device: device, revokedFrom: revokedFrom, reason: reason,
                              signature: try identityKey.signature(for: message))
        } catch {
            throw .badSignature(what: "signing the revocation failed: \(error)")
        }
    }

    private static func message(identity: NodeID, device: NodeID, revokedFrom: Timestamp, reason: String) throws(ModelError) -> [UInt8] {
        let value: JSONValue = ["schema": .string(schema), "identity": .string(identity.text), "device": .string(device.text),
                                "revokedFrom": .string(revokedFrom.description), "reason": .string(reason)]
        do { return signingContext + (try CanonicalEncoder.encode(value)) } catch { throw .notCanonical(error.description) }
    }

    /// True if the identity key really signed this revocation.
    public var isValid: Bool {
        guard let message = try? Self.message(identity: identity, device: device, revokedFrom: revokedFrom, reason: reason) else { return false }
        return identity.publicKey.isValidSignature(signature, for: message)
    }

    public var json: JSONValue {
        ["schema": .string(Self.schema), "identity": .string(identity.text), "device": .string(device.text),
         "revokedFrom": .string(revokedFrom.description), "reason": .string(reason), "signature": .string(Hex.encode(signature.rawRepresentation))]
    }

    public static func parse(_ value: JSONValue, path: String = "revocation") throws(ModelError) -> Revocation {
        var reader = try JSONObjectReader(value, path: path)
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let revocation = Revocation(identity: try reader.nodeID("identity"), device: try reader.nodeID("device"),
                                    revokedFrom: try readTime(&reader, "revokedFrom"), reason: try reader.string("reason", maximumLength: 2000),
                                    signature: try readSignature(&reader))
        try reader.rejectUnknownKeys()
        return revocation
    }
}

func readTime(_ reader: inout JSONObjectReader, _ key: String) throws(ModelError) -> Timestamp {
    let text = try reader.string(key, maximumLength: 20)
    guard let time = Timestamp(parsing: text), text.count == 20 else {
        throw .invalidField(path: reader.fieldPath(key), reason: "'\(text)' is not a UTC time such as 2026-05-01T12:00:00Z")
    }
    return time
}

func readSignature(_ reader: inout JSONObjectReader, _ key: String = "signature") throws(ModelError) -> Ed25519Signature {
    let text = try reader.string(key, maximumLength: 128)
    guard text.count == 128, text == text.lowercased(), let bytes = Hex.decode(text), let signature = try? Ed25519Signature(rawRepresentation: bytes) else {
        throw .invalidField(path: reader.fieldPath(key), reason: "expected a 64-byte Ed25519 signature as 128 lowercase hex digits")
    }
    return signature
}

extension Delegation {
    /// Checks that `signer` may sign for `identity` at `time`: it is the identity, or `delegation` is for exactly that
    /// device and identity, signed by the identity and valid from `time` or earlier; and no valid revocation of the
    /// device by the identity took effect at or before `time`. `what` names the signed thing in errors.
    static func checkChain(signer: NodeID, identity: NodeID, delegation: Delegation?, time: Timestamp, revocations: [Revocation],
                           what: String) throws(ModelError) {
        if signer != identity {
            guard let delegation else {
                throw .badSignature(what: "device key \(signer.text) signed for identity \(identity.text) without a delegation")
            }
            guard delegation.device == signer, delegation.identity == identity else {
                throw .badSignature(what: "the delegation is for device \(delegation.device.text) of identity \(delegation.identity.text), not this signer")
            }
            guard delegation.isValid else { throw .badSignature(what: "the delegation is not signed by identity \(delegation.identity.text)") }
            guard delegation.validFrom <= time else {
                throw .badSignature(what: "the \(what) (\(time)) predates the device's delegation (valid from \(delegation.validFrom))")
            }
        }
        if let revocation = revocations.first(where: { $0.identity == identity && $0.device == signer && $0.revokedFrom <= time && $0.isValid }) {
            throw .badSignature(what: "device key \(signer.text) was revoked from \(revocation.revokedFrom) (\(revocation.reason))")
        }
    }
}
