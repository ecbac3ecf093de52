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
    func connectionClosed(_ connection: PeerConnection, reason: String)
}

/// A connection to one peer. Its thread owns the TLS session (OpenSSL forbids concurrent use); other threads
/// only queue frames (`send`) and wake it through a pipe. The outgoing queue is bounded by bytes.
final class PeerConnection: @unchecked Sendable {
    // @unchecked: `tls`, `decoder` and `session` are touched only by the connection thread; shared state is in Mutexes.
    /// Most bytes queued for sending before `send` refuses (back-pressure): a fetcher's full window of 32 chunk
    /// frames, and room for control frames beside them, so a peer that keeps to the window is never told `busy`.
    /// Served chunks are mapped from their files, so a full queue costs page cache, not memory of its own.
    static let maximumQueuedBytes = 32 * WireLimits.maximumBulkFrameLength + (1 << 20)

    let peer: NodeID
    let remoteAddress: String
    let isOutbound: Bool
    /// This node's address on the connection (what the peer reached or sees), for announcements.
    let localHost: String?
    let connectedAt = ContinuousClock.now
    private let tls: TLSConnection
    private var session: PeerSession
    private var decoder = FrameDecoder()
    private let wake = WakePipe()
    private let clock = ContinuousClock()
    private let startInstant: ContinuousClock.Instant
    private weak var delegate: (any PeerConnectionDelegate)?
    private let logger: Logger
    private let outgoing = Mutex<(frames: [FramePart], bytes: Int, closing: Bool)>(([], 0, false))
    private let info = Mutex<(name: String, listenPort: UInt16, bytesIn: Int, bytesOut: Int, isReady: Bool)>(("", 0, 0, 0, false))

    /// Paces the chunk data this connection sends (the node's upload limit, shared by all connections).
    private let uploadLimiter: RateLimiter?

    init(tls: TLSConnection, peer: NodeID, remoteAddress: String, isOutbound: Bool, session: PeerSession,
         delegate: any PeerConnectionDelegate, logger: Logger, uploadLimiter: RateLimiter? = nil) {
        self.tls = tls
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

    /// Starts the connection's thread.
    func start() {
        let thread = Thread { [self] in run() }
        thread.name = "allmende-peer"
        thread.start()
    }

    /// Queues a message; false if the connection is closing or its queue is full.
    @discardableResult
    func send(_ message: Message) -> Bool {
        let parts = MessageCodec.frameParts(message)
        let size = parts.reduce(0) { $0 + $1.count }
        let accepted = outgoing.withLock { state -> Bool in
            guard !state.closing, state.bytes + size <= Self.maximumQueuedBytes else { return false }
            state.frames += parts
            state.bytes += size
            return true
        }
        if accepted { wake.wake() }
        return accepted
    }

    /// Sends a goodbye and closes once it is written.
    func close(_ code: GoodbyeCode, reason: String) {
        let frame = MessageCodec.frame(.goodbye(code: code, reason: reason))
        outgoing.withLock { state in
            guard !state.closing else { return }
            state.frames.append(.bytes(frame))
            state.bytes += frame.count
            state.closing = true
        }
        wake.wake()
    }

    private var now: Duration { clock.now - startInstant }

    private func run() {
        var closeReason = "closed"
        var pendingFrame = FramePart.bytes([])
        var pendingOffset = 0
        var wantsWriteReadiness = false
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
                    guard let next = outgoing.withLock({ state -> FramePart? in
                        guard let frame = state.frames.first else { return nil }
                        if case let .chunkData(data) = frame, let limiter = uploadLimiter {
                            paceDelay = limiter.delay(before: data.count)
                            if paceDelay > 0 { return nil }
                        }
                        state.frames.removeFirst()
                        state.bytes -= frame.count
                        return frame
                    }) else { break }
                    pendingFrame = next
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
                case .wantWrite, .wantRead:
                    wantsWriteReadiness = true
                case .closed:
                    closeReason = "peer closed the connection"
                    break loop
                }
                if wantsWriteReadiness { break }
            }
            let isClosing = outgoing.withLock { $0.closing && $0.frames.isEmpty }
            if isClosing && pendingOffset >= pendingFrame.count {
                closeReason = closeReason == "closed" ? "closed by this node" : closeReason
                break loop
            }
            // Wait for input, output space, a wake-up, or the next timer.
            var fds = [pollfd(fd: tls.socket.descriptor, events: Int16(POLLIN) | (wantsWriteReadiness ? Int16(POLLOUT) : 0), revents: 0),
                       pollfd(fd: wake.readEnd, events: Int16(POLLIN), revents: 0)]
            if tls.pendingBytes == 0 {
                let ready = poll(&fds, 2, paceDelay > 0 ? Int32(min(1000, (paceDelay * 1000).rounded(.up))) : 1000)
                if ready < 0 && errno != EINTR { closeReason = "poll failed"; break loop }
            }
            wake.drain()
            // Read everything available; a chunk's data goes straight into its own storage.
            while true {
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
                }
                do {
                    while let message = try decoder.nextMessage() {
                        if !apply(session.receive(message, now: now)) { break }
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
                if code != .normal { logger.info("closing connection", ["peer": peer.text, "reason": reason]) }
                close(code, reason: reason)
                isOpen = false
            }
        }
        return isOpen
    }
}
