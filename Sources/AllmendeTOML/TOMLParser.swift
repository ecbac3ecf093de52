// TOMLParser.swift: AllmendeTOML. A strict TOML 1.0 reader: key/value pairs, dotted keys, [tables],
// [[arrays of tables]], inline tables and arrays, with the spec's rules on defining things twice. Pure.

/// Reads TOML 1.0 documents.
public enum TOML {
    /// Most nesting of arrays and inline tables (deeper documents are refused, never a stack overflow).
    public static let maximumDepth = 32
    /// Most parts of one dotted key or table header.
    public static let maximumKeyParts = 32

    /// The document's root table; throws the first error with its line and column.
    public static func parse(_ bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            var line = 1
            var valid = 0
            // Where the bad bytes start: the longest valid prefix.
            for end in stride(from: body.count, through: 0, by: -1) where String(validating: body.prefix(end), as: UTF8.self) != nil {
                valid = end
                break
            }
            line += body.prefix(valid).filter { $0 == 0x0A }.count
            throw TOMLError(line: line, column: 1, message: "the document is not valid UTF-8")
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var parser = Parser(scanner: TOMLScanner(Array(text.unicodeScalars)))
        return try parser.document()
    }
}

/// A table while the document is read: how it came to be decides what may still be added to it.
final class TableNode {
    enum Origin { case implicit, header, dotted }
    enum Entry {
        case table(TableNode)
        case tables([TableNode])
        case value(TOMLValue)
    }
    var origin: Origin
    var keys: [String] = []
    var entries: [String: Entry] = [:]

    init(_ origin: Origin) { self.origin = origin }

    func set(_ key: String, _ entry: Entry) {
        if entries[key] == nil { keys.append(key) }
        entries[key] = entry
    }

    var value: TOMLTable {
        var table = TOMLTable()
        for key in keys {
            switch entries[key] {
            case let .table(node)?: table[key] = .table(node.value)
            case let .tables(nodes)?: table[key] = .array(nodes.map { .table($0.value) })
            case let .value(value)?: table[key] = value
            case nil: break
            }
        }
        return table
    }
}

private struct Parser {
    var scanner: TOMLScanner
    let root = TableNode(.header)
    /// Arrays and inline tables open around the value being read.
    var depth = 0

    init(scanner: TOMLScanner) { self.scanner = scanner }

    mutating func document() throws(TOMLError) -> TOMLTable {
        var current = root
        while true {
            try scanner.skipBlankLinesAndComments()
            guard !scanner.isAtEnd else { break }
            if scanner.current == "[" {
                current = try header()
            } else {
                try keyValue(into: current)
                try scanner.expectLineEnd()
            }
        }
        return root.value
    }

    /// `[a.b]` or `[[a.b]]`: the table the following pairs go into.
    mutating func header() throws(TOMLError) -> TableNode {
        let origin = scanner.error("", at: scanner.position)
        let isArray = scanner.peek(1) == "["
        scanner.advance(isArray ? 2 : 1)
        let path = try scanner.key()
        guard scanner.current == "]", !isArray || scanner.peek(1) == "]" else {
            throw scanner.error("expected '\(isArray ? "]]" : "]")' to close the table header")
        }
        scanner.advance(isArray ? 2 : 1)
        try scanner.expectLineEnd()
        let name = path.joined(separator: ".")
        var table = root
        for part in path.dropLast() {
            switch table.entries[part] {
            case nil:
                let created = TableNode(.implicit)
                table.set(part, .table(created))
                table = created
            case let .table(node)?:
                table = node
            case let .tables(nodes)?:
                table = nodes[nodes.count - 1]
            case .value?:
                throw TOMLError(line: origin.line, column: origin.column, message: "[\(name)]: '\(part)' is already a value, not a table")
            }
        }
        let last = path[path.count - 1]
        let problem = { (what: String) in TOMLError(line: origin.line, column: origin.column, message: "[\(name)]: \(what)") }
        if isArray {
            switch table.entries[last] {
            case nil:
                let created = TableNode(.header)
                table.set(last, .tables([created]))
                return created
            case let .tables(nodes)?:
                let created = TableNode(.header)
                table.entries[last] = .tables(nodes + [created])
                return created
            case .table?: throw problem("'\(last)' is already a table, not an array of tables")
            case .value?: throw problem("'\(last)' is already a value (a static array cannot be extended with [[…]])")
            }
        }
        switch table.entries[last] {
        case nil:
            let created = TableNode(.header)
            table.set(last, .table(created))
            return created
        case let .table(node)? where node.origin == .implicit:
            node.origin = .header
            return node
        case .table?: throw problem("the table is defined twice")
        case .tables?: throw problem("'\(last)' is an array of tables ([[\(name)]])")
        case .value?: throw problem("'\(last)' is already a value")
        }
    }

    /// `key = value` into `table` (dotted keys create tables on the way).
    mutating func keyValue(into table: TableNode) throws(TOMLError) {
        let start = scanner.position
        let path = try scanner.key()
        guard scanner.current == "=" else { throw scanner.error("expected '=' after the key") }
        scanner.advance()
        scanner.skipBlanks()
        let value = try self.value()
        var target = table
        for part in path.dropLast() {
            switch target.entries[part] {
            case nil:
                let created = TableNode(.dotted)
                target.set(part, .table(created))
                target = created
            case let .table(node)? where node.origin != .header:
                target = node
            default:
                throw scanner.error("'\(path.joined(separator: "."))': '\(part)' is already defined and cannot be extended with a dotted key", at: start)
            }
        }
        let last = path[path.count - 1]
        guard target.entries[last] == nil else { throw scanner.error("'\(path.joined(separator: "."))' is defined twice", at: start) }
        target.set(last, .value(value))
    }

    mutating func value() throws(TOMLError) -> TOMLValue {
        switch scanner.current {
        case "\"": return .string(scanner.starts(with: "\"\"\"") ? try scanner.multilineBasicString() : try scanner.basicString())
        case "'": return .string(scanner.starts(with: "'''") ? try scanner.multilineLiteralString() : try scanner.literalString())
        case "[": return try array()
        case "{": return try inlineTable()
        case nil: throw scanner.error("expected a value, found the end of the document")
        default:
            let (text, start) = scanner.atom()
            guard !text.isEmpty else { throw scanner.error("expected a value, found '\(scanner.current.map { String($0) } ?? "")'") }
            switch TOMLLiterals.value(text) {
            case let .success(value): return value
            case let .failure(error): throw scanner.error(error.message, at: start)
            }
        }
    }

    mutating func nest() throws(TOMLError) {
        depth += 1
        guard depth <= TOML.maximumDepth else { throw scanner.error("arrays and inline tables nested more than \(TOML.maximumDepth) deep") }
    }

    /// `[v, v, …]` over any number of lines, comments allowed, a trailing comma allowed.
    mutating func array() throws(TOMLError) -> TOMLValue {
        try nest()
        defer { depth -= 1 }
        scanner.advance()
        var values: [TOMLValue] = []
        while true {
            try scanner.skipBlankLinesAndComments()
            if scanner.current == "]" {
                scanner.advance()
                return .array(values)
            }
            values.append(try value())
            try scanner.skipBlankLinesAndComments()
            if scanner.current == "," {
                scanner.advance()
            } else if scanner.current != "]" {
                throw scanner.error(scanner.isAtEnd ? "unterminated array" : "expected ',' or ']' in an array")
            }
        }
    }

    /// `{ k = v, … }` on one line, no trailing comma; complete once closed.
    mutating func inlineTable() throws(TOMLError) -> TOMLValue {
        try nest()
        defer { depth -= 1 }
        scanner.advance()
        let table = TableNode(.dotted)
        scanner.skipBlanks()
        if scanner.current == "}" {
            scanner.advance()
            return .table(table.value)
        }
        while true {
            try keyValue(into: table)
            scanner.skipBlanks()
            if scanner.current == "}" {
                scanner.advance()
                return .table(table.value)
            }
            guard scanner.current == "," else {
                throw scanner.error(scanner.current == "\n" || scanner.current == "\r" ? "an inline table must be on one line"
                                    : "expected ',' or '}' in an inline table")
            }
            scanner.advance()
            scanner.skipBlanks()
            if scanner.current == "}" { throw scanner.error("an inline table cannot end with a comma") }
        }
    }
}
