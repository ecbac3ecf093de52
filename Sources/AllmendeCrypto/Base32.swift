// Base32.swift: AllmendeCrypto. RFC 4648 base32, lowercase, without padding. Pure.

/// RFC 4648 base32 (alphabet a-z, 2-7) without `=` padding.
public enum Base32 {
    /// Why a base32 string did not decode.
    public enum DecodingError: Error, Equatable, Sendable {
        case invalidCharacter(Character, position: Int)
        case nonZeroTrailingBits
    }

    private static let alphabet = Array("abcdefghijklmnopqrstuvwxyz234567".utf8)

    /// Encodes `bytes`.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = buffer << 8 | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 31)])
            }
        }
        if bits > 0 { output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 31)]) }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes lowercase or uppercase base32 without padding.
    public static func decode(_ text: String) throws(DecodingError) -> [UInt8] {
        var output: [UInt8] = []
        var buffer: UInt32 = 0
        var bits = 0
        for (position, character) in text.enumerated() {
            let value: UInt32
            switch character.asciiValue {
            case let a? where a >= UInt8(ascii: "a") && a <= UInt8(ascii: "z"): value = UInt32(a - UInt8(ascii: "a"))
            case let a? where a >= UInt8(ascii: "A") && a <= UInt8(ascii: "Z"): value = UInt32(a - UInt8(ascii: "A"))
            case let a? where a >= UInt8(ascii: "2") && a <= UInt8(ascii: "7"): value = UInt32(a - UInt8(ascii: "2") + 26)
            default: throw .invalidCharacter(character, position: position)
            }
            buffer = buffer << 5 | value
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
        }
        if bits > 0 && buffer & ((1 << UInt32(bits)) - 1) != 0 { throw .nonZeroTrailingBits }
        return output
    }
}
