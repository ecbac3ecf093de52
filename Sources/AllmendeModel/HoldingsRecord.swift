// HoldingsRecord.swift: AllmendeModel. "Node N holds these packages complete", signed by N: a signed state
// (sequence number, times, count, digest of the sorted package IDs) and the IDs, whole or as a change against the
// previous state. Pure. Spec: Protocol/holders.md.

import AllmendeCrypto
import CanonicalJSON

/// A node's inventory as it travels: the signed state plus either the whole ID list (`base` 0) or what changed
/// since state `base` (`seq - 1`). The signature covers the state only, so any node that knows the set can pass
/// the state on whole, and any node that has the base can check a change by the digest.
///
/// Signed with the node key over `"Allmende holdings v1\0"` ‖ canonical JSON of
/// `{schema, node, addresses, seq, time, expires, count, digest}`.
public struct HoldingsRecord: Equatable, Sendable {
    public static let schema = "allmende/holdings/1"
    public static let signingContext = Array("Allmende holdings v1\u{0}".utf8)
    /// Most packages one node's inventory lists (and most IDs in one record's lists together).
    public static let maximumPackages = 10_000
    /// Longest validity a record may claim: `expires - time`.
    public static let maximumLifetime: Int64 = 7 * 24 * 3600
    /// Longest encoded record.
    public static let maximumBytes = 1 << 20
    /// Most addresses a state names (where the holder can be dialled).
    public static let maximumAddresses = 4

    /// The signed part.
    public struct State: Equatable, Sendable {
        public var node: NodeID
        /// `host:port` where the holder listens (0 to 4), so a fetcher can dial it without its node announcement.
        public var addresses: [String]
        /// Grows by one with each new state (a change or a renewal).
        public var seq: UInt64
        public var time: Timestamp
        /// After this the node is no longer counted as a holder unless a newer state came.
        public var expires: Timestamp
        public var count: Int
        /// SHA-256 of the sorted 32-byte package IDs, concatenated (`HoldingsRecord.digest(of:)`).
        public var digest: ContentID
        public var signature: Ed25519Signature

        public init(node: NodeID, addresses: [String], seq: UInt64, time: Timestamp, expires: Timestamp, count: Int, digest: ContentID,
                    signature: Ed25519Signature) {
            self.node = node
            self.addresses = addresses
            self.seq = seq
            self.time = time
            self.expires = expires
            self.count = count
            self.digest = digest
            self.signature = signature
        }
    }

    public var state: State
    /// 0: `added` is the whole list. Otherwise the seq of the node's previous state: apply `removed`, then `added`,
    /// to that state's list.
    public var base: UInt64
    public var added: [ContentID]
    public var removed: [ContentID]
    /// Only in whole records, optional: the delegation by which a lab lets this node sign for it (its own
    /// signature proves it; `device` must be the node), so "held by" can name the lab.
    public var delegation: Delegation?

    public var isWhole: Bool { base == 0 }

    /// True if the delegation, if any, is signed by its lab and names this node as the device.
    public var isDelegationValid: Bool { delegation.map { $0.device == state.node && $0.isValid } ?? true }

    /// The digest of a set of package IDs.
    public static func digest(of ids: some Collection<ContentID>) -> ContentID { ContentID.setDigest(ids.sorted()) }

    /// Signs a new state of `ids` and returns it whole.
    public static func sign(_ ids: Set<ContentID>, addresses: [String] = [], seq: UInt64, time: Timestamp, lifetime: Int64,
                            with key: Ed25519PrivateKey) throws(ModelError) -> HoldingsRecord {
        let addresses = Array(addresses.prefix(maximumAddresses))
        guard seq > 0 else { throw .invalidField(path: "seq", reason: "starts at 1") }
        guard ids.count <= maximumPackages else {
            throw .invalidField(path: "count", reason: "\(ids.count) packages; one node announces at most \(maximumPackages)")
        }
        guard lifetime > 0, lifetime <= maximumLifetime else {
            throw .invalidField(path: "expires", reason: "a record is valid for 1 second to 7 days")
        }
        let node = NodeID(publicKey: key.publicKey)
        let expires = Timestamp(secondsSinceEpoch: time.secondsSinceEpoch + lifetime)
        let digest = digest(of: ids)
        let message = try signedMessage(node: node, addresses: addresses, seq: seq, time: time, expires: expires, count: ids.count, digest: digest)
        let signature: Ed25519Signature
        do { signature = try key.signature(for: message) } catch { throw .badSignature(what: "signing the holdings failed: \(error)") }
        let state = State(node: node, addresses: addresses, seq: seq, time: time, expires: expires, count: ids.count, digest: digest, signature: signature)
        return HoldingsRecord(state: state, base: 0, added: ids.sorted(), removed: [])
    }

    /// The same state as a change against the node's previous state `base` (whose set was `previous`).
    public func change(from base: UInt64, _ previous: Set<ContentID>, to current: Set<ContentID>) -> HoldingsRecord {
        HoldingsRecord(state: state, base: base, added: current.subtracting(previous).sorted(), removed: previous.subtracting(current).sorted(),
                       delegation: nil)
    }

    private static func signedMessage(node: NodeID, addresses: [String], seq: UInt64, time: Timestamp, expires: Timestamp, count: Int,
                                      digest: ContentID) throws(ModelError) -> [UInt8] {
        let value: JSONValue = ["schema": .string(schema), "node": .string(node.text), "addresses": .array(addresses.map { .string($0) }),
                                "seq": .number(Double(seq)),
                                "time": .string(time.description), "expires": .string(expires.description),
                                "count": .number(Double(count)), "digest": .string(digest.hex)]
        do { return signingContext + (try CanonicalEncoder.encode(value)) } catch { throw .notCanonical(error.description) }
    }

    /// True if the node's own key signed the state (the lists are checked by the digest against a set, where the
    /// set is kept: `HolderTable`).
    public var isSignatureValid: Bool {
        guard let message = try? Self.signedMessage(node: state.node, addresses: state.addresses, seq: state.seq, time: state.time, expires: state.expires,
                                                    count: state.count, digest: state.digest) else { return false }
        return state.node.publicKey.isValidSignature(state.signature, for: message)
    }

    /// Canonical bytes for the wire.
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        var value: [String: JSONValue] = [
            "schema": .string(Self.schema), "node": .string(state.node.text), "addresses": .array(state.addresses.map { .string($0) }),
            "seq": .number(Double(state.seq)),
            "time": .string(state.time.description), "expires": .string(state.expires.description),
            "count": .number(Double(state.count)), "digest": .string(state.digest.hex),
            "signature": .string(Hex.encode(state.signature.rawRepresentation)),
            "base": .number(Double(base)), "added": .array(added.map { .string($0.hex) }),
        ]
        if !removed.isEmpty { value["removed"] = .array(removed.map { .string($0.hex) }) }
        if let delegation { value["delegation"] = delegation.json }
        do { return try CanonicalEncoder.encode(.object(value)) } catch { throw .notCanonical(error.description) }
    }

    /// Parses and checks the shape (lists sorted and distinct, `base` 0 or `seq - 1`, times in order, lifetime at
    /// most 7 days); not the signature (`isSignatureValid`) nor the digest (`resultingSet(from:)`).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: Self.maximumBytes) } catch { throw .invalidJSON(error) }
        var reader = try JSONObjectReader(value, path: "")
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let node = try reader.nodeID("node")
        let addresses = try reader.array("addresses", maximumCount: Self.maximumAddresses) { (value, path) throws(ModelError) in
            try stringElement(value, path: path, maximumLength: 262)
        }
        let seq = UInt64(try reader.integer("seq", maximum: 1 << 53))
        let time = try readTime(&reader, "time")
        let expires = try readTime(&reader, "expires")
        let count = try reader.integer("count", maximum: Self.maximumPackages)
        let digest = try reader.contentID("digest")
        let signature = try readSignature(&reader)
        base = UInt64(try reader.integer("base", maximum: 1 << 53))
        let list = { (value: JSONValue, path: String) throws(ModelError) -> ContentID in
            try JSONObjectReader.contentID(try stringElement(value, path: path, maximumLength: 64), path: path)
        }
        added = try reader.array("added", maximumCount: Self.maximumPackages, list)
        removed = try reader.array("removed", maximumCount: Self.maximumPackages, list)
        delegation = try reader.value("delegation").map { (value) throws(ModelError) in try Delegation.parse(value) }
        try reader.rejectUnknownKeys()
        guard seq > 0 else { throw .invalidField(path: "seq", reason: "starts at 1") }
        guard base < seq else { throw .invalidField(path: "base", reason: "must be 0 (whole) or the seq of an earlier state (a change)") }
        guard expires > time, expires.secondsSinceEpoch - time.secondsSinceEpoch <= Self.maximumLifetime else {
            throw .invalidField(path: "expires", reason: "must be after time, by at most 7 days")
        }
        guard base != 0 || removed.isEmpty else { throw .invalidField(path: "removed", reason: "a whole record removes nothing") }
        guard base == 0 || delegation == nil else { throw .invalidField(path: "delegation", reason: "only a whole record carries the lab's delegation") }
        guard added.count + removed.count <= Self.maximumPackages else {
            throw .invalidField(path: "added", reason: "more than \(Self.maximumPackages) IDs in one record")
        }
        for (name, ids) in [("added", added), ("removed", removed)] where zip(ids, ids.dropFirst()).contains(where: { $0 >= $1 }) {
            throw .invalidField(path: name, reason: "IDs must be sorted and distinct")
        }
        state = State(node: node, addresses: addresses, seq: seq, time: time, expires: expires, count: count, digest: digest, signature: signature)
    }

    public init(state: State, base: UInt64, added: [ContentID], removed: [ContentID], delegation: Delegation? = nil) {
        self.state = state
        self.delegation = delegation
        self.base = base
        self.added = added
        self.removed = removed
    }
}
