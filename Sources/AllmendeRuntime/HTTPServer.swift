// HTTPServer.swift: AllmendeRuntime. The node's HTTP face: a few worker threads, each a poll loop over its
// connections (non-blocking sockets, bounded buffers, time-outs). Parsing is AllmendeHTTP's; answers come from an
// `HTTPResponder`. Spec: Protocol/http.md.

import AllmendeHTTP
import AllmendeSystem
import Foundation
import Synchronization

/// Answers parsed requests. Called on a worker thread; must not block for long (a search, a page, a file open).
public protocol HTTPResponder: Sendable {
    func respond(to request: HTTPRequest, from client: String) -> HTTPResponse
}

/// Limits and time-outs of the HTTP server.
public struct HTTPServerSettings: Sendable {
    /// Worker threads, each polling its share of the connections.
    public var workers = 4
    /// Most connections open at once; more are answered 503 and closed.
    public var maximumConnections = 2048
    /// Most connections open at once from one client address (a browser opens about six), so that one host cannot
    /// take every slot; more are answered 503 and closed.
    public var maximumConnectionsPerClient = 64
    /// Client addresses without a per-client limit: by default this machine's, where a reverse proxy (nginx in
    /// front of the node) is one address for all its clients.
    public var clientsWithoutLimit: Set<String> = ["127.0.0.1", "::1", "::ffff:127.0.0.1"]
    /// Longest time from the first byte of a request until it is complete (slow clients, slowloris): 408.
    public var requestTimeout: Duration = .seconds(10)
    /// Longest time a kept-alive connection may wait for its next request.
    public var idleTimeout: Duration = .seconds(60)
    /// Longest time an answer may make no progress (a client that never reads).
    public var writeTimeout: Duration = .seconds(30)

    public init() {}
}

/// Counters for `/metrics`.
public struct HTTPCounters: Sendable {
    public var requestsByStatus: [Int: Int] = [:]
    public var bytesSent = 0
    public var connectionsAccepted = 0
    public var connectionsRefused = 0
}

/// A listening HTTP server; `stop` closes every connection and joins every worker.
public final class HTTPServer: Sendable {
    /// The bound port (useful with port 0).
    public let port: UInt16
    /// The address it listens on, as given.
    public let host: String
    let settings: HTTPServerSettings
    let responder: any HTTPResponder
    let listener: Socket
    let stopWake: WakePipe
    let threads = ThreadGroup()
    let openConnections = Mutex(OpenConnections())
    let counterState = Mutex(HTTPCounters())

    public init(listen: SocketAddress, responder: any HTTPResponder, settings: HTTPServerSettings = HTTPServerSettings()) throws(SystemError) {
        let (socket, port) = try Socket.listen(on: listen, backlog: 1024)
        socket.setNonBlocking(true)
        listener = socket
        self.port = port
        host = listen.host
        self.responder = responder
        self.settings = settings
        stopWake = try WakePipe()
    }

    /// Connections open now.
    public var connectionCount: Int { openConnections.withLock { $0.total } }

    public var counters: HTTPCounters { counterState.withLock { $0 } }

    public func start() {
        for index in 0..<max(1, settings.workers) {
            threads.spawn("allmende-http-\(index)") { [self] in HTTPWorker(server: self).run() }
        }
    }

    public func stop() {
        stopWake.wake()
        threads.join(timeout: .seconds(5))
        listener.close()
    }

    /// Takes a connection slot for a client at `host`; nil if it has one, else why not.
    func reserveSlot(host: String) -> String? {
        openConnections.withLock { open in
            guard open.total < settings.maximumConnections else { return "too many connections; try again" }
            let limited = !settings.clientsWithoutLimit.contains(host)
            if limited {
                guard open.byHost[host, default: 0] < settings.maximumConnectionsPerClient else {
                    return "too many connections from your address; close some and try again"
                }
                open.byHost[host, default: 0] += 1
            }
            open.total += 1
            return nil
        }
    }

    func releaseSlot(host: String) {
        openConnections.withLock { open in
            open.total -= 1
            guard let count = open.byHost[host] else { return }
            open.byHost[host] = count > 1 ? count - 1 : nil
        }
    }
}

/// Connections open now, in all and per client host (those with a per-client limit).
struct OpenConnections {
    var total = 0
    var byHost: [String: Int] = [:]

    /// The host part of a client address as `Socket.accept` gives it ("192.0.2.7:51234", "[2001:db8::1]:51234").
    static func host(ofClient client: String) -> String {
        if client.hasPrefix("["), let end = client.firstIndex(of: "]") { return String(client[client.index(after: client.startIndex)..<end]) }
        if let colon = client.lastIndex(of: ":") { return String(client[..<colon]) }
        return client
    }
}

/// One worker: accepts while it has room and serves its connections until the server stops.
final class HTTPWorker {
    let server: HTTPServer
    var connections: [HTTPConnection] = []
    /// One read buffer for every connection of this worker.
    let readBuffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 64 << 10, alignment: 16)
    var dateCache: (second: Int, text: String) = (-1, "")

    init(server: HTTPServer) { self.server = server }

    deinit { readBuffer.deallocate() }

    func run() {
        defer {
            for connection in connections { connection.close() }
            connections.removeAll()
        }
        var fds: [pollfd] = []
        while true {
            fds.removeAll(keepingCapacity: true)
            fds.append(pollfd(fd: server.stopWake.readEnd, events: Int16(POLLIN), revents: 0))
            fds.append(pollfd(fd: server.listener.descriptor, events: Int16(POLLIN), revents: 0))
            for connection in connections { fds.append(pollfd(fd: connection.socket.descriptor, events: connection.wantedEvents, revents: 0)) }
            let now = ContinuousClock.now
            let nextDeadline = connections.compactMap { $0.deadline(server.settings) }.min()
            let wait = nextDeadline.map { max(0, min(1000, Int(($0 - now).inSeconds * 1000) + 1)) } ?? 1000
            _ = poll(&fds, nfds_t(fds.count), Int32(wait))
            if fds[0].revents != 0 { return }
            let later = ContinuousClock.now
            for (index, connection) in connections.enumerated() where fds[index + 2].revents != 0 {
                connection.handle(events: fds[index + 2].revents, worker: self, now: later)
            }
            for connection in connections where !connection.isClosed { connection.checkTimeouts(server.settings, worker: self, now: later) }
            connections.removeAll { connection in
                guard connection.isClosed else { return false }
                server.releaseSlot(host: OpenConnections.host(ofClient: connection.client))
                return true
            }
            if fds[1].revents != 0 { acceptWaiting(now: later) }
        }
    }

    private func acceptWaiting(now: ContinuousClock.Instant) {
        for _ in 0..<64 {
            let accepted: (Socket, String)?
            do { accepted = try server.listener.accept() } catch {
                // Out of descriptors: the client stays queued; back off instead of spinning on a readable listener.
                usleep(50_000)
                return
            }
            guard let (socket, client) = accepted else { return }
            socket.setNonBlocking(true)
            if let refusal = server.reserveSlot(host: OpenConnections.host(ofClient: client)) {
                let busy = HTTPResponse(status: 503, contentType: "text/plain; charset=utf-8", text: refusal + "\n")
                let bytes = busy.encodedHead(keepAlive: false) + Array((refusal + "\n").utf8)
                _ = bytes.withUnsafeBytes { send(socket.descriptor, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                socket.close()
                server.counterState.withLock { $0.connectionsRefused += 1 }
                continue
            }
            server.counterState.withLock { $0.connectionsAccepted += 1 }
            let connection = HTTPConnection(socket: socket, client: client, now: now)
            connections.append(connection)
            // Requests usually arrive with the connection: read them now instead of after one more poll.
            connection.handle(events: Int16(POLLIN), worker: self, now: now)
        }
    }

    /// The `Date` header value (RFC 9110 IMF-fixdate), computed once a second.
    func date() -> String {
        var now = time(nil)
        guard Int(now) != dateCache.second else { return dateCache.text }
        var parts = tm()
        gmtime_r(&now, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let count = strftime(&buffer, buffer.count, "%a, %d %b %Y %H:%M:%S GMT", &parts)
        dateCache = (Int(now), String(decoding: buffer.prefix(count).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        return dateCache.text
    }

    func answer(_ request: HTTPRequest, client: String) -> HTTPResponse { server.responder.respond(to: request, from: client) }

    func count(status: Int, bytes: Int) {
        server.counterState.withLock { counters in
            counters.requestsByStatus[status, default: 0] += 1
            counters.bytesSent += bytes
        }
    }
}
