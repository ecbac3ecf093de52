// NodeID.swift: AllmendeCrypto. A node's identity: its Ed25519 public key in a typeable text form.

/// Names a node (or a lab): its Ed25519 public key.
///
/// Text form: the 32 key bytes as 52 lowercase base32 characters (RFC 4648 alphabet, no padding), so it can
/// never be mistaken for a 64-hex-digit content ID. Parsing accepts upper case and ignores `-` separators.
public struct NodeID: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The key this ID names.
    public let publicKey: Ed25519PublicKey

    public init(publicKey: Ed25519PublicKey) { self.publicKey = publicKey }

    /// Parses the 52-character text form.
    public init(parsing text: String) throws(CryptoError) {
        let cleaned = String(text.trimmingASCIIWhitespace()).lowercased().filter { $0 != "-" }
        guard cleaned.count == 52 else {
            throw .invalidNodeID(text: text, reason: "it has \(cleaned.count) characters, a node ID has 52")
        }
        let bytes: [UInt8]
        do {
            bytes = try Base32.decode(cleaned)
        } catch let .invalidCharacter(character, position) {
            throw .invalidNodeID(text: text, reason: "'\(character)' at position \(position + 1) is not a base32 character (a-z, 2-7)")
        } catch {
            throw .invalidNodeID(text: text, reason: "its last character has stray bits; it was mistyped or truncated")
        }
        guard bytes.count == 32 else {
            throw .invalidNodeID(text: text, reason: "it decodes to \(bytes.count) bytes, expected 32")
        }
        do {
            publicKey = try Ed25519PublicKey(rawRepresentation: bytes)
        } catch {
            throw .invalidNodeID(text: text, reason: "it is not a valid Ed25519 public key")
        }
    }

    /// The 52-character base32 text.
    public var text: String { Base32.encode(publicKey.rawRepresentation) }

    public var description: String { text }

    public static func < (lhs: NodeID, rhs: NodeID) -> Bool {
        lhs.publicKey.rawRepresentation.lexicographicallyPrecedes(rhs.publicKey.rawRepresentation)
    }
}
