// DraftCheck.swift: AllmendeModel. Every problem of an `allmende.json` draft at once, each with its line and
// column, instead of one per run. Pure.

import CanonicalJSON

/// One problem in a draft.
public struct DraftProblem: Equatable, Sendable, CustomStringConvertible {
    /// The field path ("bom[0].quantity"), empty for a syntax error.
    public let path: String
    public let message: String
    /// 1-based line and column (in characters) in the draft's text, where known.
    public let line: Int?
    public let column: Int?

    public init(path: String, message: String, line: Int?, column: Int?) {
        self.path = path
        self.message = message
        self.line = line
        self.column = column
    }

    public var description: String {
        let position = line.map { line in "\(line):\(column ?? 1): " } ?? ""
        return position + (path.isEmpty ? message : "\(path): \(message)")
    }
}

/// Checks a draft and reports every problem it can find: after each one it sets the offending field aside (or
/// puts a placeholder where a required field is missing) and checks again.
public enum DraftCheck {
    /// Valid stand-ins for required fields (by field name), so the fields after a missing or invalid one are still
    /// checked.
    private static let placeholders: [String: JSONValue] = [
        "title": .string("x"), "version": .string("1.0.0"), "summary": .string("x"), "category": .string("other"),
        "license": .string("CC0-1.0"), "licensors": .array([.object(["name": .string("x")])]), "documentationLanguage": .array([.string("en")]),
        "item": .string("x"), "quantity": .string("1"), "unit": .string("pcs"), "amount": .string("1"), "currency": .string("EUR"),
        "name": .string("x"),
    ]

    /// The problems of draft `bytes` (empty: it is a valid draft).
    public static func problems(in bytes: [UInt8]) -> [DraftProblem] {
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        var value: JSONValue
        do { value = try JSONParser.parse(text, maximumLength: DesignManifest.maximumSize) } catch {
            let (line, column) = position(ofByte: error.offset, in: text)
            return [DraftProblem(path: "", message: "not valid JSON: \(error.reason)", line: line, column: column)]
        }
        var problems: [DraftProblem] = []
        var seen: Set<String> = []
        var removed: Set<String> = []
        for _ in 0..<64 {
            let encoded: [UInt8]
            do { encoded = try CanonicalEncoder.encode(value) } catch { break }
            let path: String, message: String
            do {
                _ = try PackageDraft(parsing: encoded)
                break
            } catch let ModelError.invalidField(field, reason) {
                (path, message) = (field, reason)
            } catch let ModelError.invalidLicense(field, error) {
                (path, message) = (field, error.description)
            } catch let ModelError.unknownSchema(found, expected) {
                (path, message) = ("schema", "'\(found)' is not \(expected)")
            } catch {
                problems.append(DraftProblem(path: "", message: error.description, line: nil, column: nil))
                break
            }
            guard seen.insert(path + message).inserted else { break }
            // A required field set aside below is now missing: that is no new problem; put in a stand-in.
            if !(message.hasPrefix("is required") && removed.contains(path)) {
                // "is required (there is 'licence': …)": point at the misspelt key.
                let misspelt = message.split(separator: "'").dropFirst().first.map(String.init)
                var (line, column) = position(of: path, in: text)
                if line == nil, let misspelt, message.contains("there is") { (line, column) = position(of: misspelt, in: text) }
                problems.append(DraftProblem(path: path, message: message, line: line, column: column))
            }
            // Set it aside (or put a stand-in where one is required) and look further.
            if message.hasPrefix("is required") {
                let name = String(path.split(separator: ".").last?.prefix { $0 != "[" } ?? "")
                guard let placeholder = placeholders[name], let filled = setting(path, to: placeholder, in: value) else { break }
                value = filled
            } else if let without = removing(path, from: value) {
                removed.insert(path)
                value = without
            } else {
                break
            }
        }
        // A misspelt key is reported once, as the missing field it stands for; problems in the order of the text.
        let misspelt = Set(problems.compactMap { problem -> String? in
            guard problem.message.hasPrefix("is required (there is '") else { return nil }
            return problem.message.split(separator: "'").dropFirst().first.map(String.init)
        })
        return problems.filter { !(misspelt.contains($0.path) && $0.message.hasPrefix("unknown field")) }
            .sorted { ($0.line ?? .max, $0.column ?? 0) < ($1.line ?? .max, $1.column ?? 0) }
    }

    /// `value` without the member at `path` ("a.b[2].c"); nil if the path does not lead to one.
    static func removing(_ path: String, from value: JSONValue) -> JSONValue? {
        remove(steps(path)[...], from: value) ?? removeJoined(path, from: value)
    }

    enum Step { case key(String), index(Int) }

    /// `value` with the member at `path` set to `new` (its parent must exist).
    static func setting(_ path: String, to new: JSONValue, in value: JSONValue) -> JSONValue? {
        guard let dot = path.lastIndex(of: ".") else {
            guard case var .object(members) = value else { return nil }
            members[path] = new
            return .object(members)
        }
        let parentPath = String(path[..<dot]), key = String(path[path.index(after: dot)...])
        // Remove then re-add through the parent: navigate by removing a sentinel-free copy.
        guard let parent = member(at: parentPath, in: value), case var .object(members) = parent else { return nil }
        members[key] = new
        return replacing(parentPath, with: .object(members), in: value)
    }

    private static func steps(_ path: String) -> [Step] {
        var steps: [Step] = []
        for part in path.split(separator: ".") {
            var name = Substring(part)
            var indexes: [Int] = []
            while name.hasSuffix("]"), let open = name.lastIndex(of: "["), let index = Int(name[name.index(after: open)..<name.index(before: name.endIndex)]) {
                indexes.insert(index, at: 0)
                name = name[..<open]
            }
            steps.append(.key(String(name)))
            steps += indexes.map(Step.index)
        }
        return steps
    }

    private static func member(at path: String, in value: JSONValue) -> JSONValue? {
        var current = value
        for step in steps(path) {
            switch (step, current) {
            case let (.key(key), .object(members)): guard let next = members[key] else { return nil }; current = next
            case let (.index(index), .array(elements)): guard elements.indices.contains(index) else { return nil }; current = elements[index]
            default: return nil
            }
        }
        return current
    }

    private static func replacing(_ path: String, with new: JSONValue, in value: JSONValue) -> JSONValue? {
        func replace(_ steps: ArraySlice<Step>, _ value: JSONValue) -> JSONValue? {
            guard let first = steps.first else { return new }
            switch (first, value) {
            case let (.key(key), .object(members)):
                guard let child = members[key], let changed = replace(steps.dropFirst(), child) else { return nil }
                var copy = members
                copy[key] = changed
                return .object(copy)
            case let (.index(index), .array(elements)):
                guard elements.indices.contains(index), let changed = replace(steps.dropFirst(), elements[index]) else { return nil }
                var copy = elements
                copy[index] = changed
                return .array(copy)
            default:
                return nil
            }
        }
        return replace(steps(path)[...], value)
    }

    private static func remove(_ steps: ArraySlice<Step>, from value: JSONValue) -> JSONValue? {
        guard let first = steps.first else { return nil }
        let rest = steps.dropFirst()
        switch (first, value) {
        case let (.key(key), .object(members)):
            guard let child = members[key] else { return nil }
            var copy = members
            if rest.isEmpty { copy[key] = nil } else {
                guard let changed = remove(rest, from: child) else { return nil }
                copy[key] = changed
            }
            return .object(copy)
        case let (.index(index), .array(elements)):
            guard elements.indices.contains(index) else { return nil }
            var copy = elements
            if rest.isEmpty { copy.remove(at: index) } else {
                guard let changed = remove(rest, from: elements[index]) else { return nil }
                copy[index] = changed
            }
            return .array(copy)
        default:
            return nil
        }
    }

    /// For `files.<path with dots>`: the first key, then the rest as one key.
    private static func removeJoined(_ path: String, from value: JSONValue) -> JSONValue? {
        guard let dot = path.firstIndex(of: "."), case var .object(members) = value,
              case var .object(inner)? = members[String(path[..<dot])] else { return nil }
        let rest = String(path[path.index(after: dot)...])
        let key = inner[rest] != nil ? rest : String(rest.split(separator: ".").first ?? "")
        guard inner.removeValue(forKey: key) != nil else { return nil }
        members[String(path[..<dot])] = .object(inner)
        return .object(members)
    }

    /// Line and column of the last key named in `path` (its first occurrence as a key in the text).
    static func position(of path: String, in text: [UInt8]) -> (Int?, Int?) {
        let last = path.split(separator: ".").last.map { String($0.prefix { $0 != "[" }) } ?? path
        guard !last.isEmpty else { return (nil, nil) }
        let needle = Array("\"\(last)\"".utf8)
        guard needle.count <= text.count else { return (nil, nil) }
        for start in 0...(text.count - needle.count) where text[start..<start + needle.count].elementsEqual(needle) {
            var after = start + needle.count
            while after < text.count, text[after] == 0x20 || text[after] == 0x09 { after += 1 }
            if after < text.count, text[after] == UInt8(ascii: ":") { return position(ofByte: start, in: text) }
        }
        return (nil, nil)
    }

    /// 1-based line and column (characters, not bytes) of byte `offset`.
    static func position(ofByte offset: Int, in text: [UInt8]) -> (Int, Int) {
        var line = 1, column = 1
        for byte in text.prefix(max(0, offset)) {
            if byte == 0x0A {
                line += 1
                column = 1
            } else if byte & 0xC0 != 0x80 {
                column += 1
            }
        }
        return (line, column)
    }
}
