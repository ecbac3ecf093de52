// NodeRuntime.swift: AllmendeRuntime. A running node: listener, dialler, connections, request routing.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import AllmendeTLS
import AllmendeWire
import Foundation
import Synchronization

/// Settings of a running node.
public struct NodeOptions: Sendable {
    public var listen: SocketAddress
    public var name: String
    public var peers: [PeerEntry]
    public var allowList: [NodeID]?
    public var maxConnections: Int
    /// Most inbound connections (handshakes included) from one IP address, so one host cannot take all the slots.
    public var maxConnectionsPerHost = 8
    /// Most inbound connections (handshakes included) from one address range (IPv4 /24, IPv6 /64).
    public var maxConnectionsPerRange = 32
    /// An inbound connection younger than this is never replaced to make room for a newcomer.
    public var inboundGrace: Duration = .seconds(10)
    public var timeouts = NodeTimeouts()
    /// Longest wait between dial attempts to an unreachable peer.
    public var maximumBackoff: Duration = .seconds(60)
    /// Upload limit in bytes per second for serving chunks (nil: unlimited).
    public var uploadBytesPerSecond: Int?
    /// How often to reconcile the catalog with a random peer.
    public var antiEntropyInterval: Duration = .seconds(30)
    /// Peers a new catalog entry is pushed to.
    public var gossipFanout = 4
    /// Packages to fetch in full as soon as their publish entry arrives.
    public var mirrors: [MirrorPolicy] = []
    /// Keep offering retracted packages to fetchers (by default a node withholds them).
    public var servesRetracted = false
    /// Outbound connections to keep, topped up from the address book.
    public var targetOutbound = 8
    /// Addresses to announce (default: this end of each connection, with the listen port).
    public var advertise: [String] = []
    /// Labs whose entries are always kept in full (besides this node, its lab, followed publishers and the
    /// publishers of stored packages).
    public var trusted: [NodeID] = []
    /// Quotas and the total budget for entries by identities without standing.
    public var strangerLimits = StrangerLimits()
    /// Fault injection for tests of misbehaving peers: serve chunks with one byte flipped.
    package var servesCorruptChunksForTesting = false
    /// Fault injection: serve chunk indexes of two or more chunks with their first chaining value altered
    /// (still ending with the right blob ID, so only the chunks reveal the lie).
    package var servesForgedIndexesForTesting = false
    /// Fault injection: answer this many chunk requests `busy` before serving any.
    package var busyAnswersForTesting = 0

    public init(listen: SocketAddress, name: String, peers: [PeerEntry] = [], allowList: [NodeID]? = nil, maxConnections: Int = 64) {
        self.listen = listen
        self.name = name
        self.peers = peers
        self.allowList = allowList
        self.maxConnections = maxConnections
    }
}

/// A node: accepts and dials authenticated connections, serves packages, fetches them.
public final class NodeRuntime: Sendable {
    // Checked Sendable: every stored property is a `let` of a Sendable type; what changes is behind a Mutex.
    public let home: NodeHome
    public let store: PackageStore
    public let nodeID: NodeID
    public let logger: Logger
    /// What this node decided (typed; the log says the same in words).
    public let events = EventLog()
    let key: Ed25519PrivateKey
    private let boundPort = Mutex<UInt16>(0)
    /// The port the listener is bound to (0 until `start`).
    public var listenPort: UInt16 { boundPort.withLock { $0 } }
    let options: NodeOptions
    private let serverContext: TLSContext
    private let clientContext: TLSContext
    /// Readable once the node stops (never drained: every loop sees it).
    let stopWake: WakePipe
    /// Wakes the dialler when the peers to dial change.
    let peersWake: WakePipe
    let state = Mutex<RuntimeState>(RuntimeState())
    /// The origin of the monotonic times handed to the pure parts.
    let startedAt = ContinuousClock.now
    /// Every thread this node starts (loops, dials, handshakes, connections): `stop` joins them all.
    let threads = ThreadGroup()
    /// Threads of this node still running (0 once `stop` has returned).
    public var runningThreads: Int { threads.count }
    let uploadLimiter: RateLimiter?
    let mirrorWake = DispatchSemaphore(value: 0)
    /// Chunk indexes of recently served blobs, so serving a chunk costs no index read (at most 64 kept).
    let servedIndexes = Mutex<[ContentID: ChunkIndex]>([:])
    /// Busy answers still to give (`NodeOptions.busyAnswersForTesting`).
    let busyAnswersLeft: Mutex<Int>

    struct RuntimeState {
        var connections: [ObjectIdentifier: PeerConnection] = [:]
        var pending: [UInt32: (PeerConnection, @Sendable (Message?) -> Void)] = [:]
        var nextRequest: UInt32 = 1
        var isStopping = false
        var dialing: Set<String> = []
        var backoff: [String: (failures: Int, next: ContinuousClock.Instant)] = [:]
        /// Why the last dial of each address failed (cleared when it connects).
        var dialErrors: [String: String] = [:]
        var peers: [PeerEntry] = []
        var handshakes = 0
        var handshakesByHost: [String: Int] = [:]
        var isStarted = false
        var announceTokens: [ObjectIdentifier: (tokens: Double, last: ContinuousClock.Instant)] = [:]
        var strikes: [NodeID: Int] = [:]
        var reconciler: (count: Int, generation: Int, value: RangeReconciler)?
        var addressBook: [NodeID: NodeAnnouncement] = [:]
        var mirrorQueue: [(package: ContentID, from: NodeID?)] = []
        var mirrorQueued: Set<ContentID> = []
        var mirrorRetry: [ContentID: ContinuousClock.Instant] = [:]
        var mirrors: [MirrorPolicy] = []
        /// The last local failure to store data (disk full, I/O error) and when; nil once a write succeeds again.
        var storageFault: (reason: String, since: ContinuousClock.Instant)?
        /// When freed memory was last given back to the system.
        var lastTrim: ContinuousClock.Instant?
        /// The device-key revocations this node honours.
        var revocations = RevocationRule()
        /// If set, only these nodes may connect or be connected to (changed by `reconfigure`).
        var allowList: [NodeID]?
        /// Strangers' quotas and budget.
        var admission = EntryAdmission(limits: StrangerLimits())
        /// IDs of entries evicted or refused: reconciliation does not ask for them again.
        var declined: Set<ContentID> = []
        /// Cached ok and refused answers to get-package (NodeRuntime+Serving).
        var packageAnswers: [ContentID: (ResponseStatus, [UInt8])] = [:]
        /// Node announcements seen lately (by hash), so none is forwarded twice even after the address book dropped it.
        var announcementsSeen = AnnouncementSeenSet<ContentID>()
        /// Node announcements each connection may still send (token buckets, by connection).
        var nodeTokens: [ObjectIdentifier: TokenBucket] = [:]
        /// Identities with standing from stored packages and this node's lab, with the package count they were read at.
        var standing: (at: ContinuousClock.Instant, identities: Set<NodeID>)?
    }

    /// Why this node cannot store new data right now (disk full, I/O error), if it cannot.
    public var storageFault: String? { state.withLock { $0.storageFault?.reason } }

    public init(home: NodeHome, key: Ed25519PrivateKey, options: NodeOptions, logger: Logger) throws {
        self.home = home
        self.options = options
        self.logger = logger
        stopWake = try WakePipe()
        peersWake = try WakePipe()
        store = try PackageStore(home: home)
        let known = RevocationRule(LabIdentity.revocations(home))
        state.withLock { $0.revocations = known }
        nodeID = NodeID(publicKey: key.publicKey)
        self.key = key
        serverContext = try TLSContext(key: key, isServer: true)
        clientContext = try TLSContext(key: key, isServer: false)
        uploadLimiter = options.uploadBytesPerSecond.map { RateLimiter(bytesPerSecond: $0) }
        busyAnswersLeft = Mutex(options.busyAnswersForTesting)
        state.withLock { state in
            state.peers = options.peers
            state.mirrors = options.mirrors
            state.allowList = options.allowList
        }
        let strangers = countStrangerBytes()
        state.withLock { $0.admission = EntryAdmission(limits: options.strangerLimits, strangerBytes: strangers) }
    }

    /// Binds the listener and starts the accept and dial threads.
    public func start() throws {
        let (socket, port) = try Socket.listen(on: options.listen)
        socket.setNonBlocking(true)
        state.withLock { $0.isStarted = true }
        boundPort.withLock { $0 = port }
        logger.info("listening", ["address": "\(options.listen.host):\(port)", "node": nodeID.text])
        threads.spawn("allmende-accept") { [self] in acceptLoop(socket) }
        threads.spawn("allmende-dial") { [self] in dialLoop() }
        threads.spawn("allmende-anti-entropy") { [self] in antiEntropyLoop() }
        threads.spawn("allmende-mirror") { [self] in mirrorLoop() }
        scanForMirroring()
    }

    /// Says goodbye to every peer, stops listening and dialling.
    public func stop() {
        let (connections, wasStarted) = state.withLock { state -> ([PeerConnection], Bool) in
            let wasRunning = state.isStarted && !state.isStopping
            state.isStopping = true
            return (Array(state.connections.values), wasRunning)
        }
        guard wasStarted else { return }
        for connection in connections { connection.close(.shuttingDown, reason: "node is shutting down") }
        stopWake.wake()
        mirrorWake.signal()
        // Connections flush their goodbye (at most NodeTimeouts.goodbyeFlush); dials and handshakes time out.
        let left = threads.join(timeout: NodeTimeouts.goodbyeFlush + options.timeouts.handshake + .seconds(1))
        if left > 0 { logger.warning("stopped with threads still running", ["threads": String(left)]) } else { logger.info("stopped") }
    }

    // MARK: Peers

    /// Adds a peer to dial (also used after `peers add` on a running node).
    public func addPeer(_ entry: PeerEntry) {
        state.withLock { state in
            if !state.peers.contains(entry) { state.peers.append(entry) }
            state.backoff[entry.address] = nil
        }
        peersWake.wake()
    }

    /// Applies a changed configuration while running: the peers to dial (connections to removed ones are closed),
    /// the allow-list (connections to nodes no longer on it are closed) and the mirror policies (the catalog is
    /// scanned again for what they now match).
    public func reconfigure(peers: [PeerEntry], mirrors: [MirrorPolicy], allowList: [NodeID]? = nil) {
        let removed = state.withLock { state -> [PeerEntry] in
            let gone = state.peers.filter { !peers.contains($0) }
            state.peers = peers
            state.mirrors = mirrors
            state.allowList = allowList
            for entry in peers { state.backoff[entry.address] = nil }
            return gone
        }
        for connection in state.withLock({ Array($0.connections.values) }) {
            if connection.isOutbound && removed.contains(where: { $0.address == connection.remoteAddress }) {
                connection.close(.normal, reason: "no longer a configured peer")
            } else if let allowList, !allowList.contains(connection.peer) {
                events.record(.closedPeer(peer: connection.peer, code: .notAllowed, reason: "no longer on the allow-list"))
                connection.close(.notAllowed, reason: "this node accepts only listed peers")
            }
        }
        peersWake.wake()
        // The store may have changed too (`allmende rm`, `gc`): answers and standing are read again.
        forgetPackageAnswers(nil)
        forgetStanding()
        scanForMirroring()
    }

    /// The fields of `config` that differ from what this node runs with and take effect only after a restart
    /// (`reconfigure` applies peers, the allow-list and mirrors at once).
    public func fieldsNeedingRestart(_ config: NodeConfig) -> [String] {
        var fields: [String] = []
        if SocketAddress(parsing: config.listen).map({ $0.host != options.listen.host || ($0.port != options.listen.port && options.listen.port != 0) }) ?? true {
            fields.append("listen")
        }
        if config.name != options.name { fields.append("name") }
        if config.maxConnections != options.maxConnections { fields.append("maxConnections") }
        if config.maxConnectionsPerHost != options.maxConnectionsPerHost { fields.append("maxConnectionsPerHost") }
        if config.maxConnectionsPerRange != options.maxConnectionsPerRange { fields.append("maxConnectionsPerRange") }
        if config.servesRetracted != options.servesRetracted { fields.append("serveRetracted") }
        if config.advertise != options.advertise { fields.append("advertise") }
        return fields
    }

    /// The configured peers with whether each is connected, why its last dial failed and when it is tried again.
    public func configuredPeerStates() -> [(entry: PeerEntry, isConnected: Bool, lastError: String?, retryIn: Duration?)] {
        let now = ContinuousClock.now
        return state.withLock { state in
            let outbound = state.connections.values.filter(\.isOutbound)
            return state.peers.map { entry in
                let isConnected = outbound.contains { $0.remoteAddress == entry.address || ($0.peer == entry.node && entry.node != nil) }
                let retry = state.backoff[entry.address].map { $0.next > now ? $0.next - now : .zero }
                return (entry, isConnected, isConnected ? nil : state.dialErrors[entry.address], isConnected ? nil : retry)
            }
        }
    }

    /// Ready connections, one per peer.
    func readyConnections() -> [PeerConnection] {
        var seen: Set<NodeID> = []
        return state.withLock { Array($0.connections.values) }.filter { $0.snapshot.isReady }
            .sorted { $0.connectedAt < $1.connectedAt }.filter { seen.insert($0.peer).inserted }
    }

    /// A summary of every connection, for `status`.
    public func connectionSummaries() -> [(peer: NodeID, address: String, outbound: Bool, ready: Bool, name: String, bytesIn: Int, bytesOut: Int)] {
        state.withLock { Array($0.connections.values) }.map { connection in
            let info = connection.snapshot
            return (connection.peer, connection.remoteAddress, connection.isOutbound, info.isReady, info.name, info.bytesIn, info.bytesOut)
        }.sorted { $0.peer < $1.peer }
    }

    /// Closes every connection to `peer` with `code`.
    func disconnect(_ peer: NodeID, code: GoodbyeCode, reason: String) {
        for connection in state.withLock({ Array($0.connections.values) }) where connection.peer == peer {
            logger.warning("disconnecting peer", ["peer": peer.text, "reason": reason])
            events.record(.closedPeer(peer: peer, code: code, reason: reason))
            connection.close(code, reason: reason)
        }
    }

    // MARK: Connections

    private func acceptLoop(_ listener: Socket) {
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
    private func register(_ connection: PeerConnection, admittedFrom host: String?) -> Bool {
        state.withLock { state in
            if let host { Self.endHandshake(of: host, in: &state) }
            guard !state.isStopping else { return false }
            state.connections[ObjectIdentifier(connection)] = connection
            return true
        }
    }

    private func dialLoop() {
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

    private func dial(_ entry: PeerEntry) {
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
    }

    func connection(_ connection: PeerConnection, received message: Message) {
        if case .node = message {} else { connection.markUseful() }
        switch message {
        case let .package(request, _, _), let .index(request, _, _), let .chunk(request, _, _):
            completeRequest(request, from: connection, with: message)
        case let .announce(entry):
            if allowAnnounce(from: connection) { acceptEntry(entry, from: connection) }
        case let .reconcile(session, payload):
            handleReconcile(session: session, payload: payload, from: connection)
        case let .node(announcement):
            let now = ContinuousClock.now - startedAt
            let allowed = state.withLock { state in
                state.nodeTokens[ObjectIdentifier(connection), default: TokenBucket(
                    capacity: WireLimits.nodeAnnouncementBurst, perSecond: WireLimits.nodeAnnouncementsPerSecond)].take(now: now)
            }
            if allowed { acceptNodeAnnouncement(announcement, from: connection) }
        case let .getEntries(ids):
            for id in ids { if let bytes = store.catalog.entryBytes(id) { connection.send(.announce(entry: bytes)) } }
        default:
            serve(message, to: connection)
        }
    }

    func connectionClosed(_ connection: PeerConnection, reason: String) {
        let orphaned = state.withLock { state -> [@Sendable (Message?) -> Void] in
            state.connections[ObjectIdentifier(connection)] = nil
            state.announceTokens[ObjectIdentifier(connection)] = nil
            state.nodeTokens[ObjectIdentifier(connection)] = nil
            let numbers = state.pending.filter { $0.value.0 === connection }.map(\.key)
            return numbers.compactMap { state.pending.removeValue(forKey: $0)?.1 }
        }
        for handler in orphaned { handler(nil) }
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
