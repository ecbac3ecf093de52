// HTTPRequestParserTests.swift: every request whole, drip-fed one byte at a time and pipelined; every hostile
// spelling refused with its status.

import AllmendeHTTP
import AllmendeTestSupport
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

    @Test("the vectors: good requests parse to their parts, bad ones are refused with their status, whole and drip-fed")
    func vectorCases() throws {
        let vectors = try Repository.vectorCases("http-requests.json")
        #expect(vectors.count >= 40)
        for vector in vectors {
            let name = vector["name"] as? String ?? "?"
            let input = try #require(vector["input"] as? String)
            for step in [1, 4096] {
                let (requests, error) = parse(input, step: step)
                if vector["valid"] as? Bool == true {
                    #expect(error == nil, "\(name)")
                    let request = try #require(requests.first, "\(name)")
                    #expect(request.method == vector["method"] as? String, "\(name)")
                    #expect(request.segments == vector["segments"] as? [String], "\(name)")
                    #expect(request.query.map { [$0.name, $0.value] } == (vector["query"] as? [[String]] ?? []), "\(name)")
                    #expect(request.keepsAlive == vector["keepAlive"] as? Bool, "\(name)")
                    #expect(request.body == Array((vector["body"] as? String ?? "").utf8), "\(name)")
                } else {
                    #expect(requests.isEmpty, "\(name)")
                    #expect(error?.status == vector["status"] as? Int, "\(name), step \(step): \(String(describing: error))")
                }
            }
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
