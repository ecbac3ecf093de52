// HTTPRequestParserTests.swift: every request whole, drip-fed one byte at a time and pipelined; every hostile
// spelling refused with its status.

import AllmendeHTTP
import Testing

/// Feeds `input` in pieces of `step` bytes and collects requests until an error or the end.
private func parse(_ input: String, step: Int) -> (requests: [HTTPRequest], error: HTTPError?) {
    var parser = HTTPRequestParser()
    var requests: [HTTPRequest] = []
    let bytes = Array(input.utf8)
    var offset = 0
    while offset < bytes.count {
        parser.append(bytes[offset..<min(bytes.count, offset + step)])
        offset += step
        do {
            while let request = try parser.nextRequest() { requests.append(request) }
        } catch { return (requests, error) }
    }
    return (requests, nil)
}

@Suite("HTTP request parser")
struct HTTPRequestParserTests {
    static let get = "GET /p/abc/drawings/frame%20v2.svg?x=1&q=cargo+bike HTTP/1.1\r\nHost: lab.local\r\nUser-Agent:  curl/8  \r\n\r\n"
    static let post = "POST /api/fetch HTTP/1.1\r\nHost: a\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 13\r\n\r\nid=ab%2Fc&x=1"

    @Test("a request whole, drip-fed and in pieces gives the same decoded request", arguments: [1, 2, 7, 4096])
    func wholeAndDripFed(step: Int) throws {
        let (requests, error) = parse(Self.get + Self.post, step: step)
        #expect(error == nil)
        try #require(requests.count == 2)
        #expect(requests[0].method == "GET")
        #expect(requests[0].segments == ["p", "abc", "drawings", "frame v2.svg"])
        #expect(requests[0].query.map(\.value) == ["1", "cargo bike"])
        #expect(requests[0].header("user-agent") == "curl/8")
        #expect(requests[0].keepsAlive)
        #expect(requests[1].body == Array("id=ab%2Fc&x=1".utf8))
        #expect(requests[1].formFields.map(\.value) == ["ab/c", "1"])
    }

    @Test("pipelined requests come out in order, each once")
    func pipelined() {
        let input = String(repeating: "GET /a HTTP/1.1\r\nHost: h\r\n\r\n", count: 50) + "HEAD /b HTTP/1.0\r\n\r\n"
        let (requests, error) = parse(input, step: 4096)
        #expect(error == nil)
        #expect(requests.count == 51)
        #expect(requests.last?.method == "HEAD")
        #expect(requests.last?.keepsAlive == false)
    }

    @Test("HTTP/1.0 keeps alive only when asked; HTTP/1.1 closes on Connection: close")
    func keepAlive() {
        #expect(parse("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", step: 1).requests.first?.keepsAlive == true)
        #expect(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: te, close\r\n\r\n", step: 1).requests.first?.keepsAlive == false)
    }

    @Test("up to four empty lines before a request are skipped")
    func leadingEmptyLines() {
        #expect(parse("\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", step: 1).requests.count == 1)
        #expect(parse(String(repeating: "\r\n", count: 5) + "GET / HTTP/1.1\r\n", step: 1).error?.status == 400)
    }

    static let hostile: [(String, String, Int)] = [
        ("request line too long", "GET /" + String(repeating: "a", count: 9000) + " HTTP/1.1\r\n", 414),
        ("request line too long without its end", "GET /" + String(repeating: "a", count: 9000), 414),
        ("header section too large", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-A: " + String(repeating: "b", count: 1000) + "\r\n", count: 17), 431),
        ("too many fields", "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-A: b\r\n", count: 101) + "\r\n", 431),
        ("conflicting Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("conflicting Content-Length in one field", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd", 400),
        ("Content-Length with a sign", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", 400),
        ("Content-Length and Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400),
        ("chunked request body", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n", 411),
        ("body too large", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1000000\r\n\r\n", 413),
        ("obs-fold", "GET / HTTP/1.1\r\nHost: h\r\nX-A: a\r\n b\r\n\r\n", 400),
        ("space before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", 400),
        ("bare CR in a value", "GET / HTTP/1.1\r\nHost: h\rX: y\r\n\r\n", 400),
        ("bare LF", "GET / HTTP/1.1\nHost: h\n\n", 400),
        ("NUL in a value", "GET / HTTP/1.1\r\nHost: h\0\r\n\r\n", 400),
        ("NUL in the target", "GET /a\0b HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("control character in a value", "GET / HTTP/1.1\r\nHost: h\u{1}\r\n\r\n", 400),
        ("invalid percent-encoding", "GET /a%2 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("invalid percent-encoding in the query", "GET /a?q=%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("encoded slash", "GET /p/a%2Fb HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("encoded NUL", "GET /p/a%00 HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("dot-dot", "GET /p/../etc/passwd HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("encoded dot-dot", "GET /p/%2e%2E/x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("dot segment", "GET /p/./x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("empty segment", "GET /p//x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("invalid UTF-8 in the path", "GET /p/%FF HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("raw non-ASCII in the target", "GET /p/ä HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("a fragment", "GET /p#x HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("no Host in HTTP/1.1", "GET / HTTP/1.1\r\n\r\n", 400),
        ("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400),
        ("asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("HTTP/2.0", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505),
        ("not HTTP", "GET / SPDY/3\r\nHost: h\r\n\r\n", 400),
        ("two spaces", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
        ("method with a bad character", "G(T / HTTP/1.1\r\nHost: h\r\n\r\n", 400),
    ]

    @Test("hostile requests are refused with their status, whole and drip-fed", arguments: hostile.indices)
    func hostileRequests(index: Int) {
        let (name, input, status) = Self.hostile[index]
        for step in [1, 4096] {
            let (requests, error) = parse(input, step: step)
            #expect(requests.isEmpty, "\(name)")
            #expect(error?.status == status, "\(name), step \(step): \(String(describing: error))")
        }
    }

    @Test("a refused request after a good one: the good one is answered first")
    func goodThenBad() {
        let (requests, error) = parse("GET /a HTTP/1.1\r\nHost: h\r\n\r\nGET /p/%2e%2e HTTP/1.1\r\nHost: h\r\n\r\n", step: 1)
        #expect(requests.map(\.segments) == [["a"]])
        #expect(error?.status == 400)
    }

    @Test("absolute-form targets are read as their path")
    func absoluteForm() {
        let request = parse("GET http://lab.local:7380/b/x?y=1 HTTP/1.1\r\nHost: lab.local\r\n\r\n", step: 3).requests.first
        #expect(request?.segments == ["b", "x"])
        #expect(request?.parameter("y") == "1")
    }

    @Test("a drip-fed 16 KiB header section is scanned once (fast), and the buffer empties after each request")
    func largeHeadDripFed() {
        var parser = HTTPRequestParser()
        let head = "GET / HTTP/1.1\r\nHost: h\r\n" + String(repeating: "X-Long: " + String(repeating: "v", count: 900) + "\r\n", count: 16) + "\r\n"
        var seen = 0
        for byte in head.utf8 {
            parser.append(CollectionOfOne(byte))
            if (try? parser.nextRequest()) != nil { seen += 1 }
        }
        #expect(seen == 1)
        #expect(parser.bufferedCount == 0)
    }
}
