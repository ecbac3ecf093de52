// IgnoreRules.swift: AllmendeStore. `.allmendeignore` patterns, a small subset of .gitignore. Pure.

/// Patterns from an `.allmendeignore` file: one per line; `#` starts a comment; `*` matches within a
/// name, `?` one character, `**` any number of folders; a trailing `/` matches folders only; a leading
/// `/` (or any other `/`) anchors the pattern at the package root, otherwise it matches a name at any depth;
/// a leading `!` re-includes what an earlier pattern excluded.
public struct IgnoreRules: Sendable {
    private struct Rule: Sendable {
        let segments: [String]
        let isAnchored: Bool
        let isDirectoryOnly: Bool
        let isNegated: Bool
    }

    private let rules: [Rule]

    /// Parses the text of an ignore file.
    public init(_ text: String) {
        var rules: [Rule] = []
        for rawLine in text.split(separator: "\n", omittingEmptySubsequences: true) {
            var line = String(rawLine)
            if line.hasSuffix("\r") { line.removeLast() }
            while line.hasSuffix(" ") { line.removeLast() }
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let isNegated = line.hasPrefix("!")
            if isNegated { line.removeFirst() }
            let isDirectoryOnly = line.hasSuffix("/")
            if isDirectoryOnly { line.removeLast() }
            let isAnchored = line.dropLast().contains("/") || line.hasPrefix("/")
            if line.hasPrefix("/") { line.removeFirst() }
            guard !line.isEmpty else { continue }
            rules.append(Rule(segments: line.split(separator: "/").map(String.init), isAnchored: isAnchored,
                              isDirectoryOnly: isDirectoryOnly, isNegated: isNegated))
        }
        self.rules = rules
    }

    /// True if the relative `path` (a file, or a folder when `isDirectory`) is ignored.
    public func isIgnored(_ path: String, isDirectory: Bool) -> Bool {
        let components = path.split(separator: "/").map(String.init)
        var ignored = false
        for rule in rules where !(rule.isDirectoryOnly && !isDirectory) {
            let matches = rule.isAnchored ? Self.match(rule.segments[...], components[...])
                : components.last.map { Self.glob(Array(rule.segments.joined(separator: "/")), Array($0)) } ?? false
            if matches { ignored = !rule.isNegated }
        }
        return ignored
    }

    private static func match(_ pattern: ArraySlice<String>, _ path: ArraySlice<String>) -> Bool {
        guard let first = pattern.first else { return path.isEmpty }
        if first == "**" {
            let rest = pattern.dropFirst()
            for start in path.startIndex...path.endIndex where match(rest, path[start...]) { return true }
            return false
        }
        guard let component = path.first, glob(Array(first), Array(component)) else { return false }
        return match(pattern.dropFirst(), path.dropFirst())
    }

    /// Shell-style match of one name: `*` any run, `?` one character.
    static func glob(_ pattern: [Character], _ name: [Character]) -> Bool {
        var p = 0, n = 0, star = -1, mark = 0
        while n < name.count {
            if p < pattern.count && (pattern[p] == "?" || pattern[p] == name[n]) {
                p += 1
                n += 1
            } else if p < pattern.count && pattern[p] == "*" {
                star = p
                mark = n
                p += 1
            } else if star >= 0 {
                p = star + 1
                mark += 1
                n = mark
            } else {
                return false
            }
        }
        while p < pattern.count && pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }
}
