// PeerSession.swift: AllmendeNode. One connection's protocol state: hello, keep-alive, timeouts. Pure: events in, actions out.

import AllmendeWire

/// Timeouts of a connection, as `Duration`s.
public struct NodeTimeouts: Sendable {
    /// A TCP connect to a peer gives up after this.
    public static let dial: Duration = .seconds(5)
    /// Handshake plus hello must complete within this.
    public var handshake: Duration = .seconds(10)
    /// A connection idle this long is pinged.
    public var pingAfter: Duration = .seconds(60)
    /// A connection silent this long is closed.
    public var closeAfter: Duration = .seconds(180)
    /// A connection whose queued frames make no progress this long (the peer does not read) is closed.
    public var stalledSend: Duration = .seconds(30)
    /// How long a fetch waits for connected peers to answer `get-package` before it goes on with those that did.
    public static let sourceLookup: Duration = .seconds(10)
    /// A chunk request unanswered this long is asked again (of another peer when there is one).
    public static let chunkRequest: Duration = .seconds(30)
    /// An index request unanswered this long counts as a failure of that peer.
    public static let indexRequest: Duration = .seconds(30)
    /// Arrived chunks wait at most this long for more to check them together (SIMD lanes).
    public static let checkBatchWait: Duration = .milliseconds(50)
    /// A connection that is closing stops reading and gets this long to write its goodbye.
    public static let goodbyeFlush: Duration = .seconds(5)
    /// After a local storage fault (disk full, I/O error), new catalog entries are refused for this long before
    /// a write is tried again; the peers that sent them are not blamed.
    public static let storageFaultRetry: Duration = .seconds(5)
    /// A fetch whose package no connected peer has waits this long for a connection to one of its holders.
    public static let holderConnect: Duration = .seconds(10)
    /// Connections made to holders for a fetch are kept at least this long (then closed if above the target).
    public static let holderWanted: Duration = .seconds(120)
    /// A reconciliation session silent this long is over (either side may start a new one).
    public static let reconcileSession: Duration = .seconds(30)
    /// An entry asked for with `get-entries` is not asked of another peer for this long.
    public static let entryRequest: Duration = .seconds(10)
    /// One strike against a peer is forgiven after this long.
    public static let strikeDecay: Duration = .seconds(600)

    public init() {}
    public init(handshake: Duration, pingAfter: Duration, closeAfter: Duration, stalledSend: Duration = .seconds(30)) {
        self.handshake = handshake
        self.pingAfter = pingAfter
        self.closeAfter = closeAfter
        self.stalledSend = stalledSend
    }
}

/// What the runtime must do for a session.
public enum PeerAction: Equatable, Sendable {
    /// Write this message.
    case send(Message)
    /// The hello exchange is complete: the peer is ready.
    case ready(name: String, listenPort: UInt16)
    /// Hand this message to the node (requests and responses).
    case deliver(Message)
    /// Send a goodbye with this code and reason, then close.
    case close(GoodbyeCode, String)
}

/// The protocol state machine of one connection. `now` is monotonic time since the runtime started.
public struct PeerSession: Sendable {
    public enum State: Equatable, Sendable { case awaitingHello, ready, closed }

    public private(set) var state: State = .awaitingHello
    private let hello: Message
    public let timeouts: NodeTimeouts
    private var openedAt: Duration = .zero
    private var lastHeard: Duration = .zero
    private var pingOutstanding = false
    private var nextNonce: UInt64
    /// Pings the peer may send: honest nodes ping after a minute of silence, so a burst of 10 and one every
    /// 10 s is generous; a flood is misbehaviour (each ping costs a read and a pong).
    private var pingBudget = TokenBucket(capacity: WireLimits.pingBurst, perSecond: WireLimits.pingsPerSecond)
    /// Requests (get-package, get-index, get-chunk, ping) whose answer is not yet written to the peer.
    public private(set) var unansweredRequests = 0

    public init(name: String, listenPort: UInt16, timeouts: NodeTimeouts = NodeTimeouts(), nonceSeed: UInt64 = 1) {
        hello = .hello(version: WireVersion.current, features: 0, listenPort: listenPort, name: name)
        self.timeouts = timeouts
        nextNonce = nonceSeed
    }

    /// The connection is open (TLS done): say hello.
    public mutating func start(now: Duration) -> [PeerAction] {
        openedAt = now
        lastHeard = now
        return [.send(hello)]
    }

    /// A message arrived.
    ///
    /// A request beyond `WireLimits.maximumOutstandingRequests` unanswered ones closes the connection: answers not
    /// yet written count, so a peer that asks and never reads is dropped before its answers pile up.
    public mutating func receive(_ message: Message, now: Duration) -> [PeerAction] {
        guard state != .closed else { return [] }
        lastHeard = now
        pingOutstanding = false
        if state == .ready && message.isRequest {
            guard unansweredRequests < WireLimits.maximumOutstandingRequests else {
                return close(.misbehaving, "more than \(WireLimits.maximumOutstandingRequests) unanswered requests")
            }
            if case .ping = message, !pingBudget.take(now: now) {
                return close(.misbehaving, "more than \(Int(WireLimits.pingBurst)) pings in a burst")
            }
            unansweredRequests += 1
        }
        switch (state, message) {
        case let (.awaitingHello, .hello(version, _, port, name)):
            guard version >= WireVersion.minimum else {
                return close(.unsupportedVersion, "protocol version \(version) is not supported")
            }
            state = .ready
            return [.ready(name: name, listenPort: port)]
        case (.awaitingHello, _):
            return close(.protocolError, "expected hello first, got \(message.name)")
        case (.ready, .hello):
            return close(.protocolError, "second hello")
        case let (.ready, .ping(nonce)):
            return [.send(.pong(nonce: nonce))]
        case (.ready, .pong):
            return []
        case let (.ready, .goodbye(code, reason)):
            state = .closed
            peerGoodbye = code
            return [.close(.normal, "peer said goodbye (\(code), \(reason))")]
        case (.ready, _):
            return [.deliver(message)]
        case (.closed, _):
            return []
        }
    }

    /// The code of the goodbye the peer said, once it said one.
    public private(set) var peerGoodbye: GoodbyeCode?

    /// The answer to one of the peer's requests was written.
    public mutating func answerWritten() {
        unansweredRequests = max(0, unansweredRequests - 1)
    }

    /// Time passed: handshake timeout, keep-alive ping, idle close.
    public mutating func tick(now: Duration) -> [PeerAction] {
        switch state {
        case .closed: return []
        case .awaitingHello:
            return now - openedAt >= timeouts.handshake ? close(.timeout, "no hello within \(timeouts.handshake)") : []
        case .ready:
            let silence = now - lastHeard
            if silence >= timeouts.closeAfter { return close(.timeout, "silent for \(silence)") }
            if silence >= timeouts.pingAfter && !pingOutstanding {
                pingOutstanding = true
                nextNonce &+= 1
                return [.send(.ping(nonce: nextNonce))]
            }
            return []
        }
    }

    /// Closes because of a local decision (frame error, misbehaviour, shutdown).
    public mutating func close(_ code: GoodbyeCode, _ reason: String) -> [PeerAction] {
        guard state != .closed else { return [] }
        state = .closed
        return [.close(code, reason)]
    }
}
