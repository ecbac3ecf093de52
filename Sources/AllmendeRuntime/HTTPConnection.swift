// HTTPConnection.swift: AllmendeRuntime. One HTTP client connection on a worker: reads requests, writes answers
// in order (pipelining), bodies from memory, from a file with sendfile, or from a stream. Spec: Protocol/http.md.

import AllmendeHTTP
import AllmendeSystem
import Foundation

/// A connection's state. Owned by one worker thread; never shared.
final class HTTPConnection {
    let socket: Socket
    let client: String
    private var parser = HTTPRequestParser()
    private var output: Outgoing?
    /// Close once the answer being written is out (an error answer, `Connection: close`, HTTP/1.0).
    private var closesAfterAnswer = false
    private(set) var isClosed = false
    /// After an answer that closes: this side is shut for writing, and what the client still sends is read and
    /// dropped until it closes too or `lingerTime` passes — closing with unread bytes would reset the connection
    /// and could destroy the answer before the client reads it.
    private var lingerUntil: ContinuousClock.Instant?
    /// How long a closing connection keeps reading what the client still sends.
    static let lingerTime: Duration = .seconds(2)
    /// When the unfinished request buffered now began arriving.
    private var requestStarted: ContinuousClock.Instant?
    private var lastActivity: ContinuousClock.Instant
    private var lastProgress: ContinuousClock.Instant

    /// The bytes an answer still has to send.
    private struct Outgoing {
        var head: [UInt8]
        var headSent = 0
        var body: Body
        var status: Int
        var total: Int

        enum Body {
            case none
            case bytes([UInt8], sent: Int)
            case file(descriptor: Int32, offset: Int, remaining: Int)
            case stream(HTTPBodyStream, pending: [UInt8], sent: Int, remaining: Int)
        }
    }

    /// Files up to this size are read and sent with the head, larger ones with sendfile (bytes).
    static let smallFile = 16 << 10

    /// Most request bytes buffered before this connection stops reading (the largest request and a little more).
    static let maximumBuffered = HTTPLimits.requestLine + HTTPLimits.headerSection + HTTPLimits.body + 4096

    init(socket: Socket, client: String, now: ContinuousClock.Instant) {
        self.socket = socket
        self.client = client
        lastActivity = now
        lastProgress = now
    }

    /// What to poll for: reading only while no answer is being written (answers go out in order) and the buffer has room.
    var wantedEvents: Int16 {
        if lingerUntil != nil { return Int16(POLLIN) }
        if output != nil { return Int16(POLLOUT) }
        return closesAfterAnswer || parser.bufferedCount >= Self.maximumBuffered ? 0 : Int16(POLLIN)
    }

    /// The next time-out of this connection.
    func deadline(_ settings: HTTPServerSettings) -> ContinuousClock.Instant? {
        if let lingerUntil { return lingerUntil }
        if output != nil { return lastProgress + settings.writeTimeout }
        if let requestStarted { return requestStarted + settings.requestTimeout }
        return lastActivity + settings.idleTimeout
    }

    func handle(events: Int16, worker: HTTPWorker, now: ContinuousClock.Instant) {
        if lingerUntil != nil {
            // Drop what arrives; close at the client's end of stream (or on an error).
            let count = recv(socket.descriptor, worker.readBuffer.baseAddress, worker.readBuffer.count, 0)
            if count == 0 || (count < 0 && errno != EAGAIN && errno != EINTR) { close() }
            return
        }
        if events & Int16(POLLIN) != 0 || events & Int16(POLLHUP | POLLERR) != 0, output == nil {
            guard read(worker: worker, now: now) else { return close() }
        } else if events & Int16(POLLERR | POLLHUP | POLLNVAL) != 0 && events & Int16(POLLOUT) == 0 {
            return close()
        }
        drive(worker: worker, now: now)
    }

    func checkTimeouts(_ settings: HTTPServerSettings, worker: HTTPWorker, now: ContinuousClock.Instant) {
        guard let deadline = deadline(settings), now >= deadline else { return }
        if lingerUntil != nil { return close() }
        if output == nil, requestStarted != nil {
            // A request that never completes: say so (best effort) and close.
            closesAfterAnswer = true
            start(errorAnswer(408, "the request did not arrive in time"), worker: worker, isHead: false, keepAlive: false)
            _ = flush(worker: worker)
        } else if output != nil {
            // A client that stopped reading: reset, so the kernel drops what is queued for it instead of keeping it.
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            setsockopt(socket.descriptor, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        close()
    }

    /// The answer is out: shut this side and linger, reading, so the client gets the answer before the close.
    private func closeAfterAnswer(now: ContinuousClock.Instant) {
        guard lingerUntil == nil else { return }
        Glibc.shutdown(socket.descriptor, Int32(SHUT_WR))
        lingerUntil = now + Self.lingerTime
    }

    func close() {
        guard !isClosed else { return }
        isClosed = true
        if let output {
            switch output.body {
            case let .file(descriptor, _, _): Glibc.close(descriptor)
            case let .stream(stream, _, _, _): stream.close()
            default: break
            }
        }
        output = nil
        socket.close()
    }

    // MARK: Reading and answering

    /// Reads what is waiting; false when the client closed or the socket failed.
    private func read(worker: HTTPWorker, now: ContinuousClock.Instant) -> Bool {
        let room = min(worker.readBuffer.count, Self.maximumBuffered - parser.bufferedCount)
        guard room > 0 else { return true }
        let count = recv(socket.descriptor, worker.readBuffer.baseAddress, room, 0)
        if count == 0 { return false }
        if count < 0 { return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR }
        parser.append(UnsafeRawBufferPointer(rebasing: worker.readBuffer[0..<count]))
        lastActivity = now
        if requestStarted == nil { requestStarted = now }
        return true
    }

    /// Writes what can be written, then answers the next buffered request, until the socket is full or nothing is left.
    private func drive(worker: HTTPWorker, now: ContinuousClock.Instant) {
        while !isClosed {
            if output != nil {
                switch flush(worker: worker) {
                case .blocked: return
                case .failed: return close()
                case .finished:
                    if closesAfterAnswer { return closeAfterAnswer(now: now) }
                }
            }
            guard !closesAfterAnswer else { return closeAfterAnswer(now: now) }
            let request: HTTPRequest?
            do { request = try parser.nextRequest() } catch {
                closesAfterAnswer = true
                start(errorAnswer(error.status, error.description), worker: worker, isHead: false, keepAlive: false)
                continue
            }
            guard let request else {
                if !parser.isInsideRequest { requestStarted = nil }
                return
            }
            requestStarted = parser.isInsideRequest ? now : nil
            lastActivity = now
            lastProgress = now
            let answer = worker.answer(request, client: client)
            if !request.keepsAlive || answer.closes { closesAfterAnswer = true }
            start(answer, worker: worker, isHead: request.method == "HEAD", keepAlive: !closesAfterAnswer)
        }
    }

    private func errorAnswer(_ status: Int, _ message: String) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "text/plain; charset=utf-8", text: "\(status) \(HTTPResponse.reason(status)): \(message)\n")
    }

    /// A file removed between the answer and now (gc, rm): an honest 404 instead of a short body.
    private func goneAnswer() -> (HTTPResponse, Outgoing.Body) {
        let answer = errorAnswer(404, "the file is no longer stored here")
        guard case let .bytes(bytes) = answer.body else { return (answer, .none) }
        return (answer, .bytes(bytes, sent: 0))
    }

    private func start(_ answer: HTTPResponse, worker: HTTPWorker, isHead: Bool, keepAlive: Bool) {
        var answer = answer
        var body: Outgoing.Body = .none
        switch answer.body {
        case let .bytes(bytes): body = .bytes(bytes, sent: 0)
        case let .file(path, offset, length):
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            if descriptor < 0 {
                (answer, body) = goneAnswer()
            } else if isHead {
                Glibc.close(descriptor)
            } else if length <= Self.smallFile {
                // Small files go out with the head in one write: one system call instead of a send and a sendfile.
                var bytes = [UInt8](repeating: 0, count: length)
                let count = bytes.withUnsafeMutableBytes { pread(descriptor, $0.baseAddress, length, off_t(offset)) }
                Glibc.close(descriptor)
                if count == length {
                    body = .bytes(bytes, sent: 0)
                } else {
                    (answer, body) = goneAnswer()
                }
            } else {
                body = .file(descriptor: descriptor, offset: offset, remaining: length)
            }
        case let .stream(length, stream):
            if isHead { stream.close() } else { body = .stream(stream, pending: [], sent: 0, remaining: length) }
        }
        if isHead { body = .none }
        var head = answer.encodedHead(date: worker.date(), keepAlive: keepAlive && !closesAfterAnswer)
        let total = head.count + (isHead ? 0 : answer.body.length)
        if case let .bytes(bytes, _) = body, bytes.count <= Self.smallFile {
            head += bytes
            body = .none
        }
        output = Outgoing(head: head, body: body, status: answer.status, total: total)
    }

    private enum FlushResult { case blocked, finished, failed }

    private func flush(worker: HTTPWorker) -> FlushResult {
        guard var out = output else { return .finished }
        defer { if output != nil { output = out } }
        while out.headSent < out.head.count {
            let more: Int32
            if case .none = out.body { more = 0 } else { more = Int32(MSG_MORE) }
            let sent = out.head.withUnsafeBytes { bytes in
                send(socket.descriptor, bytes.baseAddress! + out.headSent, bytes.count - out.headSent, Int32(MSG_NOSIGNAL) | more)
            }
            guard sent > 0 else { return sent < 0 && (errno == EAGAIN || errno == EINTR) ? .blocked : .failed }
            out.headSent += sent
            lastProgress = ContinuousClock.now
        }
        while true {
            switch out.body {
            case .none:
                worker.count(status: out.status, bytes: out.total)
                output = nil
                return .finished
            case let .bytes(bytes, sent):
                if sent == bytes.count { out.body = .none; continue }
                let count = bytes.withUnsafeBytes { send(socket.descriptor, $0.baseAddress! + sent, bytes.count - sent, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { return count < 0 && (errno == EAGAIN || errno == EINTR) ? .blocked : .failed }
                out.body = .bytes(bytes, sent: sent + count)
                lastProgress = ContinuousClock.now
            case let .file(descriptor, offset, remaining):
                if remaining == 0 { Glibc.close(descriptor); out.body = .none; continue }
                var position = off_t(offset)
                let count = sendfile(socket.descriptor, descriptor, &position, min(remaining, 8 << 20))
                if count < 0 && (errno == EAGAIN || errno == EINTR) { return .blocked }
                // 0: the file is shorter than its length said (changed under us): the answer cannot be completed.
                guard count > 0 else { Glibc.close(descriptor); out.body = .none; output = nil; return .failed }
                out.body = .file(descriptor: descriptor, offset: offset + count, remaining: remaining - count)
                lastProgress = ContinuousClock.now
            case let .stream(stream, pending, sent, remaining):
                if sent == pending.count {
                    if remaining == 0 { stream.close(); out.body = .none; continue }
                    guard let next = try? stream.next(limit: min(remaining, 256 << 10)), !next.isEmpty, next.count <= remaining else {
                        stream.close(); out.body = .none; output = nil
                        return .failed
                    }
                    out.body = .stream(stream, pending: next, sent: 0, remaining: remaining - next.count)
                    continue
                }
                let count = pending.withUnsafeBytes { send(socket.descriptor, $0.baseAddress! + sent, pending.count - sent, Int32(MSG_NOSIGNAL)) }
                guard count > 0 else { return count < 0 && (errno == EAGAIN || errno == EINTR) ? .blocked : .failed }
                out.body = .stream(stream, pending: pending, sent: sent + count, remaining: remaining)
                lastProgress = ContinuousClock.now
            }
        }
    }
}
