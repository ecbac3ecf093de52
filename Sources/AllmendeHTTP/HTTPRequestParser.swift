// HTTPRequestParser.swift: AllmendeHTTP. Splits a byte stream into HTTP/1.1 requests (RFC 9112), refusing every
// ambiguity a request smuggler or a slow client could use. Pure: no sockets, no clocks. Spec: Protocol/http.md.

/// Incremental request parser: `append` what the socket gave, then drain `nextRequest()` (pipelining).
///
/// Bounds: a request line ≤ `HTTPLimits.requestLine` (414), a header section ≤ `HTTPLimits.headerSection` and
/// ≤ `HTTPLimits.maximumHeaderCount` fields (431), a body ≤ `HTTPLimits.body` (413) — each checked before more
/// is buffered. Every byte is scanned once, so drip-feeding costs what one read costs. After an error the
/// parser is finished: the caller answers with `error.status` and closes.
public struct HTTPRequestParser: Sendable {
    private var buffer: [UInt8] = []
    /// Where the next request begins.
    private var start = 0
    /// Bytes before this index have been scanned for line ends.
    private var scanned = 0
    private var lineStart = 0
    /// End of the request line (index of its CR), once seen.
    private var requestLineEnd: Int?
    /// The field lines so far (start, end excluding CRLF).
    private var fieldLines: [Range<Int>] = []
    /// The parsed head waiting for its body.
    private var waiting: (request: HTTPRequest, bodyStart: Int, length: Int)?
    private var skippedEmptyLines = 0

    public init() {}

    /// Bytes buffered and not yet returned as requests.
    public var bufferedCount: Int { buffer.count - start }

    /// Whether bytes of an unfinished request are buffered (a header time-out applies).
    public var isInsideRequest: Bool { buffer.count > start }

    public mutating func append(_ bytes: some Collection<UInt8>) { buffer.append(contentsOf: bytes) }

    /// The next whole request, or `nil` if more bytes are needed.
    public mutating func nextRequest() throws(HTTPError) -> HTTPRequest? {
        if waiting == nil {
            guard let bodyStart = try scanHead() else { return nil }
            var request = try parseHead()
            let length = try bodyLength(request)
            request.body = []
            waiting = (request, bodyStart, length)
        }
        guard let (head, bodyStart, length) = waiting, buffer.count - bodyStart >= length else { return nil }
        var request = head
        request.body = Array(buffer[bodyStart..<(bodyStart + length)])
        finish(at: bodyStart + length)
        return request
    }

    // MARK: Scanning

    /// Scans new bytes for line ends; returns the index after the empty line that ends the head, once present.
    private mutating func scanHead() throws(HTTPError) -> Int? {
        while scanned < buffer.count {
            let byte = buffer[scanned]
            if byte == 0x0D {
                guard scanned + 1 < buffer.count else { break }
                guard buffer[scanned + 1] == 0x0A else { throw .malformed("a bare CR (not followed by LF)") }
                let lineEnd = scanned
                scanned += 2
                if let done = try endLine(lineEnd) { return done }
                continue
            }
            if byte == 0x0A { throw .malformed("a bare LF (lines end with CRLF)") }
            if byte == 0 { throw .malformed("a NUL byte in the head") }
            scanned += 1
            if requestLineEnd == nil, scanned - lineStart > HTTPLimits.requestLine { throw .requestLineTooLong(limit: HTTPLimits.requestLine) }
            if let line = requestLineEnd, scanned - line > HTTPLimits.headerSection { throw .headersTooLarge(limit: HTTPLimits.headerSection) }
        }
        return nil
    }

    /// Records the line ending at `lineEnd` (its CR); returns the body start when it is the empty line after the head.
    private mutating func endLine(_ lineEnd: Int) throws(HTTPError) -> Int? {
        defer { lineStart = scanned }
        if requestLineEnd == nil {
            if lineEnd == lineStart {
                // RFC 9112 §2.2: empty lines before the request line are ignored (a few, not forever).
                skippedEmptyLines += 1
                if skippedEmptyLines > 4 { throw .malformed("empty lines instead of a request line") }
                start = scanned
                return nil
            }
            requestLineEnd = lineEnd
            return nil
        }
        if lineEnd == lineStart { return scanned }
        fieldLines.append(lineStart..<lineEnd)
        if fieldLines.count > HTTPLimits.maximumHeaderCount { throw .headersTooLarge(limit: HTTPLimits.headerSection) }
        return nil
    }

    private mutating func finish(at end: Int) {
        start = end
        scanned = end
        lineStart = end
        requestLineEnd = nil
        fieldLines = []
        waiting = nil
        skippedEmptyLines = 0
        if start == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 << 10)
            (start, scanned, lineStart) = (0, 0, 0)
        } else if start >= 32 << 10 {
            buffer.removeFirst(start)
            (start, scanned, lineStart) = (0, 0, 0)
        }
    }

    // MARK: Parsing the head

    private func parseHead() throws(HTTPError) -> HTTPRequest {
        guard let lineEnd = requestLineEnd else { throw .malformed("no request line") }
        let line = buffer[start..<lineEnd]
        let parts = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .malformed("the request line is not 'METHOD TARGET HTTP/1.1'") }
        guard !parts[0].isEmpty, parts[0].allSatisfy(Self.isTokenByte) else { throw .malformed("the method is not a token") }
        let minor = try Self.minorVersion(parts[2])
        let target = try HTTPTarget.parse(parts[1])
        var headers: [(name: String, value: String)] = []
        for range in fieldLines {
            let field = buffer[range]
            if field.first == 0x20 || field.first == 0x09 { throw .malformed("a folded header line (obs-fold)") }
            guard let colon = field.firstIndex(of: UInt8(ascii: ":")) else { throw .malformed("a header line without ':'") }
            let name = field[field.startIndex..<colon]
            guard !name.isEmpty, name.allSatisfy(Self.isTokenByte) else { throw .malformed("a header name that is not a token (or space before ':')") }
            var value = field[(colon + 1)...]
            while let first = value.first, first == 0x20 || first == 0x09 { value.removeFirst() }
            while let last = value.last, last == 0x20 || last == 0x09 { value.removeLast() }
            if value.contains(where: { ($0 < 0x20 && $0 != 0x09) || $0 == 0x7F }) { throw .malformed("a control character in a header value") }
            // obs-text (bytes ≥ 0x80) is kept as Latin-1, never interpreted.
            headers.append((String(decoding: name, as: UTF8.self).lowercased(), String(value.map { Character(Unicode.Scalar($0)) })))
        }
        let hosts = headers.filter { $0.name == "host" }
        if minor == 1, hosts.count != 1 { throw .malformed(hosts.isEmpty ? "no Host header" : "more than one Host header") }
        return HTTPRequest(method: String(decoding: parts[0], as: UTF8.self), target: String(decoding: parts[1], as: UTF8.self),
                           segments: target.segments, hasTrailingSlash: target.hasTrailingSlash, query: target.query, minorVersion: minor, headers: headers)
    }

    private func bodyLength(_ request: HTTPRequest) throws(HTTPError) -> Int {
        let lengths = request.headers.filter { $0.name == "content-length" }.flatMap { $0.value.split(separator: ",", omittingEmptySubsequences: false) }
            .map { $0.trimmingSpaces }
        let encodings = request.headers.filter { $0.name == "transfer-encoding" }
        if !encodings.isEmpty {
            if !lengths.isEmpty { throw .malformed("both Content-Length and Transfer-Encoding") }
            throw .lengthRequired
        }
        guard let first = lengths.first else { return 0 }
        guard lengths.allSatisfy({ $0 == first }) else { throw .malformed("conflicting Content-Length values") }
        guard !first.isEmpty, first.utf8.count <= 18, first.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let length = Int(first) else {
            throw .malformed("Content-Length is not a decimal number")
        }
        guard length <= HTTPLimits.body else { throw .bodyTooLarge(length: length, limit: HTTPLimits.body) }
        return length
    }

    private static func minorVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> Int {
        let text = String(decoding: bytes, as: UTF8.self)
        if text == "HTTP/1.1" { return 1 }
        if text == "HTTP/1.0" { return 0 }
        let digits = Array(bytes.dropFirst(5))
        if text.hasPrefix("HTTP/"), digits.count == 3, digits[1] == UInt8(ascii: "."), (digits[0] >= 0x30 && digits[0] <= 0x39), (digits[2] >= 0x30 && digits[2] <= 0x39) {
            throw .unsupportedVersion(text)
        }
        throw .malformed("the version is not HTTP/1.x")
    }

    /// RFC 9110 tchar.
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"): true
        default: Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
        }
    }
}
