// TOMLValue.swift: AllmendeTOML. What a TOML 1.0 document holds, and the errors reading one gives. Pure.

/// A TOML value. Tables keep their keys in document order.
public indirect enum TOMLValue: Equatable, Sendable {
    case string(String)
    case integer(Int64)
    case float(Double)
    case boolean(Bool)
    case dateTime(TOMLDateTime)
    case array([TOMLValue])
    case table(TOMLTable)

    public var stringValue: String? { if case let .string(text) = self { text } else { nil } }
    public var integerValue: Int64? { if case let .integer(number) = self { number } else { nil } }
    public var boolValue: Bool? { if case let .boolean(value) = self { value } else { nil } }
    public var arrayValue: [TOMLValue]? { if case let .array(values) = self { values } else { nil } }
    public var tableValue: TOMLTable? { if case let .table(table) = self { table } else { nil } }

    /// The member `key` of a table (nil for anything else).
    public subscript(key: String) -> TOMLValue? { tableValue?[key] }

    /// A name for the kind of value, for messages ("string", "array", …).
    public var kindName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .dateTime: "date-time"
        case .array: "array"
        case .table: "table"
        }
    }

    public static func == (a: TOMLValue, b: TOMLValue) -> Bool {
        switch (a, b) {
        case let (.string(x), .string(y)): x == y
        case let (.integer(x), .integer(y)): x == y
        // NaN equals NaN here: a document compared with itself is equal.
        case let (.float(x), .float(y)): x == y || (x.isNaN && y.isNaN)
        case let (.boolean(x), .boolean(y)): x == y
        case let (.dateTime(x), .dateTime(y)): x == y
        case let (.array(x), .array(y)): x == y
        case let (.table(x), .table(y)): x == y
        default: false
        }
    }
}

/// A table: keys in the order they first appeared, and their values.
public struct TOMLTable: Equatable, Sendable {
    public private(set) var keys: [String] = []
    private var values: [String: TOMLValue] = [:]

    public init() {}

    public subscript(key: String) -> TOMLValue? {
        get { values[key] }
        set {
            if values[key] == nil, newValue != nil { keys.append(key) }
            if newValue == nil { keys.removeAll { $0 == key } }
            values[key] = newValue
        }
    }

    public var count: Int { keys.count }

    public static func == (a: TOMLTable, b: TOMLTable) -> Bool { a.values == b.values }
}

/// A date, a time, or both, as TOML writes them; `text` is the value normalised (`T` between date and time,
/// `Z` upper case), the parts as read.
public struct TOMLDateTime: Equatable, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable { case offsetDateTime, localDateTime, localDate, localTime }
    public let kind: Kind
    public let text: String
    public var description: String { text }

    public init(kind: Kind, text: String) {
        self.kind = kind
        self.text = text
    }
}

/// Why a document is not valid TOML 1.0, and where (1-based line and column, in characters).
public struct TOMLError: Error, Equatable, Sendable, CustomStringConvertible {
    public let line: Int
    public let column: Int
    public let message: String

    public var description: String { "\(line):\(column): \(message)" }

    public init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }
}
