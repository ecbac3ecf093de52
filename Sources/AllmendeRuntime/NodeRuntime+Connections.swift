// NodeRuntime+Connections.swift: AllmendeRuntime. Accepting, dialling and setting up connections (TLS, identity,
// allow-list), and the connection callbacks. Spec: Protocol/wire.md "Connection set-up".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import AllmendeTLS
import AllmendeWire
import Foundation
import Synchronization

extension NodeRuntime {

    func acceptLoop(_ listener: Socket) {
        defer {
            listener.close()
        }
        while !state.withLock({ $0.isStopping }) {
            var fds = [pollfd(fd: listener.descriptor, events: Int16(POLLIN), revents: 0), pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 1000)
            while true {
                let accepted: (Socket, String)?
                do { accepted = try listener.accept() } catch {
                    // Out of descriptors (EMFILE/ENFILE): the connection stays queued; back off instead of spinning.
                    logger.warning("cannot accept connections", ["reason": "\(error)"])
                    var wait = [pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0)]
                    _ = poll(&wait, 1, 250)
                    break
                }
                guard let (socket, address) = accepted else { break }
                var referral: String?
                switch admitInbound(from: address) {
                case let .refused(refusal):
                    logger.warning("refusing connection: \(refusal)", ["from": address])
                    events.record(.inboundRefused(address: address, reason: refusal))
                    socket.close()
                    continue
                case let .referred(reason):
                    logger.info("full: referring a newcomer to other nodes", ["from": address])
                    events.record(.inboundRefused(address: address, reason: reason))
                    referral = reason
                case .admitted:
                    break
                }
                threads.spawn("allmende-handshake") { [self, referral] in
                    let established = establish(socket: socket, address: address, isOutbound: false, expected: nil, admittedFrom: Self.host(of: address),
                                                referral: referral)
                    if referral != nil && !established { state.withLock { $0.referring -= 1 } }
                }
            }
        }
    }

    /// TLS handshake, identity checks, then the connection's own thread. False if the handshake failed.
    /// `admittedFrom` is the host of an inbound connection counted by `admitInbound`; its count moves from
    /// "handshaking" to "connected" when the connection is registered (or ends if it never is).
    @discardableResult
    func establish(socket: Socket, address: String, isOutbound: Bool, expected: NodeID?, admittedFrom host: String? = nil,
                   referral: String? = nil) -> Bool {
        let tls: TLSConnection
        let peer: NodeID
        do {
            tls = try TLSConnection(context: isOutbound ? clientContext : serverContext, socket: socket, isServer: !isOutbound)
            peer = try tls.handshake(timeout: options.timeouts.handshake, expectedPeer: expected)
        } catch {
            logger.warning("connection refused", ["address": address, "reason": "\(error)"])
            if isOutbound { state.withLock { $0.dialErrors[address] = "\(error)" } }
            if case let .unexpectedPeer(expected, actual) = error {
                events.record(.unexpectedPeer(address: address, expected: expected, actual: actual))
            } else {
                events.record(.handshakeFailed(address: address, reason: "\(error)"))
            }
            socket.close()
            if let host { state.withLock { Self.endHandshake(of: host, in: &$0) } }
            return false
        }
        let connection: PeerConnection
        do {
            connection = try PeerConnection(tls: tls, peer: peer, remoteAddress: address, isOutbound: isOutbound,
                                            session: PeerSession(name: options.name, listenPort: listenPort, timeouts: options.timeouts,
                                                                 nonceSeed: UInt64.random(in: 1...UInt64.max / 2)),
                                            delegate: self, logger: logger, events: events, uploadLimiter: uploadLimiter)
        } catch {
            // Out of file descriptors: drop this connection, keep running.
            logger.warning("connection dropped", ["address": address, "reason": "\(error)"])
            events.record(.handshakeFailed(address: address, reason: "\(error)"))
            tls.close()
            if let host { state.withLock { Self.endHandshake(of: host, in: &$0) } }
            return false
        }
        if !core.withLock({ $0.directory.allows(peer) }) {
            logger.warning("connection refused: node not on the allow-list", ["peer": peer.text, "address": address])
            events.record(.notAllowed(peer: peer, address: address))
            connection.close(.notAllowed, reason: "this node accepts only listed peers")
            register(connection, admittedFrom: host)
            connection.start(in: threads)
            return false
        }
        if let referral { state.withLock { $0.referrals[ObjectIdentifier(connection)] = referral } }
        guard register(connection, admittedFrom: host) else {
            tls.close()
            return false
        }
        logger.info(isOutbound ? "connected to peer" : "peer connected", ["peer": peer.text, "address": address])
        connection.start(in: threads)
        return true
    }

    @discardableResult
    func register(_ connection: PeerConnection, admittedFrom host: String?) -> Bool {
        state.withLock { state in
            if let host { Self.endHandshake(of: host, in: &state) }
            guard !state.isStopping else { return false }
            state.connections[ObjectIdentifier(connection)] = connection
            if !connection.isOutbound { state.lastInbound = ContinuousClock.now }
            return true
        }
    }

    /// The address to dial from: the listen address when it is a specific one (so peers see the address this node
    /// listens on, as on a network where it is its own host), except a loopback one toward a non-loopback peer.
    func sourceHost(toward host: String) -> String? {
        let listen = options.listen.host
        guard !Self.isUnspecified(listen), !Self.isLoopback(listen) || Self.isLoopback(host) else { return nil }
        return listen
    }

    /// Dials `target` (asked for by the core) and reports how it ended.
    func dial(_ target: DialTarget) {
        guard let address = SocketAddress(parsing: target.address) else {
            logger.error("bad peer address in config", ["address": target.address])
            drive(.dialEnded(target, .unusable))
            return
        }
        do {
            let socket = try Socket.connect(to: address, from: sourceHost(toward: address.host), timeout: NodeTimeouts.dial)
            // Once established, the dial ends when the hellos are exchanged (`.connected`) or the connection closes.
            if establish(socket: socket, address: target.address, isOutbound: true, expected: target.node) {
                state.withLock { $0.dialErrors[target.address] = nil }
                return
            }
            drive(.dialEnded(target, .failed))
        } catch {
            state.withLock { $0.dialErrors[target.address] = "\(error)" }
            logger.debug("dial failed", ["address": target.address, "reason": "\(error)"])
            drive(.dialEnded(target, .failed))
        }
    }
}

extension NodeRuntime: PeerConnectionDelegate {
    func connectionReady(_ connection: PeerConnection) {
        logger.debug("peer ready", ["peer": connection.peer.text, "name": connection.snapshot.name])
        // Where this connection comes from, as seen here: a node behind NAT learns its outside address this way.
        connection.send(.observed(host: Self.host(of: connection.remoteAddress)))
        announceSelf(to: connection)
        drive(.connected(ObjectIdentifier(connection), peer: connection.peer, isOutbound: connection.isOutbound, address: connection.remoteAddress))
        // A newcomer let in only to be referred onward: it has the addresses the core just sent (peer exchange).
        if let reason = state.withLock({ $0.referrals[ObjectIdentifier(connection)] }) {
            connection.close(.tooManyConnections, reason: "\(reason); try the addresses sent")
        }
    }

    func connection(_ connection: PeerConnection, received message: Message) {
        if case .node = message {} else { connection.markUseful() }
        switch message {
        case let .package(request, _, _), let .index(request, _, _), let .chunk(request, _, _):
            completeRequest(request, from: connection, with: message)
        case .announce, .reconcile, .getEntries, .node, .holdings, .getHoldings, .holdersReconcile:
            drive(.received(ObjectIdentifier(connection), message))
        case let .observed(host):
            let now = ContinuousClock.now - startedAt
            state.withLock { $0.observed.record(host, from: connection.peer, peerHost: Self.host(of: connection.remoteAddress), now: now) }
        default:
            serve(message, to: connection)
        }
    }

    func connectionClosed(_ connection: PeerConnection, reason: String) {
        let orphaned = state.withLock { state -> [@Sendable (Message?) -> Void] in
            state.connections[ObjectIdentifier(connection)] = nil
            if state.referrals.removeValue(forKey: ObjectIdentifier(connection)) != nil { state.referring -= 1 }
            let numbers = state.pending.filter { $0.value.0 === connection }.map(\.key)
            return numbers.compactMap { state.pending.removeValue(forKey: $0)?.1 }
        }
        for handler in orphaned { handler(nil) }
        let traffic = connection.snapshot
        events.count { counters in
            counters.closedBytesIn[connection.isOutbound ? "out" : "in", default: 0] += traffic.bytesIn
            counters.closedBytesOut[connection.isOutbound ? "out" : "in", default: 0] += traffic.bytesOut
        }
        drive(.closed(ObjectIdentifier(connection)))
        // A full node said so: dial it again only after the usual back-off, and the addresses it sent first.
        if connection.isOutbound && connection.peerGoodbye == .tooManyConnections { drive(.peerIsFull(address: connection.remoteAddress)) }
        if connection.isOutbound && !connection.snapshot.isReady {
            drive(.dialEnded(DialTarget(address: connection.remoteAddress, node: connection.peer), .failed))
        }
        logger.info("connection closed", ["peer": connection.peer.text, "reason": reason])
        // What a connection's queue and buffers held goes back to the system, not just to the allocator's free lists
        // (at most once a second: trimming walks the heap).
        let trims = state.withLock { state -> Bool in
            let now = ContinuousClock.now
            guard state.lastTrim.map({ now - $0 >= .seconds(1) }) ?? true else { return false }
            state.lastTrim = now
            return true
        }
        if trims { FreedMemory.returnToSystem() }
    }
}
