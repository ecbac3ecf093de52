// YAMLSubset.swift: AllmendeModel. The part of YAML that real OKH v1 manifests use — block mappings and
// sequences, plain, quoted and block (| >) scalars, one-line flow sequences of scalars, comments — read into
// TOMLValue trees; anchors, aliases, tags, flow mappings and multi-document files are refused with line:column.
// Pure.

import AllmendeTOML
import CanonicalJSON

enum YAMLSubset {
    /// Most nesting of mappings and sequences.
    static let maximumDepth = 32

    private struct Line {
        let number: Int
        let indent: Int
        /// The content after the indentation, comment removed (raw for block-scalar lines).
        let text: String
        let raw: String
    }

    /// The document's root mapping.
    static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var lines: [Line] = []
        var documents = 0
        for (index, rawLine) in text.replacingAll("\r\n", with: "\n").split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let raw = String(rawLine)
            if raw.hasPrefix("%") { continue }
            if raw == "---" || raw.hasPrefix("--- ") {
                documents += 1
                guard documents == 1 else { throw TOMLError(line: index + 1, column: 1, message: "more than one YAML document in the file") }
                continue
            }
            if raw == "..." { break }
            if raw.contains("\t") && raw.prefix(while: { $0 == " " || $0 == "\t" }).contains("\t") {
                throw TOMLError(line: index + 1, column: 1, message: "tabs cannot indent YAML")
            }
            let indent = raw.prefix(while: { $0 == " " }).count
            lines.append(Line(number: index + 1, indent: indent, text: stripComment(String(raw.dropFirst(indent))), raw: raw))
        }
        var position = 0
        skipBlank(lines, &position)
        guard position < lines.count else { return TOMLTable() }
        let value = try block(lines, &position, indent: lines[position].indent, depth: 0)
        skipBlank(lines, &position)
        if position < lines.count { throw TOMLError(line: lines[position].number, column: lines[position].indent + 1, message: "unexpected indentation") }
        guard let table = value.tableValue else { throw TOMLError(line: 1, column: 1, message: "the manifest must be a mapping of keys to values") }
        return table
    }

    private static func skipBlank(_ lines: [Line], _ position: inout Int) {
        while position < lines.count, lines[position].text.isEmpty { position += 1 }
    }

    /// A `#` that starts a comment (at the start or after a space, outside quotes) and what follows it removed.
    static func stripComment(_ text: String) -> String {
        var quote: Character?
        var previous: Character = " "
        var result = ""
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                if previous == " " || previous == ":" || previous == "-" || previous == "[" || previous == "," { quote = character }
            } else if character == "#" && (previous == " " || previous == "\t") {
                break
            }
            result.append(character)
            previous = character
        }
        return result.trimmingSpaces
    }

    private static func block(_ lines: [Line], _ position: inout Int, indent: Int, depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth < maximumDepth else { throw TOMLError(line: lines[position].number, column: 1, message: "nested more than \(maximumDepth) deep") }
        let line = lines[position]
        if line.text == "-" || line.text.hasPrefix("- ") { return try sequence(lines, &position, indent: indent, depth: depth) }
        return .table(try mapping(lines, &position, indent: indent, depth: depth))
    }

    private static func mapping(_ lines: [Line], _ position: inout Int, indent: Int, depth: Int, first: String? = nil,
                                firstLine: Int? = nil) throws(TOMLError) -> TOMLTable {
        var table = TOMLTable()
        var pending = first
        while true {
            let text: String
            let number: Int
            if let inline = pending {
                (text, number) = (inline, firstLine ?? 0)
                pending = nil
                position += 1
            } else {
                skipBlank(lines, &position)
                guard position < lines.count, lines[position].indent == indent else { break }
                guard !(lines[position].text == "-" || lines[position].text.hasPrefix("- ")) else { break }
                (text, number) = (lines[position].text, lines[position].number)
                position += 1
            }
            let (key, rest) = try splitKey(text, line: number, column: indent + 1)
            guard table[key] == nil else { throw TOMLError(line: number, column: indent + 1, message: "the key '\(key)' appears twice") }
            if rest.isEmpty {
                skipBlank(lines, &position)
                if position < lines.count, lines[position].indent > indent || (lines[position].indent == indent && lines[position].text.hasPrefix("- ")) {
                    table[key] = try block(lines, &position, indent: lines[position].indent, depth: depth + 1)
                } else {
                    table[key] = .string("")
                }
            } else {
                table[key] = try scalar(rest, lines, &position, parentIndent: indent, line: number, column: indent + key.count + 3)
            }
        }
        return table
    }

    private static func sequence(_ lines: [Line], _ position: inout Int, indent: Int, depth: Int) throws(TOMLError) -> TOMLValue {
        var items: [TOMLValue] = []
        while true {
            skipBlank(lines, &position)
            guard position < lines.count, lines[position].indent == indent, lines[position].text == "-" || lines[position].text.hasPrefix("- ") else { break }
            let line = lines[position]
            let content = String(line.text.dropFirst()).trimmingSpaces
            let itemIndent = indent + 2 + (line.text.dropFirst().prefix(while: { $0 == " " }).count - 1)
            if content.isEmpty {
                position += 1
                skipBlank(lines, &position)
                guard position < lines.count, lines[position].indent > indent else { items.append(.string("")); continue }
                items.append(try block(lines, &position, indent: lines[position].indent, depth: depth + 1))
            } else if content.hasPrefix("- ") {
                throw TOMLError(line: line.number, column: indent + 3, message: "a sequence directly inside a sequence item is not supported; indent it on its own line")
            } else if isMappingEntry(content) {
                items.append(.table(try mapping(lines, &position, indent: itemIndent, depth: depth + 1, first: content, firstLine: line.number)))
            } else {
                position += 1
                items.append(try scalar(content, lines, &position, parentIndent: indent, line: line.number, column: indent + 3))
            }
        }
        return .array(items)
    }

    private static func isMappingEntry(_ text: String) -> Bool {
        guard let first = text.first, first != "\"", first != "'", first != "[", first != "{" else {
            // A quoted key followed by ':' is a mapping entry too.
            if let first = text.first, first == "\"" || first == "'", let close = text.dropFirst().firstIndex(of: first) {
                return text[text.index(after: close)...].hasPrefix(":")
            }
            return false
        }
        return text.contains(": ") || text.hasSuffix(":")
    }

    private static func splitKey(_ text: String, line: Int, column: Int) throws(TOMLError) -> (String, String) {
        if let first = text.first, first == "\"" || first == "'" {
            guard let close = text.dropFirst().firstIndex(of: first), text[text.index(after: close)...].hasPrefix(":") else {
                throw TOMLError(line: line, column: column, message: "expected 'key: value'")
            }
            return (String(text[text.index(after: text.startIndex)..<close]), String(text[text.index(close, offsetBy: 2)...]).trimmingSpaces)
        }
        guard let colon = text.range(of: ": ")?.lowerBound ?? (text.hasSuffix(":") ? text.index(before: text.endIndex) : nil) else {
            throw TOMLError(line: line, column: column, message: "expected 'key: value' (a mapping), found '\(text.prefix(40))'")
        }
        let key = String(text[..<colon]).trimmingSpaces
        guard !key.isEmpty else { throw TOMLError(line: line, column: column, message: "empty key") }
        if key.hasPrefix("? ") { throw TOMLError(line: line, column: column, message: "complex keys (?) are not supported") }
        return (key, String(text[text.index(after: colon)...]).trimmingSpaces)
    }

    /// A scalar after `key:` or `- `: quoted, a block scalar (| or >) taking the more-indented lines after it, a
    /// one-line flow sequence, or plain text continued on more-indented lines.
    private static func scalar(_ text: String, _ lines: [Line], _ position: inout Int, parentIndent: Int, line: Int,
                               column: Int) throws(TOMLError) -> TOMLValue {
        let first = text.first!
        if first == "&" || first == "*" { throw TOMLError(line: line, column: column, message: "anchors and aliases (& *) are not supported in OKH manifests") }
        if first == "!" { throw TOMLError(line: line, column: column, message: "YAML tags (!) are not supported in OKH manifests") }
        if first == "{" { throw TOMLError(line: line, column: column, message: "flow mappings ({ }) are not supported; write the mapping as indented lines") }
        if first == "[" {
            guard text.hasSuffix("]") else { throw TOMLError(line: line, column: column, message: "a flow sequence must close on its line") }
            let body = text.dropFirst().dropLast()
            var items: [TOMLValue] = []
            for part in splitFlow(String(body)) where !part.isEmpty {
                items.append(.string(try unquote(part, line: line, column: column)))
            }
            return .array(items)
        }
        if first == "|" || first == ">" {
            guard text.count <= 2, text.dropFirst().allSatisfy({ $0 == "-" || $0 == "+" }) else {
                throw TOMLError(line: line, column: column, message: "block scalar indicators other than |, >, |-, >-, |+, >+ are not supported")
            }
            var body: [String] = []
            var blockIndent: Int?
            while position < lines.count, lines[position].raw.trimmingSpaces.isEmpty || lines[position].indent > parentIndent {
                let raw = lines[position].raw
                if !raw.trimmingSpaces.isEmpty {
                    blockIndent = blockIndent ?? lines[position].indent
                    body.append(String(raw.dropFirst(min(blockIndent ?? 0, lines[position].indent))))
                } else {
                    body.append("")
                }
                position += 1
            }
            while body.last == "" { body.removeLast() }
            var value = first == "|" ? body.joined(separator: "\n") : fold(body)
            if !text.hasSuffix("-") { value += "\n" }
            return .string(value)
        }
        var value = try unquote(text, line: line, column: column)
        if first != "\"" && first != "'" {
            // Plain scalars may continue on more-indented lines (folded with spaces).
            while position < lines.count, lines[position].indent > parentIndent, !lines[position].text.isEmpty {
                value += " " + lines[position].text
                position += 1
            }
        }
        return .string(value)
    }

    static func fold(_ lines: [String]) -> String {
        var result = ""
        for (index, line) in lines.enumerated() {
            if index > 0 { result += line.isEmpty || lines[index - 1].isEmpty ? "\n" : " " }
            result += line
        }
        return result
    }

    static func splitFlow(_ text: String) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == "," {
                parts.append(current.trimmingSpaces)
                current = ""
            } else {
                current.append(character)
            }
        }
        parts.append(current.trimmingSpaces)
        return parts
    }

    static func unquote(_ text: String, line: Int, column: Int) throws(TOMLError) -> String {
        guard let first = text.first, first == "\"" || first == "'" else { return text }
        guard text.count >= 2, text.last == first else { throw TOMLError(line: line, column: column, message: "unterminated quoted string") }
        let body = String(text.dropFirst().dropLast())
        if first == "'" { return body.replacingAll("''", with: "'") }
        // Double-quoted: TOML's basic-string escapes are YAML's common ones.
        do { return try TOML.parse("v = \"\(body)\"")["v"]?.stringValue ?? body } catch {
            throw TOMLError(line: line, column: column + error.column - 5, message: error.message)
        }
    }
}

/// Structured text people write by hand, read into JSON values: JSON itself, or the YAML subset (block mappings
/// and lists, plain and quoted scalars) that OKH and OKW records use.
public enum StructuredText {
    public static func parse(_ bytes: [UInt8], isYAML: Bool) throws(StructuredTextError) -> JSONValue {
        if isYAML {
            do { return .object(OKHImport.json(try YAMLSubset.parse(String(decoding: bytes, as: UTF8.self)))) } catch {
                throw StructuredTextError(message: "\(error)")
            }
        }
        do { return try JSONParser.parse(bytes) } catch { throw StructuredTextError(message: "\(error)") }
    }
}

public struct StructuredTextError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}
