// HTTPResponseTests.swift: response heads byte by byte, ranges, entity tags, HTML escaping.

import AllmendeHTTP
import Testing

@Suite("HTTP responses")
struct HTTPResponseTests {
    @Test("the head has the status line, fields, Content-Length and the empty line; CR/LF in values cannot split it")
    func head() {
        var response = HTTPResponse(status: 200, contentType: "text/plain", text: "hello")
        response.headers.append(("Content-Disposition", "attachment; filename=\"a\r\nSet-Cookie: x\""))
        let text = String(decoding: response.encodedHead(keepAlive: false), as: UTF8.self)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; filename=\"aSet-Cookie: x\"\r\n"
            + "Content-Length: 5\r\nConnection: close\r\n\r\n")
        #expect(String(decoding: HTTPResponse(status: 404).encodedHead(keepAlive: true), as: UTF8.self) == "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
    }

    @Test("ranges: one range, suffix, open end, past the end, several or malformed ignored")
    func ranges() {
        #expect(ByteRangeAnswer(header: nil, size: 100) == .whole)
        #expect(ByteRangeAnswer(header: "bytes=0-9", size: 100) == .partial(0..<10))
        #expect(ByteRangeAnswer(header: "bytes=90-200", size: 100) == .partial(90..<100))
        #expect(ByteRangeAnswer(header: "bytes=50-", size: 100) == .partial(50..<100))
        #expect(ByteRangeAnswer(header: "bytes=-10", size: 100) == .partial(90..<100))
        #expect(ByteRangeAnswer(header: "bytes=-1000", size: 100) == .partial(0..<100))
        #expect(ByteRangeAnswer(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRangeAnswer(header: "bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRangeAnswer(header: "bytes=0-1,5-6", size: 100) == .whole)
        #expect(ByteRangeAnswer(header: "bytes=9-2", size: 100) == .whole)
        #expect(ByteRangeAnswer(header: "items=0-1", size: 100) == .whole)
        #expect(ByteRangeAnswer(header: "bytes=x-1", size: 100) == .whole)
    }

    @Test("If-None-Match: lists, weak tags and * match; others do not")
    func entityTags() {
        #expect(entityTag("\"abc\"", matchesIfNoneMatch: "\"x\", \"abc\""))
        #expect(entityTag("\"abc\"", matchesIfNoneMatch: "W/\"abc\""))
        #expect(entityTag("\"abc\"", matchesIfNoneMatch: "*"))
        #expect(!entityTag("\"abc\"", matchesIfNoneMatch: "\"abd\""))
        #expect(!entityTag("\"abc\"", matchesIfNoneMatch: nil))
    }

    @Test("HTML escaping turns markup into text")
    func escaping() {
        #expect(HTML.escape("<script>alert('x')</script> & \"q\"") == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;")
        #expect(HTML.escape("a\u{0}b\u{1B}c\nd") == "abc\nd")
    }

    @Test("percent-encoding a segment round-trips through the parser")
    func encodeSegment() throws {
        let name = "frame v2 ä?&#+.svg"
        let encoded = HTTPTarget.encode(name)
        let parsed = try HTTPTarget.parse(Array(("/p/" + encoded).utf8)[...])
        #expect(parsed.segments == ["p", name])
    }
}
