// ControlServer.swift: AllmendeRuntime. The local control endpoint: a Unix socket (mode 0600) in the home folder.
// Protocol: the client writes one JSON request line; the daemon answers with JSON lines (see Protocol/control.md).

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation
import Synchronization

/// Serves `status`, `fetch` and `add-peer` requests from the local CLI.
public final class ControlServer: Sendable {
    /// The socket's path in a home folder.
    public static func socketPath(_ home: NodeHome) -> String { home.path + "/control.sock" }

    private let runtime: NodeRuntime
    private let socket: Socket
    private let path: String
    private let stopWake: WakePipe
    private let finished = DispatchSemaphore(value: 0)
    private let clients = Mutex(0)
    /// Most control clients served at once.
    static let maximumClients = 16

    /// Binds the control socket (replacing a stale one).
    public init(runtime: NodeRuntime) throws(SystemError) {
        self.runtime = runtime
        path = Self.socketPath(runtime.home)
        stopWake = try WakePipe()
        socket = try UnixSocket.listen(at: path, mode: 0o600)
        socket.setNonBlocking(true)
    }

    public func start() {
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "allmende-control"
        thread.start()
    }

    public func stop() {
        stopWake.wake()
        finished.wait()
        unlink(path)
    }

    private func acceptLoop() {
        defer {
            socket.close()
            finished.signal()
        }
        while true {
            var fds = [pollfd(fd: socket.descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 1000)
            if fds[1].revents != 0 { return }
            while true {
                let accepted: (Socket, String)?
                do { accepted = try socket.accept() } catch {
                    // Out of descriptors: the client stays queued; wait instead of spinning on a readable listener.
                    var wait = [pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
                    _ = poll(&wait, 1, 200)
                    break
                }
                guard let (client, _) = accepted else { break }
                client.setNonBlocking(false)
                guard clients.withLock({ count -> Bool in
                    guard count < Self.maximumClients else { return false }
                    count += 1
                    return true
                }) else {
                    client.close()
                    continue
                }
                let thread = Thread { [self] in
                    handle(client)
                    client.close()
                    clients.withLock { $0 -= 1 }
                }
                thread.start()
            }
        }
    }

    /// True if the client closed its end (it sends nothing after its request, so readable means end of file).
    static func hasHungUp(_ client: Socket) -> Bool {
        var fds = [pollfd(fd: client.descriptor, events: Int16(POLLIN), revents: 0)]
        guard poll(&fds, 1, 0) > 0 else { return false }
        if fds[0].revents & Int16(POLLHUP | POLLERR) != 0 { return true }
        var byte: UInt8 = 0
        return recv(client.descriptor, &byte, 1, Int32(MSG_PEEK) | Int32(MSG_DONTWAIT)) == 0
    }

    private func handle(_ client: Socket) {
        var channel = LineChannel(socket: client, maximumLineLength: 64 * 1024)
        @Sendable func reply(_ value: JSONValue) {
            try? LineChannel(socket: client).writeLine((try? CanonicalEncoder.string(value)) ?? "{}")
        }
        guard let line = try? channel.readLine(), let request = try? JSONParser.parse(line) else {
            reply(["event": "error", "message": "the request is not one line of JSON"])
            return
        }
        switch request["command"]?.stringValue {
        case "status":
            reply(runtime.statusReport())
        case "web-login":
            do {
                guard let url = try runtime.webLoginURL() else {
                    return reply(["event": "error", "message": "the web face is off (start the daemon without '--http off')"])
                }
                reply(["event": "done", "url": .string(url)])
            } catch {
                reply(["event": "error", "message": .string("\(error)")])
            }
        case "add-peer":
            guard let address = request["address"]?.stringValue else { return reply(["event": "error", "message": "add-peer needs an address"]) }
            runtime.addPeer(PeerEntry(address: address, node: request["node"]?.stringValue.flatMap { try? NodeID(parsing: $0) }))
            reply(["event": "done"])
        case "reload":
            do {
                let config = try NodeConfig.load(runtime.home)
                runtime.reconfigure(peers: config.peers, mirrors: config.mirrors, allowList: config.allowList)
                reply(["event": "done", "needsRestart": .array(runtime.fieldsNeedingRestart(config).map { .string($0) })])
            } catch {
                reply(["event": "error", "message": .string("\(error)")])
            }
        case "announce":
            guard let text = request["entry"]?.stringValue, let id = try? ContentID(parsing: text) else {
                return reply(["event": "error", "message": "announce needs an entry ID"])
            }
            reply(runtime.announceLocal(id) ? ["event": "done"] : ["event": "error", "message": "no such catalog entry"])
        case "fetch":
            guard let text = request["package"]?.stringValue, let id = try? ContentID(parsing: text) else {
                return reply(["event": "error", "message": "fetch needs a full package ID"])
            }
            if request["detach"]?.boolValue == true {
                guard runtime.startDetachedFetch(id) else {
                    return reply(["event": "error", "message": .string("\(NodeRuntime.maximumDetachedFetches) fetches are running already; wait for one to end ('allmende status')")])
                }
                return reply(["event": "started", "package": .string(id.hex)])
            }
            do {
                // At most ten progress events a second (plus the first and the last): enough for a smooth bar.
                let lastSent = Mutex<ContinuousClock.Instant?>(nil)
                // Ctrl-C on the CLI closes this connection: the fetch stops waiting for it (and stops, if nobody else waits).
                let result = try runtime.fetch(id, progress: { progress in
                    let now = ContinuousClock.now
                    let isDue = lastSent.withLock { last in
                        guard progress.bytesDone >= progress.bytesTotal || last.map({ now - $0 >= .milliseconds(100) }) ?? true else { return false }
                        last = now
                        return true
                    }
                    guard isDue else { return }
                    reply(["event": "progress", "done": .integer(progress.bytesDone), "total": .integer(progress.bytesTotal),
                           "reused": .integer(progress.bytesReused), "sources": .integer(progress.sources),
                           "holdersKnown": .integer(progress.holdersKnown), "holdersConnected": .integer(progress.holdersConnected),
                           "waitingForHolder": .bool(progress.waitingForHolder)])
                }, isAbandoned: { Self.hasHungUp(client) },
                   waitForHolder: .seconds(min(max(request["wait"]?.numberValue ?? 0, 0), 7 * 24 * 3600)))
                reply(["event": "done", "package": .string(id.hex), "title": .string(result.manifest.info.title),
                       "sources": .array(result.sources.map { .string($0.text) }), "downloaded": .integer(result.bytesDownloaded),
                       "reused": .integer(result.bytesReused), "size": .integer(result.manifest.totalSize)])
            } catch {
                reply(["event": "error", "message": .string("\(error)")])
            }
        default:
            reply(["event": "error", "message": "unknown command"])
        }
    }
}
