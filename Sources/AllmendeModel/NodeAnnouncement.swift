// NodeAnnouncement.swift: AllmendeModel. "Node N can be reached at these addresses", signed by N. Pure.

import AllmendeCrypto
import CanonicalJSON

/// A node's signed statement of where it listens; gossiped so nodes can find peers beyond their configured ones.
///
/// Signed with the node key over `"Allmende node v1\0"` ‖ canonical JSON of `{schema, node, addresses, time}`.
public struct NodeAnnouncement: Equatable, Sendable {
    public static let schema = "allmende/node/1"
    public static let signingContext = Array("Allmende node v1\u{0}".utf8)
    /// Most addresses in one announcement.
    public static let maximumAddresses = 8

    public var node: NodeID
    /// `host:port` strings.
    public var addresses: [String]
    public var time: Timestamp
    public var signature: Ed25519Signature

    /// Signs an announcement with the node's key.
    public static func sign(addresses: [String], time: Timestamp, with key: Ed25519PrivateKey) throws(ModelError) -> NodeAnnouncement {
        let node = NodeID(publicKey: key.publicKey)
        let limited = Array(addresses.prefix(maximumAddresses))
        do {
            let signature = try key.signature(for: try message(node: node, addresses: limited, time: time))
            return NodeAnnouncement(node: node, addresses: limited, time: time, signature: signature)
        } catch let error as ModelError {
            throw error
        } catch {
            throw .badSignature(what: "signing the node announcement failed: \(error)")
        }
    }

    private static func message(node: NodeID, addresses: [String], time: Timestamp) throws(ModelError) -> [UInt8] {
        let value: JSONValue = ["schema": .string(schema), "node": .string(node.text), "addresses": .array(addresses.map { .string($0) }),
                                "time": .string(time.description)]
        do { return signingContext + (try CanonicalEncoder.encode(value)) } catch { throw .notCanonical(error.description) }
    }

    /// True if the node's own key signed it.
    public var isValid: Bool {
        guard let message = try? Self.message(node: node, addresses: addresses, time: time) else { return false }
        return node.publicKey.isValidSignature(signature, for: message)
    }

    /// Canonical bytes for the wire.
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        let value: JSONValue = ["schema": .string(Self.schema), "node": .string(node.text), "addresses": .array(addresses.map { .string($0) }),
                                "time": .string(time.description), "signature": .string(Hex.encode(signature.rawRepresentation))]
        do { return try CanonicalEncoder.encode(value) } catch { throw .notCanonical(error.description) }
    }

    /// Parses (without checking the signature; see `isValid`).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: 4096) } catch { throw .invalidJSON(error) }
        var reader = try JSONObjectReader(value, path: "")
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        node = try reader.nodeID("node")
        addresses = try reader.array("addresses", maximumCount: Self.maximumAddresses, minimumCount: 1) { (value, path) throws(ModelError) in
            try stringElement(value, path: path, maximumLength: 262)
        }
        time = try readTime(&reader, "time")
        signature = try readSignature(&reader)
        try reader.rejectUnknownKeys()
    }

    init(node: NodeID, addresses: [String], time: Timestamp, signature: Ed25519Signature) {
        self.node = node
        self.addresses = addresses
        self.time = time
        self.signature = signature
    }
}
