// TOMLScanner.swift: AllmendeTOML. Reading TOML 1.0 text character by character: whitespace, comments, keys,
// strings, numbers, booleans and date-times, with line:column for every error. Pure.

struct TOMLScanner {
    let text: [Unicode.Scalar]
    var position = 0
    private(set) var line = 1
    private var lineStart = 0

    init(_ text: [Unicode.Scalar]) { self.text = text }

    var isAtEnd: Bool { position >= text.count }
    var current: Unicode.Scalar? { position < text.count ? text[position] : nil }
    func peek(_ offset: Int) -> Unicode.Scalar? { position + offset < text.count ? text[position + offset] : nil }

    func error(_ message: String, at offset: Int? = nil) -> TOMLError {
        TOMLError(line: line, column: (offset ?? position) - lineStart + 1, message: message)
    }

    mutating func advance(_ count: Int = 1) { position += count }

    func starts(with literal: String) -> Bool {
        var index = position
        for scalar in literal.unicodeScalars {
            guard index < text.count, text[index] == scalar else { return false }
            index += 1
        }
        return true
    }

    /// Spaces and tabs.
    mutating func skipBlanks() {
        while let scalar = current, scalar == " " || scalar == "\t" { advance() }
    }

    /// A newline (LF or CRLF) if one is here; a bare CR is an error.
    mutating func newline() throws(TOMLError) -> Bool {
        if current == "\n" {
            advance()
        } else if current == "\r" {
            guard peek(1) == "\n" else { throw error("a carriage return must be followed by a line feed") }
            advance(2)
        } else {
            return false
        }
        line += 1
        lineStart = position
        return true
    }

    /// A comment to the end of the line (not the newline); control characters other than tab are refused.
    mutating func skipComment() throws(TOMLError) {
        guard current == "#" else { return }
        while let scalar = current, scalar != "\n" {
            if scalar == "\r" && peek(1) == "\n" { return }
            if Self.isControl(scalar) { throw error("control character U+\(Self.hex(scalar)) in a comment") }
            advance()
        }
    }

    /// Blanks, an optional comment, then a newline or the end: what must follow a key/value pair or a header.
    mutating func expectLineEnd() throws(TOMLError) {
        skipBlanks()
        try skipComment()
        if isAtEnd { return }
        guard try newline() else {
            throw error("expected the end of the line, found '\(current.map { String($0) } ?? "")'")
        }
    }

    /// Blank lines, comments and whitespace (between top-level items and inside arrays).
    mutating func skipBlankLinesAndComments() throws(TOMLError) {
        while true {
            skipBlanks()
            try skipComment()
            guard try newline() else { return }
        }
    }

    static func isControl(_ scalar: Unicode.Scalar) -> Bool { (scalar.value < 0x20 && scalar != "\t") || scalar.value == 0x7f }
    static func hex(_ scalar: Unicode.Scalar) -> String {
        let digits = String(scalar.value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
    static func isBareKey(_ scalar: Unicode.Scalar) -> Bool {
        ("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "_" || scalar == "-"
    }

    // MARK: Keys

    /// A dotted key: bare or quoted parts separated by dots (blanks allowed around the dots).
    mutating func key() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipBlanks()
            if current == "\"" {
                guard !starts(with: "\"\"\"") else { throw error("a key cannot be a multi-line string") }
                parts.append(try basicString())
            } else if current == "'" {
                guard !starts(with: "'''") else { throw error("a key cannot be a multi-line string") }
                parts.append(try literalString())
            } else {
                let start = position
                while let scalar = current, Self.isBareKey(scalar) { advance() }
                guard position > start else {
                    throw error(isAtEnd ? "expected a key, found the end of the document" : "expected a key, found '\(current.map { String($0) } ?? "")'")
                }
                parts.append(String(String.UnicodeScalarView(text[start..<position])))
            }
            skipBlanks()
            guard current == "." else { return parts }
            guard parts.count < TOML.maximumKeyParts else { throw error("a dotted key has more than \(TOML.maximumKeyParts) parts") }
            advance()
        }
    }

    // MARK: Strings

    /// `"…"` with escapes.
    mutating func basicString() throws(TOMLError) -> String {
        advance()
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw error("unterminated string") }
            switch scalar {
            case "\"":
                advance()
                return String(result)
            case "\\":
                result.append(try escape())
            case "\n", "\r":
                throw error("a basic string cannot span lines (use \"\"\" for a multi-line string)")
            default:
                if Self.isControl(scalar) { throw error("control character U+\(Self.hex(scalar)) in a string (escape it)") }
                result.append(scalar)
                advance()
            }
        }
    }

    /// `"""…"""`: a newline right after the opening quotes is dropped; a backslash at the end of a line drops the
    /// newline and the whitespace that follows.
    mutating func multilineBasicString() throws(TOMLError) -> String {
        advance(3)
        _ = try newline()
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw error("unterminated multi-line string") }
            if try closeMultiline("\"", into: &result) { return String(result) }
            if scalar == "\\" {
                // A line-ending backslash: whitespace, then a newline, then all whitespace and newlines.
                var probe = position + 1
                while probe < text.count, text[probe] == " " || text[probe] == "\t" { probe += 1 }
                if probe < text.count, text[probe] == "\n" || text[probe] == "\r" {
                    position = probe
                    while true {
                        skipBlanks()
                        guard try newline() else { break }
                    }
                    continue
                }
                result.append(try escape())
                continue
            }
            if scalar == "\n" || scalar == "\r" {
                _ = try newline()
                result.append("\n")
                continue
            }
            if Self.isControl(scalar) { throw error("control character U+\(Self.hex(scalar)) in a string (escape it)") }
            result.append(scalar)
            advance()
        }
    }

    /// `'…'`: no escapes.
    mutating func literalString() throws(TOMLError) -> String {
        advance()
        let start = position
        while let scalar = current, scalar != "'" {
            if scalar == "\n" || scalar == "\r" { throw error("a literal string cannot span lines (use ''' for a multi-line one)") }
            if Self.isControl(scalar) { throw error("control character U+\(Self.hex(scalar)) in a literal string") }
            advance()
        }
        guard current == "'" else { throw error("unterminated literal string") }
        defer { advance() }
        return String(String.UnicodeScalarView(text[start..<position]))
    }

    /// `'''…'''`.
    mutating func multilineLiteralString() throws(TOMLError) -> String {
        advance(3)
        _ = try newline()
        var result = String.UnicodeScalarView()
        while true {
            guard let scalar = current else { throw error("unterminated multi-line literal string") }
            if try closeMultiline("'", into: &result) { return String(result) }
            if scalar == "\n" || scalar == "\r" {
                _ = try newline()
                result.append("\n")
                continue
            }
            if Self.isControl(scalar) { throw error("control character U+\(Self.hex(scalar)) in a literal string") }
            result.append(scalar)
            advance()
        }
    }

    /// True (having read it) if three `quote`s close a multi-line string here; up to two more quotes just
    /// before them belong to the content (\"\"\"a\"\"\"\"\" is a and two quotes), more are an error.
    private mutating func closeMultiline(_ quote: Unicode.Scalar, into result: inout String.UnicodeScalarView) throws(TOMLError) -> Bool {
        guard current == quote, peek(1) == quote, peek(2) == quote else { return false }
        var extra = 0
        while peek(3 + extra) == quote && extra < 2 { extra += 1 }
        guard peek(3 + extra) != quote else { throw error("too many quotes at the end of a multi-line string") }
        for _ in 0..<extra { result.append(quote) }
        advance(3 + extra)
        return true
    }

    /// One escape sequence after a backslash.
    private mutating func escape() throws(TOMLError) -> Unicode.Scalar {
        let start = position
        advance()
        guard let code = current else { throw error("unterminated escape sequence") }
        advance()
        switch code {
        case "b": return "\u{8}"
        case "t": return "\t"
        case "n": return "\n"
        case "f": return "\u{c}"
        case "r": return "\r"
        case "\"": return "\""
        case "\\": return "\\"
        case "u", "U":
            let count = code == "u" ? 4 : 8
            var value: UInt32 = 0
            for _ in 0..<count {
                guard let digit = current, let nibble = Self.hexValue(digit) else {
                    throw error("\\\(code) needs \(count) hexadecimal digits", at: start)
                }
                value = value << 4 | nibble
                advance()
            }
            guard let scalar = Unicode.Scalar(value) else { throw error("\\\(code) escape U+\(String(value, radix: 16, uppercase: true)) is not a Unicode scalar value", at: start) }
            return scalar
        default:
            throw error("unknown escape sequence \\\(code)", at: start)
        }
    }

    static func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    // MARK: Numbers, booleans and date-times

    /// The run of characters a number, boolean or date-time can consist of (up to a delimiter).
    mutating func atom() -> (text: String, start: Int) {
        let start = position
        while let scalar = current {
            let isTimeSpace = scalar == " " && position > start && Self.looksLikeDate(text[start..<position]) && (peek(1).map { ("0"..."9").contains($0) } ?? false)
            guard Self.isBareKey(scalar) || scalar == "." || scalar == "+" || scalar == ":" || isTimeSpace else { break }
            advance()
        }
        return (String(String.UnicodeScalarView(text[start..<position])), start)
    }

    static func looksLikeDate(_ scalars: ArraySlice<Unicode.Scalar>) -> Bool {
        scalars.count == 10 && scalars[scalars.startIndex + 4] == "-" && scalars[scalars.startIndex + 7] == "-"
    }
}
