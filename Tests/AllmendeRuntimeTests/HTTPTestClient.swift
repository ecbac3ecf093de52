// HTTPTestClient.swift: a raw HTTP/1.1 client for tests: sends exactly the bytes it is given (hostile ones too)
// and reads answers by their Content-Length, so pipelining and closing are visible.

import AllmendeSystem
import Foundation

/// One answer as read off the socket.
struct HTTPReply {
    let status: Int
    /// Header fields, names lower-cased (the last value wins).
    let headers: [String: String]
    let body: [UInt8]
    var text: String { String(decoding: body, as: UTF8.self) }
}

final class HTTPTestClient {
    let socket: Socket
    private var buffer: [UInt8] = []

    init(port: UInt16, host: String = "127.0.0.1", from localHost: String? = nil) throws {
        socket = try Socket.connect(to: SocketAddress(host: host, port: port), from: localHost, timeout: .seconds(5))
        socket.setNonBlocking(false)
    }

    deinit { socket.close() }

    func send(_ text: String) { send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) {
        var offset = 0
        while offset < bytes.count {
            let count = bytes.withUnsafeBytes { Glibc.send(socket.descriptor, $0.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { return }
            offset += count
        }
    }

    /// A GET (or other method) with Host, keeping the connection open.
    func get(_ path: String, method: String = "GET", headers: [String: String] = [:]) -> HTTPReply? {
        send("\(method) \(path) HTTP/1.1\r\nHost: test\r\n" + headers.map { "\($0.key): \($0.value)\r\n" }.joined() + "\r\n")
        return readReply(isHead: method == "HEAD")
    }

    /// Reads one whole answer; nil if the server closed first or nothing came within `timeout`.
    func readReply(isHead: Bool = false, timeout: Duration = .seconds(10)) -> HTTPReply? {
        let deadline = ContinuousClock.now + timeout
        var headEnd: Int?
        while true {
            if headEnd == nil, let end = find([13, 10, 13, 10]) { headEnd = end + 4 }
            if let end = headEnd {
                let head = String(decoding: buffer[0..<end], as: UTF8.self).components(separatedBy: "\r\n")
                let status = Int(head[0].split(separator: " ").dropFirst().first ?? "") ?? 0
                var headers: [String: String] = [:]
                for line in head.dropFirst() where line.contains(":") {
                    let colon = line.firstIndex(of: ":")!
                    headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                }
                let length = isHead || status == 304 ? 0 : Int(headers["content-length"] ?? "0") ?? 0
                if buffer.count >= end + length {
                    let body = Array(buffer[end..<(end + length)])
                    buffer.removeFirst(end + length)
                    return HTTPReply(status: status, headers: headers, body: body)
                }
            }
            guard readMore(until: deadline) else { return nil }
        }
    }

    /// True if the server closes the connection within `timeout` (bytes still arriving are read and dropped).
    func waitForClose(timeout: Duration = .seconds(10)) -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if !readMore(until: deadline) { return ContinuousClock.now < deadline }
            buffer.removeAll()
        }
        return false
    }

    /// Reads what arrives before `deadline`; false on close, error or time-out.
    private func readMore(until deadline: ContinuousClock.Instant) -> Bool {
        let left = deadline - ContinuousClock.now
        guard left > .zero else { return false }
        var fds = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, Int32(max(1, left.inSeconds * 1000))) > 0 else { return false }
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket.descriptor, &chunk, chunk.count, 0)
        guard count > 0 else { return false }
        buffer.append(contentsOf: chunk[0..<count])
        return true
    }

    private func find(_ pattern: [UInt8]) -> Int? {
        guard buffer.count >= pattern.count else { return nil }
        for index in 0...(buffer.count - pattern.count) where buffer[index] == pattern[0] && Array(buffer[index..<(index + pattern.count)]) == pattern {
            return index
        }
        return nil
    }
}
