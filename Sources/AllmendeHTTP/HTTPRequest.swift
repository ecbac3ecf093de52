// HTTPRequest.swift: AllmendeHTTP. One parsed request. Pure. Spec: Protocol/http.md.

/// A request as the parser accepted it: the target already split and percent-decoded.
public struct HTTPRequest: Sendable, Equatable {
    /// The method as sent (case-sensitive, e.g. `GET`).
    public var method: String
    /// The request target exactly as sent.
    public var target: String
    /// The decoded path segments (`/p/ID/a%20b` → `["p", "ID", "a b"]`); never `.`, `..`, empty inner segments or `/`.
    public var segments: [String]
    /// Whether the path ends with `/` (`/labs/` has segments `["labs"]` and a trailing slash).
    public var hasTrailingSlash: Bool
    /// Decoded query parameters in order (`+` is a space).
    public var query: [(name: String, value: String)]
    /// `1` for HTTP/1.1, `0` for HTTP/1.0.
    public var minorVersion: Int
    /// Header fields in order, names lower-cased, values with surrounding whitespace removed.
    public var headers: [(name: String, value: String)]
    public var body: [UInt8]

    public init(method: String, target: String, segments: [String], hasTrailingSlash: Bool = false, query: [(name: String, value: String)] = [],
                minorVersion: Int = 1, headers: [(name: String, value: String)] = [], body: [UInt8] = []) {
        self.method = method
        self.target = target
        self.segments = segments
        self.hasTrailingSlash = hasTrailingSlash
        self.query = query
        self.minorVersion = minorVersion
        self.headers = headers
        self.body = body
    }

    /// The value of header `name` (lower-case), the first if it is repeated.
    public func header(_ name: String) -> String? { headers.first { $0.name == name }?.value }

    /// The first value of query parameter `name`.
    public func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }

    /// Every value of query parameter `name`.
    public func parameters(_ name: String) -> [String] { query.filter { $0.name == name }.map(\.value) }

    /// The path as decoded segments joined by `/` (with a leading `/`).
    public var path: String { "/" + segments.joined(separator: "/") + (hasTrailingSlash && !segments.isEmpty ? "/" : "") }

    /// Whether the connection stays open after the answer: HTTP/1.1 unless `Connection: close`, HTTP/1.0 only
    /// with `Connection: keep-alive`.
    public var keepsAlive: Bool {
        let options = headers.filter { $0.name == "connection" }.flatMap { $0.value.lowercased().split(separator: ",") }
            .map { $0.trimmingSpaces }
        if options.contains("close") { return false }
        return minorVersion >= 1 || options.contains("keep-alive")
    }

    /// The form fields of an `application/x-www-form-urlencoded` body (empty for any other body).
    public var formFields: [(name: String, value: String)] {
        guard header("content-type")?.lowercased().hasPrefix("application/x-www-form-urlencoded") == true else { return [] }
        return (try? HTTPTarget.decodeQuery(body[...])) ?? []
    }

    public static func == (lhs: HTTPRequest, rhs: HTTPRequest) -> Bool {
        lhs.method == rhs.method && lhs.target == rhs.target && lhs.segments == rhs.segments && lhs.hasTrailingSlash == rhs.hasTrailingSlash
            && lhs.query.map { [$0.name, $0.value] } == rhs.query.map { [$0.name, $0.value] } && lhs.minorVersion == rhs.minorVersion
            && lhs.headers.map { [$0.name, $0.value] } == rhs.headers.map { [$0.name, $0.value] } && lhs.body == rhs.body
    }
}

extension StringProtocol {
    /// Without leading spaces and tabs.
    var trimmingLeadingSpaces: String { String(drop { $0 == " " || $0 == "\t" }) }

    /// Without leading and trailing spaces and tabs.
    var trimmingSpaces: String {
        var slice = self[...]
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
