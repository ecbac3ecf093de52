// Markdown.swift: AllmendeHTTP. A small, safe Markdown subset to HTML, for descriptions and READMEs of packages:
// headings, paragraphs, lists, fenced and indented code, quotes, rules, inline code, emphasis and links. Raw HTML
// is never passed through (it is shown as text) and links go only to http(s), mailto or relative paths. Pure.

/// Renders untrusted Markdown as HTML that cannot run scripts or load anything by itself (no images are emitted).
public enum Markdown {
    /// Most input rendered (bytes); the rest is cut with a note.
    public static let maximumInput = 256 << 10

    public static func html(_ text: String) -> String {
        var source = text
        var cut = false
        if source.utf8.count > maximumInput {
            source = String(decoding: source.utf8.prefix(maximumInput), as: UTF8.self)
            cut = true
        }
        var out = ""
        var paragraph: [String] = []
        var list: (ordered: Bool, items: [String])?
        var code: [String]?
        var quote: [String] = []

        func flushParagraph() {
            if !paragraph.isEmpty { out += "<p>" + inline(paragraph.joined(separator: "\n")) + "</p>\n" }
            paragraph = []
        }
        func flushList() {
            if let current = list {
                let tag = current.ordered ? "ol" : "ul"
                out += "<\(tag)>" + current.items.map { "<li>" + inline($0) + "</li>" }.joined() + "</\(tag)>\n"
            }
            list = nil
        }
        func flushQuote() {
            if !quote.isEmpty { out += "<blockquote>" + html(quote.joined(separator: "\n")) + "</blockquote>\n" }
            quote = []
        }
        func flushAll() {
            flushParagraph()
            flushList()
            flushQuote()
        }

        for rawLine in source.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = rawLine.hasSuffix("\r") ? String(rawLine.dropLast()) : String(rawLine)
            if var lines = code {
                if line.trimmingLeadingSpaces.hasPrefix("```") {
                    out += "<pre><code>" + HTML.escape(lines.joined(separator: "\n")) + "</code></pre>\n"
                    code = nil
                } else {
                    lines.append(line)
                    code = lines
                }
                continue
            }
            let trimmed = line.trimmingLeadingSpaces
            if trimmed.hasPrefix("```") {
                flushAll()
                code = []
                continue
            }
            if trimmed.isEmpty {
                flushAll()
                continue
            }
            if trimmed.hasPrefix(">") {
                flushParagraph()
                flushList()
                quote.append(String(trimmed.dropFirst().trimmingLeadingSpaces))
                continue
            }
            flushQuote()
            if let level = headingLevel(trimmed) {
                flushAll()
                let content = trimmed.dropFirst(level).trimmingLeadingSpaces
                out += "<h\(level + 2)>" + inline(String(content)) + "</h\(level + 2)>\n"
                continue
            }
            if trimmed.count >= 3, Set(trimmed.filter { $0 != " " }).count == 1, let mark = trimmed.first, "-*_".contains(mark),
               trimmed.filter({ $0 == mark }).count >= 3 {
                flushAll()
                out += "<hr>\n"
                continue
            }
            if let (ordered, item) = listItem(trimmed) {
                flushParagraph()
                if list == nil || list?.ordered != ordered { flushList(); list = (ordered, []) }
                list?.items.append(item)
                continue
            }
            if list != nil, line.hasPrefix("  "), var current = list, !current.items.isEmpty {
                // A continuation line of the last item.
                current.items[current.items.count - 1] += "\n" + trimmed
                list = current
                continue
            }
            flushList()
            paragraph.append(trimmed)
        }
        if let lines = code { out += "<pre><code>" + HTML.escape(lines.joined(separator: "\n")) + "</code></pre>\n" }
        flushAll()
        if cut { out += "<p><em>(shortened: longer than \(maximumInput / 1024) KiB)</em></p>\n" }
        return out
    }

    /// `#` to `####`: the level (pages already use h1 and h2, so level 1 becomes h3).
    private static func headingLevel(_ line: String) -> Int? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...4).contains(hashes), line.dropFirst(hashes).first == " " else { return nil }
        return hashes
    }

    private static func listItem(_ line: String) -> (ordered: Bool, item: String)? {
        if let first = line.first, "-*+".contains(first), line.dropFirst().first == " " { return (false, String(line.dropFirst(2))) }
        let digits = line.prefix { $0.isASCIIDigit }
        if !digits.isEmpty, digits.count <= 9, line.dropFirst(digits.count).hasPrefix(". ") {
            return (true, String(line.dropFirst(digits.count + 2)))
        }
        return nil
    }

    /// Inline code, links, bold and emphasis; everything else escaped.
    static func inline(_ text: String) -> String {
        var out = ""
        var rest = Substring(text)
        while let index = rest.firstIndex(where: { "`[*_".contains($0) }) {
            out += HTML.escape(String(rest[rest.startIndex..<index]))
            rest = rest[index...]
            if rest.first == "`", let end = rest.dropFirst().firstIndex(of: "`") {
                out += "<code>" + HTML.escape(String(rest[rest.index(after: rest.startIndex)..<end])) + "</code>"
                rest = rest[rest.index(after: end)...]
            } else if rest.first == "[", let close = rest.firstIndex(of: "]"), rest[rest.index(after: close)...].first == "(",
                      let end = rest[close...].firstIndex(of: ")") {
                let label = String(rest[rest.index(after: rest.startIndex)..<close])
                let target = String(rest[rest.index(close, offsetBy: 2)..<end]).trimmingLeadingSpaces
                if let href = safeLink(target) {
                    out += "<a href=\"\(HTML.escape(href))\" rel=\"nofollow noopener noreferrer\">" + inline(label) + "</a>"
                } else {
                    out += HTML.escape(label)
                }
                rest = rest[rest.index(after: end)...]
            } else if rest.hasPrefix("**"), let end = rest.dropFirst(2).firstRange(of: "**"), end.lowerBound > rest.index(rest.startIndex, offsetBy: 2) {
                out += "<strong>" + inline(String(rest[rest.index(rest.startIndex, offsetBy: 2)..<end.lowerBound])) + "</strong>"
                rest = rest[end.upperBound...]
            } else if let mark = rest.first, mark == "*" || mark == "_", let end = rest.dropFirst().firstIndex(of: mark),
                      end > rest.index(after: rest.startIndex), rest[rest.index(after: rest.startIndex)] != " " {
                out += "<em>" + inline(String(rest[rest.index(after: rest.startIndex)..<end])) + "</em>"
                rest = rest[rest.index(after: end)...]
            } else {
                out += HTML.escape(String(rest.prefix(1)))
                rest = rest.dropFirst()
            }
        }
        return out + HTML.escape(String(rest))
    }

    /// A link target that cannot run anything: http(s), mailto, or a relative path without a scheme.
    static func safeLink(_ target: String) -> String? {
        // Unicode scalars, as a browser reads a URL: a combining mark after ':' or '/' is one Swift Character
        // with it, and Character comparisons would miss the ':' of "j:\u{653}…".
        let scalars = Array(target.unicodeScalars)
        func starts(_ prefix: String) -> Bool { scalars.starts(with: prefix.unicodeScalars) }
        let lower = Array(target.lowercased().unicodeScalars)
        if ["http://", "https://", "mailto:"].contains(where: { lower.starts(with: $0.unicodeScalars) }) { return target }
        // Relative: no scheme (no ':' before the first '/'), no control characters, not protocol-relative.
        if starts("//") || scalars.isEmpty { return nil }
        // Control characters (C0, DEL, C1) are refused, not passed on: the page's escaping drops them, and
        // "/\u{87}/host" would then become the protocol-relative "//host" (found by fuzzing).
        if scalars.contains(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) || $0 == "\\" }) { return nil }
        if let colon = scalars.firstIndex(of: ":"), !scalars[..<colon].contains("/") { return nil }
        return target
    }
}
