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
                if let refusal = admitInbound(from: address) {
                    logger.warning("refusing connection: \(refusal)", ["from": address])
                    events.record(.inboundRefused(address: address, reason: refusal))
                    socket.close()
                    continue
                }
                threads.spawn("allmende-handshake") { [self] in
                    establish(socket: socket, address: address, isOutbound: false, expected: nil, admittedFrom: Self.host(of: address))
                }
            }
        }
    }

    /// TLS handshake, identity checks, then the connection's own thread. False if the handshake failed.
    /// `admittedFrom` is the host of an inbound connection counted by `admitInbound`; its count moves from
    /// "handshaking" to "connected" when the connection is registered (or ends if it never is).
    @discardableResult
    func establish(socket: Socket, address: String, isOutbound: Bool, expected: NodeID?, admittedFrom host: String? = nil) -> Bool {
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
        if let allowList = state.withLock({ $0.allowList }), !allowList.contains(peer) {
            logger.warning("connection refused: node not on the allow-list", ["peer": peer.text, "address": address])
            events.record(.notAllowed(peer: peer, address: address))
            connection.close(.notAllowed, reason: "this node accepts only listed peers")
            register(connection, admittedFrom: host)
            connection.start(in: threads)
            return false
        }
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
            return true
        }
    }

    func dialLoop() {
        while !state.withLock({ $0.isStopping }) {
            let now = ContinuousClock.now
            let (peers, connectedAddresses, connectedNodes) = state.withLock { state in
                (state.peers, Set(state.connections.values.filter(\.isOutbound).map(\.remoteAddress)), Set(state.connections.values.map(\.peer)))
            }
            for entry in peers + discoveredPeers(connected: connectedNodes) {
                if let node = entry.node, connectedNodes.contains(node) { continue }
                if connectedAddresses.contains(entry.address) { continue }
                let due = state.withLock { state -> Bool in
                    if state.dialing.contains(entry.address) { return false }
                    if let backoff = state.backoff[entry.address], backoff.next > now { return false }
                    state.dialing.insert(entry.address)
                    return true
                }
                guard due else { continue }
                threads.spawn("allmende-dial-peer") { [self] in dial(entry) }
            }
            var fds = [pollfd(fd: stopWake.readEnd, events: Int16(POLLIN), revents: 0), pollfd(fd: peersWake.readEnd, events: Int16(POLLIN), revents: 0)]
            _ = poll(&fds, 2, 500)
            if state.withLock({ $0.isStopping }) { break }
            peersWake.drain()
        }
    }

    func dial(_ entry: PeerEntry) {
        defer { _ = state.withLock { $0.dialing.remove(entry.address) } }
        guard let address = SocketAddress(parsing: entry.address) else {
            logger.error("bad peer address in config", ["address": entry.address])
            state.withLock { $0.backoff[entry.address] = (99, ContinuousClock.now + .seconds(3600)) }
            return
        }
        do {
            let socket = try Socket.connect(to: address, timeout: .seconds(5))
            if establish(socket: socket, address: entry.address, isOutbound: true, expected: entry.node) {
                state.withLock { state in
                    state.backoff[entry.address] = nil
                    state.dialErrors[entry.address] = nil
                }
                return
            }
            throw TLSError.handshakeFailed("the connection was refused")
        } catch {
            let delay = state.withLock { state -> Duration in
                if case .handshakeFailed("the connection was refused")? = error as? TLSError {} else { state.dialErrors[entry.address] = "\(error)" }
                let failures = (state.backoff[entry.address]?.failures ?? 0) + 1
                let base = min(options.maximumBackoff, .milliseconds(500) * (1 << min(failures, 10)))
                let jittered = base * Double.random(in: 0.5...1.0)
                state.backoff[entry.address] = (failures, ContinuousClock.now + jittered)
                return jittered
            }
            logger.debug("dial failed", ["address": entry.address, "reason": "\(error)", "retry": "\(delay)"])
        }
    }
}

extension NodeRuntime: PeerConnectionDelegate {
    func connectionReady(_ connection: PeerConnection) {
        logger.debug("peer ready", ["peer": connection.peer.text, "name": connection.snapshot.name])
        announceSelf(to: connection)
        drive(.connected(ObjectIdentifier(connection), peer: connection.peer, isOutbound: connection.isOutbound))
    }

    func connection(_ connection: PeerConnection, received message: Message) {
        if case .node = message {} else { connection.markUseful() }
        switch message {
        case let .package(request, _, _), let .index(request, _, _), let .chunk(request, _, _):
            completeRequest(request, from: connection, with: message)
        case .announce, .reconcile, .getEntries:
            drive(.received(ObjectIdentifier(connection), message))
        case let .node(announcement):
            let now = ContinuousClock.now - startedAt
            let allowed = state.withLock { state in
                state.nodeTokens[ObjectIdentifier(connection), default: TokenBucket(
                    capacity: WireLimits.nodeAnnouncementBurst, perSecond: WireLimits.nodeAnnouncementsPerSecond)].take(now: now)
            }
            if allowed { acceptNodeAnnouncement(announcement, from: connection) }
        default:
            serve(message, to: connection)
        }
    }

    func connectionClosed(_ connection: PeerConnection, reason: String) {
        let orphaned = state.withLock { state -> [@Sendable (Message?) -> Void] in
            state.connections[ObjectIdentifier(connection)] = nil
            state.nodeTokens[ObjectIdentifier(connection)] = nil
            let numbers = state.pending.filter { $0.value.0 === connection }.map(\.key)
            return numbers.compactMap { state.pending.removeValue(forKey: $0)?.1 }
        }
        for handler in orphaned { handler(nil) }
        drive(.closed(ObjectIdentifier(connection)))
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
