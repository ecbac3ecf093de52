// PeerConnection.swift: AllmendeRuntime. One authenticated connection driven by its own thread: TLS, frames, session.

import AllmendeCrypto
import AllmendeNode
import AllmendeSystem
import AllmendeTLS
import AllmendeWire
import Foundation
import Synchronization

/// Receives what a connection learns; called on the connection's thread.
protocol PeerConnectionDelegate: AnyObject, Sendable {
    func connectionReady(_ connection: PeerConnection)
    func connection(_ connection: PeerConnection, received message: Message)
    /// Catalog entries that arrived together and are about to be delivered one by one (to check them ahead, in
    /// parallel).
    func connection(_ connection: PeerConnection, willReceive entries: [[UInt8]])
    func connectionClosed(_ connection: PeerConnection, reason: String)
}

/// A connection to one peer. Its thread owns the TLS session (OpenSSL forbids concurrent use); other threads
/// only queue frames (`send`) and wake it through a pipe.
///
/// The outgoing queue is bounded twice: by bytes on the wire, and by the memory its frames really hold
/// (allocation sizes, not payload). While the queue could not take one more large answer the connection stops
/// reading, so a peer that asks and never reads costs no CPU; if nothing queued can be written for
/// `NodeTimeouts.stalledSend`, the connection is dropped.
final class PeerConnection: @unchecked Sendable {
    // @unchecked: `tls`, `decoder` and `session` are touched only by the connection thread; shared state is in Mutexes.
    /// Most bytes queued for sending before `send` refuses (back-pressure): a fetcher's full window of 32 chunk
    /// frames, and room for control frames beside them, so a peer that keeps to the window is never told `busy`.
    /// Served chunks are mapped from their files, so a full queue costs page cache, not memory of its own.
    static let maximumQueuedBytes = 32 * WireLimits.maximumBulkFrameLength + (1 << 20)
    /// Most memory the queued frames may hold of their own (mapped chunks hold almost none): room for several
    /// 1 MiB bulk frames (an index, a reconciliation message) and a full window of small chunks.
    static let maximumQueuedMemory = 8 << 20

    let peer: NodeID
    let remoteAddress: String
    let isOutbound: Bool
    /// This node's address on the connection (what the peer reached or sees), for announcements.
    let localHost: String?
    let connectedAt = ContinuousClock.now
    private let usefulAt = Mutex<ContinuousClock.Instant?>(nil)
    /// When the peer last sent something useful (catalog traffic, requests, answers), if ever.
    var lastUseful: ContinuousClock.Instant? { usefulAt.withLock { $0 } }
    /// Records useful traffic from the peer (keep-alives and self-announcements do not count).
    func markUseful() { usefulAt.withLock { $0 = ContinuousClock.now } }
    private let tls: TLSConnection
    private var session: PeerSession
    /// The code of the peer's goodbye, if it said one (read on the connection's thread, e.g. in `connectionClosed`).
    var peerGoodbye: GoodbyeCode? { session.peerGoodbye }
    private var decoder = FrameDecoder()
    /// Most messages taken from the decoder before they are handled.
    static let batchLimit = 1024
    private let wake: WakePipe
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    private weak var delegate: (any PeerConnectionDelegate)?
    private let logger: Logger
    private let events: EventLog?
    private let outgoing = Mutex<OutgoingQueue>(OutgoingQueue())
    private let info = Mutex<(name: String, listenPort: UInt16, bytesIn: Int, bytesOut: Int, isReady: Bool)>(("", 0, 0, 0, false))

    /// Paces the chunk data this connection sends (the node's upload limit, shared by all connections).
    private let uploadLimiter: RateLimiter?

    init(tls: TLSConnection, peer: NodeID, remoteAddress: String, isOutbound: Bool, session: PeerSession,
         delegate: any PeerConnectionDelegate, logger: Logger, events: EventLog? = nil, uploadLimiter: RateLimiter? = nil) throws(SystemError) {
        wake = try WakePipe()
        self.tls = tls
        self.events = events
        self.uploadLimiter = uploadLimiter
        self.peer = peer
        self.remoteAddress = remoteAddress
        self.isOutbound = isOutbound
        localHost = tls.socket.localHost()
        self.session = session
        self.delegate = delegate
        self.logger = logger
        startInstant = clock.now
    }

    /// The peer's hello name, listen port, traffic and readiness.
    var snapshot: (name: String, listenPort: UInt16, bytesIn: Int, bytesOut: Int, isReady: Bool) { info.withLock { $0 } }

    /// Starts the connection's thread in `group`.
    func start(in group: ThreadGroup) {
        group.spawn("allmende-peer") { [self] in run() }
    }

    /// Queues a message; false if the connection is closing or its queue is full.
    @discardableResult
    func send(_ message: Message) -> Bool {
        let accepted = outgoing.withLock { $0.append(MessageCodec.frameParts(message), isAnswer: message.isAnswer) }
        if accepted { wake.wake() }
        return accepted
    }

    /// Sends a goodbye and closes once it is written.
    func close(_ code: GoodbyeCode, reason: String) {
        let frame = MessageCodec.frame(.goodbye(code: code, reason: reason))
        outgoing.withLock { state in
            guard !state.closing else { return }
            _ = state.append([.bytes(frame)], isAnswer: false, force: true)
            state.closing = true
            state.reason = reason
            events?.count { $0.goodbyesSent["\(code)", default: 0] += 1 }
        }
        wake.wake()
    }

    private var now: Duration { clock.now - startInstant }

    private func run() {
        var closeReason = "closed"
        var pendingFrame = FramePart.bytes([])
        var pendingOffset = 0
        var pendingEndsAnswer = false
        var wantsWriteReadiness = false
        var lastWriteProgress = now
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: WireLimits.readSize, alignment: 16)
        defer {
            buffer.deallocate()
            tls.close()
            delegate?.connectionClosed(self, reason: closeReason)
        }
        apply(session.start(now: now))
        loop: while true {
            // Write what is queued until the socket is full, or the upload limit holds back the next chunk's data
            // (then the thread waits in poll for that long, still reading and answering meanwhile).
            var paceDelay = 0.0
            while true {
                if pendingOffset >= pendingFrame.count {
                    if pendingEndsAnswer {
                        session.answerWritten()
                        pendingEndsAnswer = false
                    }
                    guard let next = outgoing.withLock({ state -> (FramePart, Bool)? in
                        guard let first = state.frames.first else { return nil }
                        if case let .chunkData(data) = first.part, let limiter = uploadLimiter {
                            paceDelay = limiter.delay(before: data.count)
                            if paceDelay > 0 { return nil }
                        }
                        return state.removeFirst()
                    }) else { break }
                    (pendingFrame, pendingEndsAnswer) = next
                    pendingOffset = 0
                }
                let result: TLSIOResult
                do {
                    result = try pendingFrame.withUnsafeBytes { try tls.write(UnsafeRawBufferPointer(rebasing: $0[pendingOffset...])) }
                } catch {
                    closeReason = "write failed: \(error)"
                    break loop
                }
                switch result {
                case let .bytes(count):
                    pendingOffset += count
                    info.withLock { $0.bytesOut += count }
                    wantsWriteReadiness = false
                    lastWriteProgress = now
                case .wantWrite, .wantRead:
                    wantsWriteReadiness = true
                case .closed:
                    closeReason = "peer closed the connection"
                    break loop
                }
                if wantsWriteReadiness { break }
            }
            let (isClosing, isFull, isEmpty) = outgoing.withLock { ($0.closing && $0.frames.isEmpty, $0.isFull, $0.frames.isEmpty) }
            if isClosing && pendingOffset >= pendingFrame.count {
                closeReason = closeReason == "closed" ? (outgoing.withLock { $0.reason } ?? "closed by this node") : closeReason
                break loop
            }
            let isWaitingToWrite = pendingOffset < pendingFrame.count || !isEmpty
            // A goodbye gets a few seconds to go out; other frames the full stall time-out.
            let isLeaving = outgoing.withLock { $0.closing }
            let stallLimit = isLeaving ? min(session.timeouts.stalledSend, NodeTimeouts.goodbyeFlush) : session.timeouts.stalledSend
            if isWaitingToWrite && paceDelay == 0 && now - lastWriteProgress >= stallLimit {
                logger.info("dropping peer: it does not read", ["peer": peer.text, "for": "\(stallLimit)"])
                closeReason = "the peer read nothing for \(stallLimit)"
                break loop
            }
            if !isWaitingToWrite { lastWriteProgress = now }
            // Wait for input (unless the queue is full: back-pressure), output space, a wake-up, or the next timer.
            let readEvents = isFull || isLeaving ? Int16(0) : Int16(POLLIN)
            var fds = [pollfd(fd: tls.socket.descriptor, events: readEvents | (wantsWriteReadiness ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)]
            if tls.pendingBytes == 0 || isFull || isLeaving {
                let ready = poll(&fds, 2, paceDelay > 0 ? Int32(min(1000, (paceDelay * 1000).rounded(.up))) : 1000)
                if ready < 0 && errno != EINTR { closeReason = "poll failed"; break loop }
            }
            wake.drain()
            // Read everything available (while the queue has room); a chunk's data goes straight into its own storage.
            while !outgoing.withLock({ $0.isFull || $0.closing }) {
                let result: TLSIOResult
                let direct = decoder.directReadSpace
                do { result = try tls.read(into: direct ?? buffer) } catch {
                    closeReason = "read failed: \(error)"
                    break loop
                }
                guard case let .bytes(count) = result else {
                    if result == .closed { closeReason = "peer closed the connection"; break loop }
                    break
                }
                info.withLock { $0.bytesIn += count }
                if direct != nil {
                    decoder.didReadDirectly(count)
                } else {
                    decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    // Records already here are taken too (a peer answering a reconciliation sends one small frame
                    // per record), so that what arrived together is handled together.
                    var gathered = count
                    while gathered < WireLimits.readSize, decoder.directReadSpace == nil, tls.pendingBytes > 0 || socketHasData(),
                          case let .bytes(more)? = try? tls.read(into: buffer) {
                        info.withLock { $0.bytesIn += more }
                        decoder.append(UnsafeRawBufferPointer(rebasing: buffer[0..<more]))
                        gathered += more
                    }
                }
                do {
                    // Everything that arrived, in batches of at most `batchLimit` messages handled in order (catalog
                    // entries among them are checked ahead together), until the decoder holds no whole frame.
                    draining: while true {
                        var batch: [Message] = []
                        while batch.count < Self.batchLimit, let message = try decoder.nextMessage() { batch.append(message) }
                        guard !batch.isEmpty else { break }
                        let entries = batch.compactMap { message -> [UInt8]? in if case let .announce(bytes) = message { bytes } else { nil } }
                        if entries.count > 1 { delegate?.connection(self, willReceive: entries) }
                        for message in batch where !apply(session.receive(message, now: now)) { break draining }
                    }
                } catch {
                    logger.warning("dropping peer: bad frame", ["peer": peer.text, "reason": error.description])
                    apply(session.close(error.goodbyeCode, error.description))
                    closeReason = error.description
                    break
                }
                if decoder.bufferedByteCount > WireLimits.maximumBulkFrameLength + WireLimits.readSize { break }
                // Queued frames (a fetch's next chunk requests) go out before reading on: a stream that does not
                // pause would otherwise hold them back until the peer has nothing left to send, and then idles.
                if !wantsWriteReadiness && outgoing.withLock({ !$0.frames.isEmpty }) { break }
            }
            apply(session.tick(now: now))
        }
    }

    /// True if the socket has bytes to read now.
    private func socketHasData() -> Bool {
        var fds = [pollfd(fd: tls.socket.descriptor, events: Int16(POLLIN), revents: 0)]
        return poll(&fds, 1, 0) > 0 && fds[0].revents & Int16(POLLIN) != 0
    }

    /// Carries out session actions; returns false once the session is closing.
    @discardableResult
    private func apply(_ actions: [PeerAction]) -> Bool {
        var isOpen = true
        for action in actions {
            switch action {
            case let .send(message): send(message)
            case let .ready(name, port):
                info.withLock {
                    $0.name = name
                    $0.listenPort = port
                    $0.isReady = true
                }
                delegate?.connectionReady(self)
            case let .deliver(message): delegate?.connection(self, received: message)
            case let .close(code, reason):
                if code != .normal {
                    logger.info("closing connection", ["peer": peer.text, "reason": reason])
                    events?.record(.closedPeer(peer: peer, code: code, reason: reason))
                }
                close(code, reason: reason)
                isOpen = false
            }
        }
        return isOpen
    }
}

/// Frames waiting to be written, with what they cost.
struct OutgoingQueue {
    private(set) var frames: [(part: FramePart, endsAnswer: Bool)] = []
    private(set) var bytes = 0
    private(set) var memory = 0
    var closing = false
    /// Why the connection is closing: this node's decision, or the peer's goodbye (the session says which).
    var reason: String?

    /// True while one more large answer would not fit: the connection stops reading until the peer catches up.
    var isFull: Bool {
        bytes + WireLimits.maximumBulkFrameLength > PeerConnection.maximumQueuedBytes
            || memory + MessageCodec.smallestChunkSentInPlace + 1024 > PeerConnection.maximumQueuedMemory
    }

    /// Adds a frame's parts unless it would pass a budget (`force`: a goodbye always fits).
    mutating func append(_ parts: [FramePart], isAnswer: Bool, force: Bool = false) -> Bool {
        guard !closing || force else { return false }
        let size = parts.reduce(0) { $0 + $1.count }
        let cost = parts.reduce(0) { $0 + $1.memoryCost }
        guard force || (bytes + size <= PeerConnection.maximumQueuedBytes && memory + cost <= PeerConnection.maximumQueuedMemory) else {
            return false
        }
        for (index, part) in parts.enumerated() { frames.append((part, isAnswer && index == parts.count - 1)) }
        bytes += size
        memory += cost
        return true
    }

    /// Takes the first part.
    mutating func removeFirst() -> (FramePart, Bool) {
        let first = frames.removeFirst()
        bytes -= first.part.count
        memory -= first.part.memoryCost
        return first
    }
}
