// CryptoError.swift: AllmendeCrypto. Every failure of hashing, keys, signatures and ID parsing.

/// A crypto or identifier failure, with the offending data and a human message.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenSSL refused an operation; `reason` is OpenSSL's own error string.
    case openSSL(operation: String, reason: String)
    /// A content ID had the wrong number of hex digits.
    case invalidContentIDLength(text: String, length: Int)
    /// A content ID or prefix contained a character that is not a hex digit.
    case invalidContentIDCharacter(text: String, character: Character, position: Int)
    /// A content ID prefix was too short to be useful.
    case contentIDPrefixTooShort(text: String, minimum: Int)
    /// A node ID was not 52 base32 characters naming an Ed25519 key.
    case invalidNodeID(text: String, reason: String)
    /// Raw key or signature bytes had the wrong length.
    case invalidLength(what: String, length: Int, expected: Int)
    /// A private key file is encrypted with a passphrase.
    case encryptedPrivateKey
    /// A key file is not a PEM private key at all.
    case malformedPrivateKey(reason: String)
    /// A key file is not a PEM public key.
    case malformedPublicKey(reason: String)
    /// A key of another algorithm was found where Ed25519 was expected.
    case wrongKeyType(found: String)

    public var description: String {
        switch self {
        case let .openSSL(operation, reason):
            return "\(operation) failed: \(reason)"
        case let .invalidContentIDLength(text, length):
            return "'\(text.prefix(80))' is not a content ID: it has \(length) characters, a content ID has 64 hex digits"
        case let .invalidContentIDCharacter(text, character, position):
            let shown = character.unicodeScalars.allSatisfy { $0.properties.isWhitespace || $0.value < 0x20 }
                ? character.unicodeScalars.map { "U+" + String($0.value, radix: 16, uppercase: true) }.joined()
                : "'\(character)'"
            return "'\(text.prefix(80))' is not a content ID: \(shown) at position \(position + 1) is not a hex digit (0-9, a-f)"
        case let .contentIDPrefixTooShort(text, minimum):
            return "'\(text)' is too short to name a content ID: give at least \(minimum) hex digits"
        case let .invalidNodeID(text, reason):
            return "'\(text.prefix(80))' is not a node ID: \(reason)"
        case let .invalidLength(what, length, expected):
            return "\(what) has \(length) bytes, expected \(expected)"
        case .encryptedPrivateKey:
            return "the private key file is encrypted with a passphrase; allmende needs an unencrypted PKCS#8 Ed25519 key "
                + "(decrypt it with: openssl pkey -in KEY -out KEY.plain)"
        case let .malformedPrivateKey(reason):
            return "not a PEM private key: \(reason)"
        case let .malformedPublicKey(reason):
            return "not a PEM public key: \(reason)"
        case let .wrongKeyType(found):
            return "the key is \(found), expected Ed25519"
        }
    }
}
