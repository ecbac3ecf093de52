// SignedLabProfile.swift: AllmendeModel. A lab profile signed by the lab identity or a delegated device, and
// the rule that picks each lab's current profile. Pure. Spec: Protocol/lab-profile.md.

import AllmendeCrypto
import CanonicalJSON

/// `{"profile": {…}, "signer": "<node ID>", "delegation": {…} (absent when the identity signs itself),
/// "signature": "<128 hex>"}`; the signature covers `"Allmende lab profile v1\0"` ‖ the profile's canonical bytes.
public struct SignedLabProfile: Equatable, Sendable {
    public var profile: LabProfile
    public var signer: NodeID
    public var delegation: Delegation?
    public var signature: Ed25519Signature

    /// Largest encoded signed profile accepted (fits one `announce` frame, as every catalog entry does).
    public static let maximumSize = 32 * 1024

    public static func sign(_ profile: LabProfile, with key: Ed25519PrivateKey, delegation: Delegation?) throws(ModelError) -> SignedLabProfile {
        let signer = NodeID(publicKey: key.publicKey)
        let signature: Ed25519Signature
        do { signature = try key.signature(for: try profile.signingMessage()) } catch let error as ModelError { throw error } catch {
            throw .badSignature(what: "signing failed: \(error)")
        }
        let signed = SignedLabProfile(profile: profile, signer: signer, delegation: signer == profile.identity ? nil : delegation, signature: signature)
        let size = try signed.canonicalBytes().count
        guard size <= maximumSize else {
            throw .invalidField(path: "profile", reason: "the signed profile is \(size) bytes, the limit is \(maximumSize): shorten the description or list less equipment")
        }
        return signed
    }

    init(profile: LabProfile, signer: NodeID, delegation: Delegation?, signature: Ed25519Signature) {
        self.profile = profile
        self.signer = signer
        self.delegation = delegation
        self.signature = signature
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["profile": profile.json, "signer": .string(signer.text),
                                            "signature": .string(Hex.encode(signature.rawRepresentation))]
        if let delegation { members["delegation"] = delegation.json }
        return .object(members)
    }

    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        do { return try CanonicalEncoder.encode(json) } catch { throw .notCanonical(error.description) }
    }

    /// The entry ID: SHA-256 of the canonical bytes.
    public func entryID() throws(ModelError) -> ContentID { SHA256Hasher.hash(try canonicalBytes()) }

    public init(parsing bytes: [UInt8]) throws(ModelError) {
        guard bytes.count <= Self.maximumSize else { throw .invalidField(path: "profile", reason: "longer than \(Self.maximumSize) bytes") }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: Self.maximumSize) } catch { throw .invalidJSON(error) }
        try self.init(parsed: value)
    }

    init(parsed value: JSONValue) throws(ModelError) {
        var reader = try JSONObjectReader(value, path: "")
        guard let profileValue = reader.value("profile") else { throw .invalidField(path: "profile", reason: "is required") }
        profile = try LabProfile.parse(profileValue)
        signer = try reader.nodeID("signer")
        delegation = try reader.value("delegation").map { (value) throws(ModelError) in try Delegation.parse(value) }
        signature = try readSignature(&reader)
        try reader.rejectUnknownKeys()
        try requireNormalForm(json, input: value)
    }

    /// Checks the signature and the chain device → identity (as for statements): the signer is the identity, or
    /// a device with a delegation from it valid at the profile's time; no revocation of the device took effect
    /// at or before that time.
    public func verify(revocations: [Revocation] = []) throws(ModelError) {
        guard signer.publicKey.isValidSignature(signature, for: try profile.signingMessage()) else {
            throw .badSignature(what: "the lab profile's signature does not match its content and signer \(signer.text)")
        }
        try Delegation.checkChain(signer: signer, identity: profile.identity, delegation: delegation, time: profile.time,
                                  revocations: revocations, what: "profile")
    }
}

extension RevocationRule {
    /// The revocation that makes `signed` unacceptable (claimed time or first sighting after it), if any.
    public func revocation(against signed: SignedLabProfile, firstSeen: Timestamp?) -> Revocation? {
        revocations.first { revocation in
            revocation.identity == signed.profile.identity && revocation.device == signed.signer
                && (revocation.revokedFrom <= signed.profile.time || (firstSeen.map { revocation.revokedFrom <= $0 } ?? false))
        }
    }
}

/// Each lab's current profile among many signed ones: per identity the latest by time (at the same second a
/// withdrawal first, then the larger entry ID); a withdrawal as the latest leaves the lab without a profile.
public struct LabProfileSet: Sendable {
    public private(set) var latest: [NodeID: (profile: SignedLabProfile, id: ContentID)] = [:]

    public init() {}

    /// Considers one verified profile; true if it is now its lab's latest.
    @discardableResult
    public mutating func consider(_ signed: SignedLabProfile, id: ContentID) -> Bool {
        if let known = latest[signed.profile.identity] {
            let (time, knownTime) = (signed.profile.time, known.profile.profile.time)
            let (withdraws, knownWithdraws) = (signed.profile.withdrawn != nil, known.profile.profile.withdrawn != nil)
            // Later wins; at the same second a withdrawal wins, then the larger entry ID.
            let newer = time > knownTime || time == knownTime && (withdraws && !knownWithdraws || withdraws == knownWithdraws && id.hex > known.id.hex)
            guard newer else { return false }
        }
        latest[signed.profile.identity] = (signed, id)
        return true
    }

    /// Current profiles (withdrawals left out), by lab name then identity.
    public var current: [SignedLabProfile] {
        latest.values.map(\.profile).filter { $0.profile.withdrawn == nil }
            .sorted { ($0.profile.name, $0.profile.identity.text) < ($1.profile.name, $1.profile.identity.text) }
    }
}
