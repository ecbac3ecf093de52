// HTTPTarget.swift: AllmendeHTTP. The request target: path segments and query, percent-decoded, with every
// spelling that could name something outside the route refused. Pure. Spec: Protocol/http.md "Requests".

/// Splits and decodes a request target (origin-form `/a/b?c=d`, or absolute-form `http://host/a/b`).
public enum HTTPTarget {
    /// The decoded segments, whether the path ends with `/`, and the query.
    ///
    /// Refused (400): anything but origin- or absolute-form, a fragment, bytes outside visible ASCII, an invalid
    /// percent escape, an encoded `/` or NUL, a `.` or `..` segment (literal or encoded), an empty inner segment
    /// (`//`), control characters or invalid UTF-8 after decoding.
    public static func parse(_ target: ArraySlice<UInt8>) throws(HTTPError) -> (segments: [String], hasTrailingSlash: Bool, query: [(name: String, value: String)]) {
        var bytes = target
        for byte in bytes where byte <= 0x20 || byte >= 0x7F { throw .malformed("the target has a byte 0x\(hex(byte)) that must be percent-encoded") }
        if bytes.contains(UInt8(ascii: "#")) { throw .malformed("the target has a fragment ('#')") }
        if bytes.first != UInt8(ascii: "/") {
            // absolute-form: http://authority/path — the authority is not used (one site per node).
            let prefix = Array("http://".utf8)
            guard bytes.count > prefix.count, zip(bytes.prefix(prefix.count), prefix).allSatisfy({ lower($0) == $1 }) else {
                throw .malformed("the target must begin with '/'")
            }
            bytes = bytes.dropFirst(prefix.count)
            guard let slash = bytes.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else { return ([], false, []) }
            bytes = bytes[slash...]
            if bytes.first == UInt8(ascii: "?") { bytes = [UInt8(ascii: "/")] + bytes }
        }
        let pathEnd = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
        let path = bytes[bytes.startIndex..<pathEnd].dropFirst()
        let query = pathEnd < bytes.endIndex ? try decodeQuery(bytes[(pathEnd + 1)...]) : []
        guard !path.isEmpty else { return ([], false, query) }
        let hasTrailingSlash = path.last == UInt8(ascii: "/")
        let raw = (hasTrailingSlash ? path.dropLast() : path).split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
        var segments: [String] = []
        for piece in raw {
            guard !piece.isEmpty else { throw .malformed("the path has an empty segment ('//')") }
            let decoded = try percentDecode(piece, plusIsSpace: false)
            if decoded.contains(UInt8(ascii: "/")) { throw .malformed("the path has an encoded '/'") }
            if decoded == [UInt8(ascii: ".")] || decoded == [UInt8(ascii: "."), UInt8(ascii: ".")] {
                throw .malformed("the path has a '.' or '..' segment")
            }
            if decoded.contains(where: { $0 < 0x20 || $0 == 0x7F }) { throw .malformed("the path has a control character") }
            guard let text = String(validating: decoded, as: UTF8.self) else { throw .malformed("the path is not UTF-8") }
            segments.append(text)
        }
        return (segments, hasTrailingSlash, query)
    }

    /// Decodes `a=1&b=x+y` (also a form body): `+` is a space, `%XX` a byte; names without `=` have an empty value.
    public static func decodeQuery(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> [(name: String, value: String)] {
        var result: [(name: String, value: String)] = []
        for pair in bytes.split(separator: UInt8(ascii: "&")) {
            let equals = pair.firstIndex(of: UInt8(ascii: "=")) ?? pair.endIndex
            let name = try percentDecode(pair[pair.startIndex..<equals], plusIsSpace: true)
            let value = equals < pair.endIndex ? try percentDecode(pair[(equals + 1)...], plusIsSpace: true) : []
            guard !name.contains(0), !value.contains(0), let nameText = String(validating: name, as: UTF8.self),
                  let valueText = String(validating: value, as: UTF8.self) else {
                throw .malformed("a query parameter is not UTF-8 text")
            }
            result.append((nameText, valueText))
        }
        return result
    }

    /// Percent-encodes `text` for use as one path segment or query value (unreserved characters stay).
    public static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + hex(byte)
            }
        }
        return out
    }

    private static func percentDecode(_ bytes: ArraySlice<UInt8>, plusIsSpace: Bool) throws(HTTPError) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex, let high = hexValue(bytes[index + 1]), let low = hexValue(bytes[index + 2]) else {
                    throw .malformed("invalid percent-encoding")
                }
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
                index += 1
            }
        }
        return out
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte + 32 : byte }
}

/// Two upper-case hex digits.
func hex(_ byte: UInt8) -> String {
    let digits = Array("0123456789ABCDEF".utf8)
    return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 15)]], as: UTF8.self)
}
