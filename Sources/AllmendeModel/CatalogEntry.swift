// CatalogEntry.swift: AllmendeModel. What the catalog carries: signed statements, revocations, lab profiles. Pure.
// Spec: Protocol/statements.md "Revocation".

import AllmendeCrypto
import CanonicalJSON

/// One catalog entry: a signed statement (publish, attest, retract) or a lab's revocation of one of its device
/// keys. Both travel by gossip and reconciliation; the entry ID is the SHA-256 of the canonical bytes.
public enum CatalogEntry: Equatable, Sendable {
    case statement(SignedStatement)
    case revocation(Revocation)
    /// A lab's profile (or its withdrawal): where it is and what it can make.
    case profile(SignedLabProfile)

    /// Parses entry bytes: a revocation if its top-level `schema` is `allmende/revocation/1`, a signed statement
    /// otherwise. The bytes must be exactly the canonical (RFC 8785) encoding, so one signed document is one
    /// entry ID (spaces or key order cannot make copies). Signatures are not checked here.
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        try self.init(parsing: bytes, checkingCanonicalForm: true)
    }

    /// Parses an entry this node stored itself after checking it (its own catalog log): the bytes' canonical form
    /// was checked when they were accepted, so it is not checked again.
    public init(parsingStored bytes: [UInt8]) throws(ModelError) {
        try self.init(parsing: bytes, checkingCanonicalForm: false)
    }

    private init(parsing bytes: [UInt8], checkingCanonicalForm: Bool) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: SignedStatement.maximumSize) } catch { throw .invalidJSON(error) }
        if value["schema"]?.stringValue == Revocation.schema {
            guard bytes.count <= Revocation.maximumSize else { throw .invalidField(path: "revocation", reason: "longer than \(Revocation.maximumSize) bytes") }
            self = .revocation(try Revocation.parse(value))
        } else if value["profile"] != nil {
            guard bytes.count <= SignedLabProfile.maximumSize else {
                throw .invalidField(path: "profile", reason: "longer than \(SignedLabProfile.maximumSize) bytes")
            }
            self = .profile(try SignedLabProfile(parsed: value))
        } else {
            self = .statement(try SignedStatement(parsed: value))
        }
        if checkingCanonicalForm, try canonicalBytes() != bytes {
            throw .notCanonical("a catalog entry must be sent in its canonical form (RFC 8785: no spaces, sorted keys)")
        }
    }

    /// The canonical bytes (whose SHA-256 is the entry ID).
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        switch self {
        case let .statement(signed): return try signed.canonicalBytes()
        case let .revocation(revocation): return try revocation.canonicalBytes()
        case let .profile(signed): return try signed.canonicalBytes()
        }
    }
}

extension Revocation {
    /// Largest encoded revocation accepted, in bytes.
    public static let maximumSize = 4096

    /// Parses a revocation in normal form (the signature is not checked here; see `isValid`).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: Self.maximumSize) } catch { throw .invalidJSON(error) }
        self = try Revocation.parse(value)
        try requireNormalForm(json, input: value)
    }

    /// Canonical bytes of the signed revocation.
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        do { return try CanonicalEncoder.encode(json) } catch { throw .notCanonical(error.description) }
    }

    /// True if this revocation takes away `device`'s right to sign for `identity` (and is really signed).
    public func revokes(device: NodeID, of identity: NodeID) -> Bool {
        self.identity == identity && self.device == device && isValid
    }
}

/// The revocations a node knows, and the rule that judges a statement by when it was signed and first seen.
public struct RevocationRule: Sendable {
    public private(set) var revocations: [Revocation]

    public init(_ revocations: [Revocation] = []) {
        self.revocations = revocations.filter(\.isValid)
    }

    /// Adds a revocation; false if it was known already or is not validly signed.
    @discardableResult
    public mutating func add(_ revocation: Revocation) -> Bool {
        guard revocation.isValid, !revocations.contains(revocation) else { return false }
        revocations.append(revocation)
        return true
    }

    /// The revocation that makes `statement` (signed by `device`) unacceptable, if any: the statement claims a
    /// time at or after the revocation took effect, or this node first saw it after that — whatever time it
    /// claims (a thief can backdate, but cannot make a node have seen the statement earlier).
    /// `firstSeen` nil means unknown (kept from before first-seen times were recorded): the claimed time decides.
    public func revocation(against statement: Statement, device: NodeID, firstSeen: Timestamp?) -> Revocation? {
        revocations.first { revocation in
            revocation.identity == statement.identity && revocation.device == device
                && (revocation.revokedFrom <= statement.time || (firstSeen.map { revocation.revokedFrom <= $0 } ?? false))
        }
    }
}
