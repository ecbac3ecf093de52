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
    /// Announce which packages this node holds (Protocol/holders.md); nil: yes, unless the node has an allow-list.
    public var announcesHoldings: Bool?
    /// How often this node signs its holdings again when nothing changed, and how long each state is valid.
    public var holdingsRenewal: Duration = .seconds(24 * 3600)
    public var holdingsLifetime: Int64 = 72 * 3600
    /// Preservation policies (`mirror add --min-holders`) judge a package only once it was published, and this
    /// node has run, this long: holdings take a little while to arrive.
    public var holderSettle: Duration = .seconds(600)
    /// Where the web face listens (nil: no web face).
    public var http: SocketAddress?
    /// True if the web face was asked for explicitly: failing to bind it stops the start (else it is a warning).
    public var httpRequired = false
    /// Limits of the web face.
    public var httpSettings = HTTPServerSettings()
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
    let serverContext: TLSContext
    let clientContext: TLSContext
    /// Readable once the node stops (never drained: every loop sees it).
    let stopWake: WakePipe
    let state = Mutex<RuntimeState>(RuntimeState())
    /// Every catalog decision (gossip, strikes, reconciliation sessions). Lock order: `core`, then `state`.
    let core: Mutex<NodeCore<ObjectIdentifier>>
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
    /// Fetches running now, by package (FetchRegistry).
    let fetches = Mutex<[ContentID: RunningFetch]>([:])
    /// Blobs a fetch is writing now: no two fetches write one blob at once.
    let blobsInFlight = Mutex<Set<ContentID>>([])
    /// Busy answers still to give (`NodeOptions.busyAnswersForTesting`).
    let busyAnswersLeft: Mutex<Int>
    /// The web face's server while it runs.
    let webServer = Mutex<HTTPServer?>(nil)
    /// The operator's logins and sessions on the web face.
    let webSessions = Mutex(WebSessions())

    /// A one-time URL that logs a browser in as this node's operator (nil when the web face is off).
    public func webLoginURL() throws -> String? {
        guard let server = webServer.withLock({ $0 }) else { return nil }
        let token = try webSessions.withLock { sessions throws(CryptoError) in try sessions.newLogin(now: .now) }
        let host = server.host == "0.0.0.0" || server.host == "::" ? "127.0.0.1" : server.host
        return "http://\(host.contains(":") ? "[\(host)]" : host):\(server.port)/login?token=\(token)"
    }

    /// The web face's port (nil when it is off or could not bind).
    public var httpPort: UInt16? { webServer.withLock { $0?.port } }
    /// HTTP connections open now (0 without a web face).
    public var httpConnectionCount: Int { webServer.withLock { $0?.connectionCount ?? 0 } }

    struct RuntimeState {
        var connections: [ObjectIdentifier: PeerConnection] = [:]
        var pending: [UInt32: (PeerConnection, @Sendable (Message?) -> Void)] = [:]
        var nextRequest: UInt32 = 1
        var isStopping = false
        /// Why the last dial of each address failed (cleared when it connects).
        var dialErrors: [String: String] = [:]
        var handshakes = 0
        /// What peers say this node's host looks like from their side.
        var observed = ObservedAddresses<NodeID>()
        /// Newcomers a full node lets in only to refer them onward, and the goodbye reason of each.
        var referring = 0
        var referrals: [ObjectIdentifier: String] = [:]
        var handshakesByHost: [String: Int] = [:]
        var isStarted = false
        var reconciler: (count: Int, generation: Int, value: RangeReconciler)?
        var mirrorQueue: [(package: ContentID, from: NodeID?)] = []
        var mirrorQueued: Set<ContentID> = []
        var mirrorRetry: [ContentID: ContinuousClock.Instant] = [:]
        var mirrors: [MirrorPolicy] = []
        /// The last local failure to store data (disk full, I/O error) and when; nil once a write succeeds again.
        var storageFault: (reason: String, since: ContinuousClock.Instant)?
        /// When freed memory was last given back to the system.
        var lastTrim: ContinuousClock.Instant?
        /// When a peer last completed a handshake on an inbound connection (nil: never since start).
        var lastInbound: ContinuousClock.Instant?
        /// The device-key revocations this node honours.
        var revocations = RevocationRule()
        /// Strangers' quotas and budget.
        var admission = EntryAdmission(limits: StrangerLimits())
        /// This node's last holdings state: its set and when it was signed; when the stored set was last looked at.
        var ownHoldings: (ids: Set<ContentID>, addresses: [String], signed: ContinuousClock.Instant)?
        var holdingsLookedAt: ContinuousClock.Instant?
        /// Asked to look at the stored set at the next tick (a fetch or removal ended).
        var holdingsDirty = true
        var holdersChanged = false
        var holdersSaved: ContinuousClock.Instant?
        /// When preservation policies look at the whole catalog again (holders come and go).
        var nextRarityScan = ContinuousClock.now + .seconds(60)
        /// Cached ok and refused answers to get-package (NodeRuntime+Serving).
        var packageAnswers: [ContentID: (ResponseStatus, [UInt8])] = [:]
        /// Whether identities have standing from stored packages or as this node's lab, and when that was read.
        var standing: [NodeID: (at: ContinuousClock.Instant, has: Bool)] = [:]
        /// Blobs and bytes in the store, and when they were counted (a status every second must not walk the store).
        var storeUsage: (at: ContinuousClock.Instant, blobs: Int, bytes: Int)?
        /// Catalog entries parsed and signature-checked ahead (NodeRuntime+Preverify).
        var preverified: [ContentID: PreverifiedEntry] = [:]
    }

    /// True if this node seems unreachable: it has been running for `after`, has outbound peers but no inbound
    /// one, and no peer has connected to it in that time (a firewall, NAT, or an advertised address others cannot
    /// reach).
    public func seemsUnreachable(after: Duration = .seconds(600)) -> Bool {
        let now = ContinuousClock.now
        let ready = readyConnections()
        // Connected from outside right now, or never dialled out: nothing to say.
        guard now - startedAt >= after, ready.contains(where: \.isOutbound), !ready.contains(where: { !$0.isOutbound }) else { return false }
        return state.withLock { state in state.lastInbound.map { now - $0 >= after } ?? true }
    }

    /// Blobs and bytes in the store, counted at most every 10 s (walking 200,000 blobs takes a second).
    func storeUsage() -> (blobs: Int, bytes: Int) {
        if let cached = state.withLock({ $0.storeUsage }), ContinuousClock.now - cached.at < .seconds(10) { return (cached.blobs, cached.bytes) }
        let blobs = (try? store.blobs.list()) ?? []
        let bytes = blobs.reduce(0) { $0 + ((try? store.blobs.size(of: $1)) ?? 0) }
        state.withLock { $0.storeUsage = (ContinuousClock.now, blobs.count, bytes) }
        return (blobs.count, bytes)
    }

    /// Why this node cannot store new data right now (disk full, I/O error), if it cannot.
    public var storageFault: String? { state.withLock { $0.storageFault?.reason } }

    public init(home: NodeHome, key: Ed25519PrivateKey, options: NodeOptions, logger: Logger) throws {
        self.home = home
        self.options = options
        self.logger = logger
        stopWake = try WakePipe()
        store = try PackageStore(home: home)
        let known = RevocationRule(LabIdentity.revocations(home))
        state.withLock { $0.revocations = known }
        nodeID = NodeID(publicKey: key.publicKey)
        self.key = key
        var coreSettings = NodeCore<ObjectIdentifier>.Settings()
        coreSettings.fanout = options.gossipFanout
        coreSettings.antiEntropyInterval = options.antiEntropyInterval
        coreSettings.directory.targetOutbound = options.targetOutbound
        coreSettings.directory.maximumBackoff = options.maximumBackoff
        core = Mutex(NodeCore(node: nodeID, settings: coreSettings, seed: UInt64.random(in: 0...UInt64.max)))
        serverContext = try TLSContext(key: key, isServer: true)
        clientContext = try TLSContext(key: key, isServer: false)
        uploadLimiter = options.uploadBytesPerSecond.map { RateLimiter(bytesPerSecond: $0) }
        busyAnswersLeft = Mutex(options.busyAnswersForTesting)
        state.withLock { state in
            state.mirrors = options.mirrors
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
        restoreHolders()
        threads.spawn("allmende-accept") { [self] in acceptLoop(socket) }
        threads.spawn("allmende-tick") { [self] in tickLoop() }
        threads.spawn("allmende-mirror") { [self] in mirrorLoop() }
        if let address = options.http { try startWebFace(address) }
        drive(.configured(peers: options.peers.map(\.dialTarget), allowList: options.allowList))
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
        // Taken out first: a request being answered may read `webServer` (status) while the server joins its workers.
        let server = webServer.withLock { server in
            defer { server = nil }
            return server
        }
        server?.stop()
        // The face and its server refer to each other (metrics): break the cycle.
        (server?.responder as? WebFace)?.server.withLock { $0 = nil }
        for connection in connections { connection.close(.shuttingDown, reason: "node is shutting down") }
        stopWake.wake()
        mirrorWake.signal()
        // Connections flush their goodbye (at most NodeTimeouts.goodbyeFlush); dials and handshakes time out.
        let left = threads.join(timeout: NodeTimeouts.goodbyeFlush + options.timeouts.handshake + .seconds(1))
        syncCatalog()
        saveHoldersIfChanged(force: true)
        if left > 0 { logger.warning("stopped with threads still running", ["threads": String(left)]) } else { logger.info("stopped") }
    }

    /// Starts the web face on `address`; a port in use is a warning unless the face was asked for explicitly.
    private func startWebFace(_ address: SocketAddress) throws {
        let face = WebFace(runtime: self)
        do {
            let server = try HTTPServer(listen: address, responder: face, settings: options.httpSettings)
            face.server.withLock { $0 = server }
            webServer.withLock { $0 = server }
            server.start()
            logger.info("web face listening", ["address": "http://\(address.host):\(server.port)/"])
        } catch {
            if options.httpRequired { throw error }
            logger.warning("no web face", ["address": "\(address.host):\(address.port)", "reason": "\(error)"])
        }
    }

    // MARK: Peers

    /// Adds a peer to dial (also used after `peers add` on a running node).
    public func addPeer(_ entry: PeerEntry) { drive(.peerAdded(entry.dialTarget)) }

    /// Applies a changed configuration while running: the peers to dial (connections to removed ones are closed),
    /// the allow-list (connections to nodes no longer on it are closed) and the mirror policies (the catalog is
    /// scanned again for what they now match).
    public func reconfigure(peers: [PeerEntry], mirrors: [MirrorPolicy], allowList: [NodeID]? = nil) {
        state.withLock { $0.mirrors = mirrors }
        drive(.configured(peers: peers.map(\.dialTarget), allowList: allowList))
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
        if config.announceHoldings != options.announcesHoldings { fields.append("announceHoldings") }
        if options.http != nil, !Set(config.webProxies).isSubset(of: options.httpSettings.clientsWithoutLimit) { fields.append("webProxies") }
        return fields
    }

    /// The configured peers with whether each is connected, why its last dial failed and when it is tried again.
    public func configuredPeerStates() -> [(entry: PeerEntry, isConnected: Bool, lastError: String?, retryIn: Duration?)] {
        let now = ContinuousClock.now - startedAt
        let (configured, retries) = core.withLock { core in
            (core.directory.configured, core.directory.configured.map { core.directory.retryIn($0.address, now: now) })
        }
        return state.withLock { state in
            let outbound = state.connections.values.filter(\.isOutbound)
            return zip(configured, retries).map { target, retry in
                let entry = PeerEntry(address: target.address, node: target.node)
                let isConnected = outbound.contains { $0.remoteAddress == entry.address || ($0.peer == entry.node && entry.node != nil) }
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

}

extension PeerEntry {
    /// The peer as the core's directory knows it.
    var dialTarget: DialTarget { DialTarget(address: address, node: node) }
}
