// JSONObjectReader.swift: AllmendeModel. Typed, bounded access to the fields of a JSON object. Pure.

import AllmendeCrypto
import CanonicalJSON

/// Reads the fields of one JSON object, naming `path.field` in every error, and refuses unknown keys.
struct JSONObjectReader {
    let path: String
    private let members: [String: JSONValue]
    private var consumed: Set<String> = []

    init(_ value: JSONValue, path: String) throws(ModelError) {
        guard case let .object(members) = value else { throw .invalidField(path: path, reason: "expected an object") }
        self.members = members
        self.path = path
    }

    func fieldPath(_ key: String) -> String { path.isEmpty ? key : path + "." + key }

    /// The value of `key` without reading it (unknown-field checks still see it as unread).
    func peek(_ key: String) -> JSONValue? { members[key] }

    /// A decimal written as a JSON string ("6", "0.25"), with a precise message when it was written as a number.
    mutating func decimalString(_ key: String, maximumLength: Int) throws(ModelError) -> String {
        if case let .number(number)? = peek(key) {
            let text = number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : String(number)
            throw .invalidField(path: fieldPath(key), reason: "write \"\(text)\" (a decimal string, so no digit is lost), not the number \(text)")
        }
        return try string(key, maximumLength: maximumLength)
    }

    mutating func value(_ key: String) -> JSONValue? {
        consumed.insert(key)
        guard let value = members[key], value != .null else { return nil }
        return value
    }

    /// A required string of at most `maximumLength` characters (and at least `minimumLength`).
    mutating func string(_ key: String, maximumLength: Int, minimumLength: Int = 1) throws(ModelError) -> String {
        guard let text = try optionalString(key, maximumLength: maximumLength) else {
            throw missing(key)
        }
        guard text.unicodeScalars.count >= minimumLength else {
            throw .invalidField(path: fieldPath(key), reason: minimumLength == 1 ? "must not be empty" : "needs at least \(minimumLength) characters")
        }
        return text
    }

    /// An optional string of at most `maximumLength` characters (Unicode code points, so every implementation counts
    /// alike); control characters other than newline and tab are refused.
    mutating func optionalString(_ key: String, maximumLength: Int) throws(ModelError) -> String? {
        guard let value = value(key) else { return nil }
        guard case let .string(text) = value else { throw .invalidField(path: fieldPath(key), reason: "expected a string") }
        let length = text.unicodeScalars.count
        guard length <= maximumLength else {
            throw .invalidField(path: fieldPath(key), reason: "is \(length) characters long, the limit is \(maximumLength)")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }) {
            throw .invalidField(path: fieldPath(key), reason: "contains control character U+\(String(bad.value, radix: 16, uppercase: true))")
        }
        return text
    }

    /// A required non-negative integer no larger than `maximum`.
    mutating func integer(_ key: String, maximum: Int) throws(ModelError) -> Int {
        guard let value = value(key) else { throw missing(key) }
        guard case let .number(number) = value, number == number.rounded(), number >= 0, number <= Double(maximum) else {
            throw .invalidField(path: fieldPath(key), reason: "expected a whole number from 0 to \(maximum)")
        }
        return Int(number)
    }

    /// An optional array of at most `maximumCount` elements, each read by `element`.
    mutating func array<T>(
        _ key: String, maximumCount: Int, minimumCount: Int = 0, _ element: (JSONValue, String) throws(ModelError) -> T
    ) throws(ModelError) -> [T] {
        guard let value = value(key) else {
            guard minimumCount == 0 else { throw missing(key) }
            return []
        }
        guard case let .array(elements) = value else { throw .invalidField(path: fieldPath(key), reason: "expected an array") }
        guard elements.count <= maximumCount else {
            throw .invalidField(path: fieldPath(key), reason: "has \(elements.count) entries, the limit is \(maximumCount)")
        }
        guard elements.count >= minimumCount else {
            throw .invalidField(path: fieldPath(key), reason: minimumCount == 1 ? "needs at least one entry" : "needs at least \(minimumCount) entries")
        }
        var result: [T] = []
        for (index, item) in elements.enumerated() { result.append(try element(item, fieldPath(key) + "[\(index)]")) }
        return result
    }

    /// A required content ID in hex.
    mutating func contentID(_ key: String) throws(ModelError) -> ContentID {
        let text = try string(key, maximumLength: 64)
        return try Self.contentID(text, path: fieldPath(key))
    }

    static func contentID(_ text: String, path: String) throws(ModelError) -> ContentID {
        guard text.count == 64, text == text.lowercased(), let id = try? ContentID(parsing: text) else {
            throw .invalidField(path: path, reason: "'\(text.prefix(80))' is not a content ID (64 lowercase hex digits)")
        }
        return id
    }

    /// A required node ID (52 base32 characters).
    mutating func nodeID(_ key: String) throws(ModelError) -> NodeID {
        let text = try string(key, maximumLength: 52)
        do { return try NodeID(parsing: text) } catch { throw .invalidField(path: fieldPath(key), reason: error.description) }
    }

    /// Refuses keys that were not read.
    func rejectUnknownKeys() throws(ModelError) {
        if let unknown = members.keys.filter({ !consumed.contains($0) }).sorted().first {
            let hint = Self.nearest(unknown, among: consumed).map { "; did you mean '\($0)'?" } ?? ""
            throw .invalidField(path: fieldPath(unknown), reason: "unknown field\(hint)")
        }
    }

    /// "is required", naming a field present under a misspelt or informal name ("licence" for "license").
    func missing(_ key: String) -> ModelError {
        let misspelt = members.keys.sorted().first { candidate in
            !consumed.contains(candidate) && Self.nearest(candidate, among: [key]) == key
        }
        return .invalidField(path: fieldPath(key), reason: "is required" + (misspelt.map { " (there is '\($0)': did you mean '\(key)'?)" } ?? ""))
    }

    /// Field names people write for the ones Allmende reads.
    static let aliases = ["licence": "license", "licenses": "license", "licences": "license", "price": "unitCost", "cost": "unitCost",
                          "qty": "quantity", "amount": "quantity", "author": "authors", "licensor": "licensors", "tag": "tags",
                          "language": "documentationLanguage", "languages": "documentationLanguage", "name": "title", "date": "created"]

    /// The known field `name` most likely means: an alias, or one at most two edits away.
    static func nearest(_ name: String, among known: Set<String>) -> String? {
        if let alias = aliases[name.lowercased()], known.contains(alias) { return alias }
        let wanted = Array(name.lowercased().utf8)
        let scored = known.map { ($0, SPDXLicenseList.editDistance(wanted, Array($0.lowercased().utf8))) }
        guard let best = scored.min(by: { ($0.1, $0.0) < ($1.1, $1.0) }), best.1 <= min(2, max(1, wanted.count / 3)) else { return nil }
        return best.0
    }
}

/// Reads a JSON string element of an array.
func stringElement(_ value: JSONValue, path: String, maximumLength: Int) throws(ModelError) -> String {
    guard case let .string(text) = value else { throw .invalidField(path: path, reason: "expected a string") }
    guard !text.isEmpty, text.unicodeScalars.count <= maximumLength else {
        throw .invalidField(path: path, reason: "must be 1 to \(maximumLength) characters")
    }
    // As for fields: no control characters (an element is text shown to people, like any field).
    if let bad = text.unicodeScalars.first(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }) {
        throw .invalidField(path: path, reason: "contains control character U+\(String(bad.value, radix: 16, uppercase: true))")
    }
    return text
}

/// Refuses a document whose fields would be written differently than they were read (e.g. "m²" for "m2", a
/// license in lower case), so that re-serialising a parsed document always gives back its exact canonical bytes
/// and therefore its ID. Drafts are lenient; signed and content-addressed documents are not.
func requireNormalForm(_ parsed: JSONValue, input: JSONValue, path: String = "") throws(ModelError) {
    switch (parsed, input) {
    case let (.object(a), .object(b)):
        for key in Set(a.keys).union(b.keys).sorted() {
            let childPath = path.isEmpty ? key : path + "." + key
            guard let left = a[key], let right = b[key] else {
                guard a[key] == nil else { throw .invalidField(path: childPath, reason: "is missing") }
                // Known fields the normal form leaves out when empty are named as such, not as unknown.
                let isEmpty = b[key] == .array([]) || b[key] == .object([:]) || b[key] == .null || b[key] == .string("")
                throw .invalidField(path: childPath, reason: isEmpty ? "is empty: a signed document leaves an empty field out" : "unknown field")
            }
            try requireNormalForm(left, input: right, path: childPath)
        }
    case let (.array(a), .array(b)) where a.count == b.count:
        for index in a.indices { try requireNormalForm(a[index], input: b[index], path: path + "[\(index)]") }
    default:
        guard parsed == input else {
            let expected = (try? CanonicalEncoder.string(parsed)) ?? "?"
            throw .invalidField(path: path, reason: "is not in normal form; a signed document must write it as \(expected)")
        }
    }
}
