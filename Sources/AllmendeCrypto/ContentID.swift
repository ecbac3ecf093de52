// ContentID.swift: AllmendeCrypto. The SHA-256 that names a blob, chunk index, manifest or statement.

/// A 32-byte SHA-256 digest that names content.
///
/// Text form: 64 lowercase hex digits, exactly what `sha256sum` prints for the same bytes. Parsing accepts
/// upper-case digits and surrounding whitespace; anything else is a `CryptoError` naming the bad character.
/// Ordering is byte-wise (the order of the hex text), which range-based reconciliation relies on.
public struct ContentID: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The digest as four big-endian 64-bit words (cheap to hash and compare).
    private let words: (UInt64, UInt64, UInt64, UInt64)

    /// The number of bytes in a content ID.
    public static let byteCount = 32

    /// The digest as four big-endian 64-bit words, most significant first (arithmetic on IDs without copying).
    public var bigEndianWords: (UInt64, UInt64, UInt64, UInt64) { words }

    /// Builds an ID from exactly 32 digest bytes.
    public init(digest: some Collection<UInt8>) {
        precondition(digest.count == 32, "a ContentID digest has 32 bytes, got \(digest.count)")
        if let words = digest.withContiguousStorageIfAvailable({ Self.words(UnsafeRawBufferPointer($0)) }) {
            self.words = words
        } else {
            self.words = Array(digest).withUnsafeBytes { Self.words($0) }
        }
    }

    /// Builds an ID from exactly 32 raw bytes (an index file's mapped bytes: no copy).
    public init(raw: UnsafeRawBufferPointer) {
        precondition(raw.count == 32, "a ContentID digest has 32 bytes, got \(raw.count)")
        words = Self.words(raw)
    }

    /// Exactly 64 hex digits, read from the UTF-8 bytes (the common case: names in the store); nil otherwise.
    private static func parseExact(_ text: String) -> ContentID? {
        var copy = text
        return copy.withUTF8 { utf8 -> ContentID? in
            guard utf8.count == 64 else { return nil }
            var bytes = [UInt8](repeating: 0, count: 32)
            for index in 0..<32 {
                let high = nibble(utf8[index * 2]), low = nibble(utf8[index * 2 + 1])
                guard high < 16, low < 16 else { return nil }
                bytes[index] = high << 4 | low
            }
            return bytes.withUnsafeBytes { ContentID(raw: $0) }
        }
    }

    private static func nibble(_ ascii: UInt8) -> UInt8 {
        switch ascii {
        case 0x30...0x39: ascii - 0x30
        case 0x61...0x66: ascii - 0x61 + 10
        case 0x41...0x46: ascii - 0x41 + 10
        default: 0xFF
        }
    }

    /// Four big-endian words from 32 bytes.
    private static func words(_ raw: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        func word(_ offset: Int) -> UInt64 { UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
        return (word(0), word(8), word(16), word(24))
    }

    /// Builds an ID from raw bytes that came from outside (a file or the wire).
    public init(validatingDigest bytes: some Collection<UInt8>) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(what: "content ID", length: bytes.count, expected: 32) }
        self.init(digest: bytes)
    }

    /// Parses the 64-hex-digit text form.
    public init(parsing text: String) throws(CryptoError) {
        if let parsed = Self.parseExact(text) {
            self = parsed
            return
        }
        let trimmed = text.trimmingASCIIWhitespace()
        let digits = try HexDigits.parse(trimmed, original: text)
        guard digits.count == 64 else { throw .invalidContentIDLength(text: text, length: trimmed.count) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(32)
        for index in stride(from: 0, to: 64, by: 2) { bytes.append(digits[index] << 4 | digits[index + 1]) }
        self.init(digest: bytes)
    }

    /// The 32 digest bytes.
    public var bytes: [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(32)
        for word in [words.0, words.1, words.2, words.3] {
            for shift in stride(from: 56, through: 0, by: -8) { result.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) }
        }
        return result
    }

    /// The 64 lowercase hex digits.
    public var hex: String { Hex.encode(bytes) }

    /// The first `count` hex digits, for display.
    public func shortHex(_ count: Int = 12) -> String { String(hex.prefix(count)) }

    public var description: String { hex }

    /// True if the hex form starts with `prefix`.
    public func hasPrefix(_ prefix: ContentIDPrefix) -> Bool { hex.hasPrefix(prefix.hex) }

    public static func == (lhs: ContentID, rhs: ContentID) -> Bool {
        lhs.words.0 == rhs.words.0 && lhs.words.1 == rhs.words.1 && lhs.words.2 == rhs.words.2 && lhs.words.3 == rhs.words.3
    }

    public static func < (lhs: ContentID, rhs: ContentID) -> Bool {
        if lhs.words.0 != rhs.words.0 { return lhs.words.0 < rhs.words.0 }
        if lhs.words.1 != rhs.words.1 { return lhs.words.1 < rhs.words.1 }
        if lhs.words.2 != rhs.words.2 { return lhs.words.2 < rhs.words.2 }
        return lhs.words.3 < rhs.words.3
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        hasher.combine(words.3)
    }
}

/// The start of a content ID as a user types it: 4 to 64 hex digits.
public struct ContentIDPrefix: Hashable, Sendable, CustomStringConvertible {
    /// The shortest prefix accepted: 4 hex digits (as git allows).
    public static let minimumLength = 4

    /// The lowercase hex digits.
    public let hex: String

    /// Parses a prefix; a full 64-digit ID is a prefix too.
    public init(parsing text: String) throws(CryptoError) {
        let trimmed = text.trimmingASCIIWhitespace()
        _ = try HexDigits.parse(trimmed, original: text)
        guard trimmed.count <= 64 else { throw .invalidContentIDLength(text: text, length: trimmed.count) }
        guard trimmed.count >= Self.minimumLength else {
            throw .contentIDPrefixTooShort(text: String(trimmed), minimum: Self.minimumLength)
        }
        hex = trimmed.lowercased()
    }

    /// The full ID if the prefix has all 64 digits.
    public var completeID: ContentID? { hex.count == 64 ? try? ContentID(parsing: hex) : nil }

    public var description: String { hex }
}

/// Hex encoding and decoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Lowercase hex of `bytes`.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var utf8: [UInt8] = []
        for byte in bytes {
            utf8.append(digits[Int(byte >> 4)])
            utf8.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    /// Decodes hex text (either case, even length) or returns `nil`.
    public static func decode(_ text: String) -> [UInt8]? {
        guard let values = try? HexDigits.parse(Substring(text), original: text), values.count % 2 == 0 else { return nil }
        return stride(from: 0, to: values.count, by: 2).map { values[$0] << 4 | values[$0 + 1] }
    }
}

enum HexDigits {
    /// The value of each hex digit, or an error naming the first character that is not one.
    static func parse(_ text: Substring, original: String) throws(CryptoError) -> [UInt8] {
        var values: [UInt8] = []
        values.reserveCapacity(text.utf8.count)
        for (position, character) in text.enumerated() {
            guard let ascii = character.asciiValue else {
                throw .invalidContentIDCharacter(text: original, character: character, position: position)
            }
            switch ascii {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): values.append(ascii - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): values.append(ascii - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): values.append(ascii - UInt8(ascii: "A") + 10)
            default: throw .invalidContentIDCharacter(text: original, character: character, position: position)
            }
        }
        return values
    }
}

extension String {
    func trimmingASCIIWhitespace() -> Substring {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return Substring()
        }
        return self[start...end]
    }
}
