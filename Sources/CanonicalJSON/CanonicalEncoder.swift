// CanonicalEncoder.swift: CanonicalJSON. RFC 8785 (JSON Canonicalization Scheme) serialisation. Pure.

/// Why a value has no canonical form.
public enum CanonicalJSONError: Error, Equatable, Sendable, CustomStringConvertible {
    /// NaN and the infinities are not JSON.
    case nonFiniteNumber(path: String)

    public var description: String {
        switch self {
        case let .nonFiniteNumber(path): return "\(path): NaN and infinity cannot be written as JSON"
        }
    }
}

/// Serialises `JSONValue`s as RFC 8785 canonical JSON: members sorted by the UTF-16 code units of their
/// keys, no insignificant whitespace, numbers as ECMAScript's `Number.prototype.toString`, minimal string escapes.
public enum CanonicalEncoder {
    /// The canonical UTF-8 bytes of `value`.
    public static func encode(_ value: JSONValue) throws(CanonicalJSONError) -> [UInt8] {
        var output: [UInt8] = []
        try write(value, to: &output, path: "$")
        return output
    }

    /// The canonical text of `value`.
    public static func string(_ value: JSONValue) throws(CanonicalJSONError) -> String {
        String(decoding: try encode(value), as: UTF8.self)
    }

    private static func write(_ value: JSONValue, to output: inout [UInt8], path: String) throws(CanonicalJSONError) {
        switch value {
        case .null: output += Array("null".utf8)
        case let .bool(flag): output += Array((flag ? "true" : "false").utf8)
        case let .number(number):
            guard number.isFinite else { throw .nonFiniteNumber(path: path) }
            output += Array(formatNumber(number).utf8)
        case let .string(text): writeString(text, to: &output)
        case let .array(elements):
            output.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try write(element, to: &output, path: path + "[\(index)]")
            }
            output.append(UInt8(ascii: "]"))
        case let .object(members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in sortedKeys(members.keys).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                writeString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                try write(members[key] ?? .null, to: &output, path: path + "." + key)
            }
            output.append(UInt8(ascii: "}"))
        }
    }

    /// Keys in RFC 8785 order: by UTF-16 code units.
    public static func sortedKeys(_ keys: some Sequence<String>) -> [String] {
        keys.sorted { $0.utf16.lexicographicallyPrecedes($1.utf16) }
    }

    static func writeString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output += [0x5C, 0x22]
            case UInt8(ascii: "\\"): output += [0x5C, 0x5C]
            case 0x08: output += [0x5C, UInt8(ascii: "b")]
            case 0x09: output += [0x5C, UInt8(ascii: "t")]
            case 0x0A: output += [0x5C, UInt8(ascii: "n")]
            case 0x0C: output += [0x5C, UInt8(ascii: "f")]
            case 0x0D: output += [0x5C, UInt8(ascii: "r")]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// ECMAScript `Number.prototype.toString` for a finite double (RFC 8785 section 3.2.2.3).
    public static func formatNumber(_ number: Double) -> String {
        if number == 0 { return "0" }
        if number < 0 { return "-" + formatNumber(-number) }
        // Swift's description gives the shortest digits that round-trip, as ECMAScript requires.
        let (digits, exponent) = shortestDigits(number)
        let k = digits.count
        let n = exponent   // value = 0.d1d2…dk × 10^n
        if k <= n && n <= 21 { return digits + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return String(digits.prefix(n)) + "." + String(digits.dropFirst(n)) }
        if -6 < n && n <= 0 { return "0." + String(repeating: "0", count: -n) + digits }
        let e = n - 1
        let mantissa = k == 1 ? digits : String(digits.prefix(1)) + "." + String(digits.dropFirst())
        return mantissa + "e" + (e >= 0 ? "+" : "-") + String(abs(e))
    }

    /// The significant digits (no leading/trailing zeros) and decimal exponent n with value = 0.digits × 10^n.
    private static func shortestDigits(_ number: Double) -> (String, Int) {
        let text = number.description   // e.g. "1.5", "1e-07", "1.2345e+22", "100.0"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        let integerPart = String(parts[0])
        let fractionPart = parts.count > 1 ? String(parts[1]) : ""
        var digits = integerPart + fractionPart
        var pointPosition = integerPart.count + exponent
        while digits.hasPrefix("0") && digits.count > 1 {
            digits.removeFirst()
            pointPosition -= 1
        }
        while digits.hasSuffix("0") && digits.count > 1 { digits.removeLast() }
        return (digits, pointPosition)
    }
}
