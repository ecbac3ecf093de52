// HTTPResponse.swift: AllmendeHTTP. A response: status, header fields and where the body comes from. Pure
// encoding of the head; the executor writes the body. Spec: Protocol/http.md "Responses".

/// Where a response body comes from. Files are sent with `sendfile`; streams are pulled as the socket drains.
public enum HTTPBody {
    case bytes([UInt8])
    /// `length` bytes of the file at `path` from `offset`.
    case file(path: String, offset: Int, length: Int)
    /// Exactly `length` bytes produced by `stream` (it must produce that many).
    case stream(length: Int, HTTPBodyStream)

    public var length: Int {
        switch self {
        case let .bytes(bytes): bytes.count
        case let .file(_, _, length): length
        case let .stream(length, _): length
        }
    }
}

/// A body produced piece by piece (a ZIP of a package).
public protocol HTTPBodyStream: AnyObject {
    /// Up to `limit` more bytes; an empty array only at the end. Throws if the source fails (the connection is closed).
    func next(limit: Int) throws -> [UInt8]
    /// Called once when the response is finished or abandoned.
    func close()
}

/// A response. `Content-Length` is always sent (the body's length), so every response can be kept alive.
public struct HTTPResponse {
    public var status: Int
    public var headers: [(name: String, value: String)]
    public var body: HTTPBody
    /// Close the connection after this response.
    public var closes = false

    public init(status: Int, headers: [(name: String, value: String)] = [], body: HTTPBody = .bytes([])) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    /// A text or HTML response with `contentType`.
    public init(status: Int, contentType: String, text: String, headers: [(name: String, value: String)] = []) {
        self.init(status: status, headers: [("Content-Type", contentType)] + headers, body: .bytes(Array(text.utf8)))
    }

    public func header(_ name: String) -> String? { headers.first { $0.name.lowercased() == name.lowercased() }?.value }

    /// The status line and header fields with `Content-Length`, ending with the empty line. Header values are
    /// written without CR, LF and NUL (a file name from a manifest cannot split a header).
    public func encodedHead(date: String? = nil, keepAlive: Bool) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(512)
        out += "HTTP/1.1 \(status) \(Self.reason(status))\r\n".utf8
        if let date { out += "Date: \(date)\r\n".utf8 }
        for (name, value) in headers {
            out += name.utf8
            out += ": ".utf8
            if value.utf8.contains(where: { $0 == 0x0D || $0 == 0x0A || $0 == 0 }) {
                out += value.utf8.filter { $0 != 0x0D && $0 != 0x0A && $0 != 0 }
            } else {
                out += value.utf8
            }
            out += "\r\n".utf8
        }
        out += "Content-Length: \(body.length)\r\n".utf8
        if !keepAlive || closes { out += "Connection: close\r\n".utf8 }
        out += "\r\n".utf8
        return out
    }

    /// The reason phrase of `status`.
    public static func reason(_ status: Int) -> String {
        switch status {
        case 200: "OK"
        case 204: "No Content"
        case 206: "Partial Content"
        case 301: "Moved Permanently"
        case 303: "See Other"
        case 304: "Not Modified"
        case 400: "Bad Request"
        case 403: "Forbidden"
        case 404: "Not Found"
        case 405: "Method Not Allowed"
        case 408: "Request Timeout"
        case 411: "Length Required"
        case 413: "Content Too Large"
        case 414: "URI Too Long"
        case 416: "Range Not Satisfiable"
        case 429: "Too Many Requests"
        case 431: "Request Header Fields Too Large"
        case 500: "Internal Server Error"
        case 501: "Not Implemented"
        case 503: "Service Unavailable"
        case 505: "HTTP Version Not Supported"
        default: "Status"
        }
    }
}

/// The answer to a `Range` header for a body of `size` bytes (RFC 9110 §14): one range is served, several or
/// an unknown unit are ignored (the whole body), a range wholly past the end is 416.
public enum ByteRangeAnswer: Equatable, Sendable {
    case whole
    case partial(Range<Int>)
    case unsatisfiable

    public init(header: String?, size: Int) {
        guard let header, header.hasPrefix("bytes=") else { self = .whole; return }
        let spec = Substring(header.dropFirst(6).trimmingSpaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[spec.startIndex..<dash], last = spec[spec.index(after: dash)...]
        func number(_ text: Substring) -> Int? { text.count <= 18 && text.allSatisfy(\.isASCIIDigit) ? Int(text) : nil }
        if first.isEmpty {
            // Suffix: the last N bytes.
            guard let count = number(last) else { self = .whole; return }
            guard count > 0, size > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, size - count)..<size)
            return
        }
        guard let from = number(first) else { self = .whole; return }
        let to: Int
        if last.isEmpty { to = size - 1 } else {
            guard let end = number(last), end >= from else { self = .whole; return }
            to = min(end, size - 1)
        }
        guard from < size else { self = .unsatisfiable; return }
        self = .partial(from..<(to + 1))
    }
}

/// `If-None-Match`: whether `header` names `etag` (a quoted entity tag) or is `*`; weak comparison (RFC 9110 §13.1.2).
public func entityTag(_ etag: String, matchesIfNoneMatch header: String?) -> Bool {
    guard let header else { return false }
    let strip = { (tag: Substring) -> Substring in tag.hasPrefix("W/") ? tag.dropFirst(2) : tag }
    return header.split(separator: ",").contains { item in
        let tag = Substring(item.trimmingSpaces)
        return tag == "*" || strip(tag) == strip(Substring(etag))
    }
}

extension Character {
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
}
