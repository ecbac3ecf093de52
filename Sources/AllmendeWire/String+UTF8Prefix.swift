// String+UTF8Prefix.swift: AllmendeWire. Cutting text to a byte limit without splitting a character. Pure.

extension String {
    /// The UTF-8 bytes of the longest prefix of whole characters (grapheme clusters) that fits in
    /// `maximumByteCount` bytes, so a cut never leaves invalid UTF-8 or half an accented letter.
    public func utf8Prefix(maximumByteCount: Int) -> [UInt8] {
        guard utf8.count > maximumByteCount else { return Array(utf8) }
        var result: [UInt8] = []
        result.reserveCapacity(maximumByteCount)
        for character in self {
            let bytes = character.utf8
            guard result.count + bytes.count <= maximumByteCount else { break }
            result += bytes
        }
        return result
    }
}
