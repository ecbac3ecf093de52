// HTTPError.swift: AllmendeHTTP. Why a request was refused before it reached a route. Pure. Spec: Protocol/http.md.

/// A request the parser refuses; each case names the status it is answered with, and the connection is closed
/// after the answer (the parser cannot know where the next request would begin).
public enum HTTPError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The request line is longer than the limit (414).
    case requestLineTooLong(limit: Int)
    /// The header section (all field lines) is larger than the limit, or has too many fields (431).
    case headersTooLarge(limit: Int)
    /// A syntax error or an ambiguity a smuggler could use (400).
    case malformed(String)
    /// The request declares a body larger than the limit (413).
    case bodyTooLarge(length: Int, limit: Int)
    /// A body sent with `Transfer-Encoding` and no `Content-Length` (411).
    case lengthRequired
    /// An HTTP version other than 1.0 and 1.1 (505).
    case unsupportedVersion(String)

    /// The status this error is answered with.
    public var status: Int {
        switch self {
        case .requestLineTooLong: 414
        case .headersTooLarge: 431
        case .malformed: 400
        case .bodyTooLarge: 413
        case .lengthRequired: 411
        case .unsupportedVersion: 505
        }
    }

    public var description: String {
        switch self {
        case let .requestLineTooLong(limit): "request line longer than \(limit) bytes"
        case let .headersTooLarge(limit): "header section larger than \(limit) bytes or more than \(HTTPLimits.maximumHeaderCount) fields"
        case let .malformed(reason): "malformed request: \(reason)"
        case let .bodyTooLarge(length, limit): "request body of \(length) bytes exceeds the limit of \(limit)"
        case .lengthRequired: "a request body needs Content-Length (chunked request bodies are not accepted)"
        case let .unsupportedVersion(version): "HTTP version '\(version)' is not supported (use HTTP/1.1)"
        }
    }
}

/// Limits of the HTTP face; sizes in bytes.
public enum HTTPLimits {
    /// Longest request line (method, target, version), in bytes.
    public static let requestLine = 8 << 10
    /// Largest header section (every field line with its CRLF), in bytes.
    public static let headerSection = 16 << 10
    /// Most header fields in one request.
    public static let maximumHeaderCount = 100
    /// Largest request body (forms), in bytes.
    public static let body = 64 << 10
}
