// NodeCore.swift: AllmendeNode. The node's catalog decisions as one deterministic state machine: events in,
// actions out; no clock, disk or socket. The runtime executes its actions; the simulation runs thousands of it.
// Spec: Protocol/wire.md "Catalog gossip and reconciliation".

import AllmendeCrypto
import AllmendeWire

/// One node's catalog behaviour: push gossip (fan-out, the catalog as seen-set, a token bucket per peer,
/// strikes that decay), reconciliation sessions (one of its own at a time, a round cap, a limit on sessions it
/// answers, an explicit end, time-outs), and which missing entries to ask for (each of one peer at a time).
///
/// Entries that answer this node (sent within a session it started, or asked for with get-entries) are not
/// held to the gossip rate and are not pushed on; gossip pushes are both.
///
/// `now` is monotonic time since the executor started; randomness comes from the seed, so a simulation with
/// the same seeds replays exactly.
public struct NodeCore<Link: Hashable & Sendable>: Sendable {
    public struct Settings: Sendable {
        /// Peers a new entry is pushed to.
        public var fanout = 4
        /// How often to reconcile with one random peer.
        public var antiEntropyInterval: Duration = .seconds(30)
        /// Outbound target, back-off and address book size.
        public var directory = PeerDirectory.Settings()
        /// Bounds of the holder table.
        public var holders = HolderTable.Settings()
        public init() {}
    }

    struct Peer: Sendable {
        let node: NodeID
        let isOutbound: Bool
        /// The address dialled (outbound connections).
        let address: String
        /// Connection order, so choices do not depend on hashing order.
        let order: UInt64
        var announces = TokenBucket(capacity: WireLimits.announceBurst, perSecond: WireLimits.announcesPerSecond)
        /// Entries received from this peer during the current session this node started with it.
        var sessionEntries = 0
        /// Of those, the ones new here (handed to the executor to check).
        var sessionNew = 0
        var nodeAnnouncements = TokenBucket(capacity: WireLimits.nodeAnnouncementBurst, perSecond: WireLimits.nodeAnnouncementsPerSecond)
        /// Holdings records, get-holdings and holders-reconcile messages.
        var holdings = TokenBucket(capacity: WireLimits.holdingsBurst, perSecond: WireLimits.holdingsPerSecond)
        /// Entries sent in answer to this peer's get-entries.
        var entriesServed = TokenBucket(capacity: WireLimits.entriesServedBurst, perSecond: WireLimits.entriesServedPerSecond)
    }

    /// Most entry IDs remembered as declined (evicted or over budget) or as asked for.
    public static var memory: Int { 100_000 }

    public let node: NodeID
    public let settings: Settings
    var peers: [Link: Peer] = [:]
    private var nextOrder: UInt64 = 0
    var random: SplitMix64
    var strikes = StrikeCounter<NodeID>(limit: WireLimits.maximumStrikes, decay: NodeTimeouts.strikeDecay)
    public private(set) var sessions = ReconcileSessions<Link>()
    /// Entries handed to the executor to check and not yet reported, and whether to push them on once accepted
    /// (gossip pushes are; entries learned by reconciliation are not: the peers that lack them reconcile too).
    private var checking: [ContentID: Bool] = [:]
    /// Entries asked for with get-entries, and when.
    private var requested: [ContentID: Duration] = [:]
    private var declined: Set<ContentID> = []
    private var nextAntiEntropy: Duration?
    /// The peer to reconcile with again as soon as the entries asked of it have come: its last session brought or
    /// asked for entries (a catalog larger than one session carries), and when to look next.
    private var again: (link: Link, at: Duration)?
    /// Sessions started in a row that way; at `maximumRepeats` the usual interval applies again.
    private var repeats = 0
    static var maximumRepeats: Int { 64 }
    /// How often to look whether the entries asked for have come.
    static var repeatCheck: Duration { .milliseconds(200) }
    /// Nodes dialled because a fetch wanted them (their connections may be closed when no longer wanted).
    private var wasWanted: Set<NodeID> = []
    /// Whom to dial: configured peers, the address book, back-off, the allow-list.
    public private(set) var directory: PeerDirectory
    /// Who holds which package (Protocol/holders.md).
    public internal(set) var holders: HolderTable
    /// Wall-clock seconds since the epoch, set by the executor before each event (holder states expire by it).
    public var wallTime: Int64 = 0
    /// A reconciler over the holder table's state IDs and the wall time it was built at, dropped when the table
    /// changes.
    var holdersReconciler: (value: RangeReconciler, builtAt: Int64)?

    public init(node: NodeID, settings: Settings = Settings(), seed: UInt64) {
        self.node = node
        self.settings = settings
        directory = PeerDirectory(settings: settings.directory)
        holders = HolderTable(settings: settings.holders)
        random = SplitMix64(seed: seed)
    }

    /// When the core next wants a `.tick`.
    public var nextWake: Duration {
        let reconcile = min(nextAntiEntropy ?? .zero, again?.at ?? .seconds(Int64.max / 2))
        return sessions.nextDeadline.map { min($0, reconcile) } ?? reconcile
    }

    /// Ready connections, at most one per peer node (the oldest), in connection order.
    public var readyLinks: [Link] {
        var seen: Set<NodeID> = []
        return peers.sorted { $0.value.order < $1.value.order }.filter { seen.insert($0.value.node).inserted }.map(\.key)
    }

    /// True if entries from `link` would be taken beyond the gossip rate now: this node's session with it is open,
    /// or it asked for entries lately.
    public func expectsEntries(on link: Link) -> Bool { sessions.initiated?.link == link || !requested.isEmpty }

    /// The peer node on `link`, if it is ready.
    public func peer(on link: Link) -> NodeID? { peers[link]?.node }

    /// Handles one event at `now`; returns what to do, in order.
    public mutating func handle(_ event: NodeEvent<Link>, at now: Duration, catalog: some CatalogReading) -> [NodeAction<Link>] {
        var actions: [NodeAction<Link>] = []
        if nextAntiEntropy == nil {
            // The first round comes after half to one interval, so nodes started together do not act in lockstep.
            nextAntiEntropy = now + settings.antiEntropyInterval * (0.5 + Double(random.next() % 1024) / 2048)
        }
        switch event {
        case let .connected(link, peer, isOutbound, address):
            // The allow-list may have changed while this connection was being set up.
            guard directory.allows(peer) else {
                if isOutbound { directory.dialEnded(DialTarget(address: address, node: peer), .failed, now: now, random: &random) }
                actions.append(.disconnect(link, .notAllowed, "this node accepts only listed peers"))
                break
            }
            peers[link] = Peer(node: peer, isOutbound: isOutbound, address: address, order: nextOrder)
            nextOrder += 1
            if isOutbound { directory.dialEnded(DialTarget(address: address, node: peer), .connected, now: now, random: &random) }
            // Peer exchange: a few addresses from the book, so a new node need not wait for announcements to flow.
            for announcement in directory.sample(WireLimits.addressesOnConnect, excluding: [peer, node], random: &random) {
                actions.append(.send(link, .node(announcement: announcement.bytes)))
            }
            // The dialling side asks at once (a new node gets the catalog from its first peer).
            if isOutbound && sessions.initiated == nil { startSession(with: link, now: now, catalog: catalog, into: &actions) }
        case let .closed(link):
            peers[link] = nil
            sessions.closed(link)
            dial(now: now, into: &actions)
        case let .received(link, message):
            guard peers[link] != nil else { break }
            receive(message, on: link, now: now, catalog: catalog, into: &actions)
        case let .entryChecked(id, bytes, from, verdict):
            checked(id, bytes: bytes, from: from, verdict: verdict, now: now, into: &actions)
        case let .declined(ids):
            remember(declined: ids)
        case let .publishedLocally(id):
            if let bytes = catalog.entryBytes(id) { forward(bytes, except: nil, into: &actions) }
        case .reconcileNow:
            for link in readyLinks where !sessions.isOpen(with: link) { startSession(with: link, now: now, catalog: catalog, into: &actions) }
        case .tick:
            tick(now: now, catalog: catalog, into: &actions)
            closeUnwanted(now: now, into: &actions)
            dial(now: now, into: &actions)
        case let .configured(targets, allowList):
            reconfigure(targets, allowList: allowList, into: &actions)
            dial(now: now, into: &actions)
        case let .peerAdded(target):
            directory.add(target)
            dial(now: now, into: &actions)
        case let .seek(nodes, until):
            var addresses: [NodeID: [String]] = [:]
            for node in nodes { if let state = holders.state(of: node), state.update.expires > wallTime { addresses[node] = state.update.addresses } }
            directory.want(nodes, until: until, addresses: addresses)
            wasWanted.formUnion(nodes.filter { directory.allows($0) })
            if wasWanted.count > Self.memory { wasWanted.removeAll() }
            dial(now: now, into: &actions)
        case let .dialEnded(target, outcome):
            directory.dialEnded(target, outcome, now: now, random: &random)
        case let .nodeAnnouncementChecked(announcement, from):
            guard let announcement, announcement.node != node, directory.learn(announcement, now: now) else { break }
            let senderNode = peers[from]?.node
            var targets = readyLinks.filter { $0 != from && peers[$0]?.node != senderNode && peers[$0]?.node != announcement.node }
            targets.shuffle(using: &random)
            for link in targets.prefix(settings.fanout) { actions.append(.send(link, .node(announcement: announcement.bytes))) }
        case let .peerIsFull(address):
            directory.backOff(address, now: now, random: &random)
        case let .holdingsChecked(update, from):
            holdingsChecked(update, from: from, now: now, into: &actions)
        }
        return actions
    }

    private mutating func tick(now: Duration, catalog: some CatalogReading, into actions: inout [NodeAction<Link>]) {
        for key in sessions.expire(now: now) {
            if let peer = peers[key.link] { actions.append(.reconciled(key.link, peer: peer.node, sent: 0, asked: 0)) }
        }
        if requested.count > Self.memory { requested = requested.filter { now - $0.value < NodeTimeouts.entryRequest } }
        if let pending = again, now >= pending.at {
            // Once the entries asked for have come (or timed out), the next session with the same peer starts.
            let waiting = !checking.isEmpty || requested.contains { now - $0.value < NodeTimeouts.entryRequest && !catalog.contains($0.key) }
            if peers[pending.link] == nil || sessions.initiated != nil {
                again = nil
            } else if waiting {
                again?.at = now + Self.repeatCheck
            } else {
                again = nil
                startSession(with: pending.link, now: now, catalog: catalog, into: &actions)
                return
            }
        }
        guard let due = nextAntiEntropy, now >= due else { return }
        nextAntiEntropy = now + settings.antiEntropyInterval
        let links = readyLinks
        guard sessions.initiated == nil, !links.isEmpty else { return }
        startSession(with: links[Int(random.next() % UInt64(links.count))], now: now, catalog: catalog, into: &actions)
    }

    /// Dials what the directory says is due.
    private mutating func dial(now: Duration, into actions: inout [NodeAction<Link>]) {
        let outbound = peers.values.filter(\.isOutbound)
        let due = directory.dueDials(now: now, connectedNodes: Set(peers.values.map(\.node)), connectedAddresses: Set(outbound.map(\.address)),
                                     outbound: outbound.count, random: &random)
        for target in due { actions.append(.dial(target)) }
    }

    /// Closes outbound connections made for a fetch once no fetch wants them and outbound connections are above
    /// the target (configured peers are kept).
    private mutating func closeUnwanted(now: Duration, into actions: inout [NodeAction<Link>]) {
        let configured = Set(directory.configured.map(\.address))
        var outbound = peers.filter(\.value.isOutbound).sorted { $0.value.order > $1.value.order }
        outbound.removeAll { configured.contains($0.value.address) || directory.isWanted($0.value.node, now: now) }
        var excess = peers.values.filter(\.isOutbound).count - settings.directory.targetOutbound
        for (link, peer) in outbound where excess > 0 && wasWanted.contains(peer.node) {
            actions.append(.disconnect(link, .normal, "no longer needed for a fetch"))
            wasWanted.remove(peer.node)
            excess -= 1
        }
        directory.expireWants(now: now)
    }

    /// Applies a new configuration: connections to peers no longer configured are closed, and so are
    /// connections to nodes no longer on the allow-list.
    private mutating func reconfigure(_ targets: [DialTarget], allowList: [NodeID]?, into actions: inout [NodeAction<Link>]) {
        let removed = Set(directory.configured.map(\.address)).subtracting(targets.map(\.address))
        directory.configure(peers: targets, allowList: allowList)
        for (link, peer) in peers.sorted(by: { $0.value.order < $1.value.order }) {
            if !directory.allows(peer.node) {
                actions.append(.disconnect(link, .notAllowed, "this node accepts only listed peers"))
            } else if peer.isOutbound && removed.contains(peer.address) {
                actions.append(.disconnect(link, .normal, "no longer a configured peer"))
            }
        }
    }

    private mutating func receive(_ message: Message, on link: Link, now: Duration, catalog: some CatalogReading,
                                  into actions: inout [NodeAction<Link>]) {
        switch message {
        case let .announce(bytes):
            guard var peer = peers[link] else { return }
            // The answer to this node's own session may bring a whole catalog; gossip from a peer is rate-limited.
            let inSession = sessions.initiated?.link == link && peer.sessionEntries < WireLimits.reconcileEntriesPerSession
            if inSession { peer.sessionEntries += 1 }
            let pushed = !inSession && peer.announces.take(now: now)
            peers[link] = peer
            let id = SHA256Hasher.hash(bytes)
            let wasAsked = requested[id] != nil
            // Over the rate and not asked for: dropped, no strike.
            guard inSession || pushed || wasAsked else { return }
            if catalog.contains(id) || checking[id] != nil || declined.contains(id) {
                // Asked for, but it came another way meanwhile: the request is answered all the same.
                if wasAsked && checking[id] == nil { requested[id] = nil }
                return
            }
            if inSession { peers[link]?.sessionNew += 1 }
            checking[id] = pushed && !wasAsked
            actions.append(.checkEntry(id, bytes: bytes, from: link))
        case let .reconcile(session, payload):
            reconcile(session: session, payload: payload, on: link, now: now, catalog: catalog, into: &actions)
        case let .getEntries(ids):
            // Up to the peer's budget; IDs beyond it are skipped as unknown ones are (no strike: it asks again later).
            for id in ids {
                guard let bytes = catalog.entryBytes(id) else { continue }
                guard peers[link]?.entriesServed.take(now: now) == true else { break }
                actions.append(.send(link, .announce(entry: bytes)))
            }
        case let .node(bytes):
            // Over the rate: dropped unread, no strike.
            guard peers[link]?.nodeAnnouncements.take(now: now) ?? false else { return }
            actions.append(.checkNodeAnnouncement(bytes, from: link))
        case .holdings, .getHoldings, .holdersReconcile:
            receiveHoldings(message, on: link, now: now, catalog: catalog, into: &actions)
        default:
            break
        }
    }

    private mutating func checked(_ id: ContentID, bytes: [UInt8], from: Link?, verdict: EntryCheck, now: Duration,
                                  into actions: inout [NodeAction<Link>]) {
        let isPush = checking.removeValue(forKey: id) ?? (from == nil)
        requested[id] = nil
        switch verdict {
        case .accepted:
            if isPush { forward(bytes, except: from, into: &actions) }
        case .rejected:
            if let from { strike(from, for: "catalog entries", now: now, into: &actions) }
        case .overBudget:
            remember(declined: [id])
        case .duplicate, .notStored, .revokedSigner:
            break
        }
    }

    /// Counts a strike against the node on `link`; at the limit, all its connections are closed.
    mutating func strike(_ link: Link, for what: String, now: Duration, into actions: inout [NodeAction<Link>]) {
        guard let peer = peers[link], strikes.strike(peer.node, now: now) else { return }
        let count = strikes.strikes(peer.node, now: now)
        for (other, connected) in peers where connected.node == peer.node {
            actions.append(.disconnect(other, .misbehaving, "sent \(count) invalid messages (lately \(what))"))
        }
    }

    /// Pushes `bytes` to up to `fanout` random ready peers, never to the sender's node.
    private mutating func forward(_ bytes: [UInt8], except sender: Link?, into actions: inout [NodeAction<Link>]) {
        let senderNode = sender.flatMap { peers[$0]?.node }
        var candidates = readyLinks.filter { $0 != sender && peers[$0]?.node != senderNode }
        candidates.shuffle(using: &random)
        for link in candidates.prefix(settings.fanout) { actions.append(.send(link, .announce(entry: bytes))) }
    }

    private mutating func remember(declined ids: [ContentID]) {
        if declined.count + ids.count > Self.memory { declined.removeAll() }
        declined.formUnion(ids)
    }

    // MARK: Reconciliation

    private mutating func startSession(with link: Link, now: Duration, catalog: some CatalogReading, into actions: inout [NodeAction<Link>]) {
        var id = UInt32(truncatingIfNeeded: random.next())
        while id == 0 || sessions.isOpen(ReconcileSessions<Link>.Key(link: link, id: id)) { id = UInt32(truncatingIfNeeded: random.next()) }
        sessions.begin(ReconcileSessions.Key(link: link, id: id), now: now)
        peers[link]?.sessionEntries = 0
        peers[link]?.sessionNew = 0
        actions.append(.send(link, .reconcile(session: id, payload: ReconcileCodec.encode(catalog.reconciler().initialMessage()))))
        startHoldersReconciliation(with: link, catalog: catalog, into: &actions)
    }

    /// "Skip everything": ends a session and is not answered.
    static var endOfSession: [UInt8] { ReconcileCodec.encode([ReconcileRange(upperBound: nil, mode: .skip)]) }

    private mutating func reconcile(session: UInt32, payload: [UInt8], on link: Link, now: Duration, catalog: some CatalogReading,
                                    into actions: inout [NodeAction<Link>]) {
        guard let peer = peers[link] else { return }
        let ranges: [ReconcileRange]
        do { ranges = try ReconcileCodec.decode(payload) } catch {
            actions.append(.disconnect(link, .protocolError, "\(error)"))
            return
        }
        let key = ReconcileSessions.Key(link: link, id: session)
        let isOwn = sessions.initiated == key
        if ranges.allSatisfy({ $0.mode == .skip }) {
            // The peer ended the session (or declined it).
            if let totals = sessions.finish(key) {
                if isOwn { ownSessionEnded(with: link, progressed: totals.asked > 0 || (peers[link]?.sessionNew ?? 0) > 0, now: now) }
                actions.append(.reconciled(link, peer: peer.node, sent: totals.sent, asked: totals.asked))
            }
            return
        }
        switch sessions.admit(key, now: now, yields: node > peer.node) {
        case .decline:
            actions.append(.send(link, .reconcile(session: session, payload: Self.endOfSession)))
            return
        case .overCap:
            actions.append(.send(link, .reconcile(session: session, payload: Self.endOfSession)))
            actions.append(.reconciled(link, peer: peer.node, sent: 0, asked: 0))
            // Cut short by the message cap: there is more to reconcile.
            if isOwn { ownSessionEnded(with: link, progressed: true, now: now) }
            return
        case .proceed:
            break
        }
        let answer = catalog.reconciler().respond(to: ranges)
        // Entries first, then the reply: the peer's session is still open while they arrive. At most
        // `reconcileAnswerBytes` of them: the rest come with the peer's next session.
        var budget = WireLimits.reconcileAnswerBytes
        var sent = 0
        for id in answer.have {
            guard let bytes = catalog.entryBytes(id) else { continue }
            if bytes.count > budget { break }
            budget -= bytes.count
            sent += 1
            actions.append(.send(link, .announce(entry: bytes)))
        }
        actions.append(.send(link, .reconcile(session: session, payload: answer.reply.map(ReconcileCodec.encode) ?? Self.endOfSession)))
        // Entries declined here are not asked for again; one asked of another peer lately is not asked twice.
        let need = answer.need.filter { id in
            !declined.contains(id) && checking[id] == nil && !(requested[id].map { now - $0 < NodeTimeouts.entryRequest } ?? false)
        }
        for id in need { requested[id] = now }
        for start in stride(from: 0, to: need.count, by: WireLimits.maximumEntriesPerRequest) {
            actions.append(.send(link, .getEntries(ids: Array(need[start..<min(start + WireLimits.maximumEntriesPerRequest, need.count)]))))
        }
        sessions.record(key, sent: sent, asked: need.count)
        if answer.reply == nil, let totals = sessions.finish(key) {
            if isOwn { ownSessionEnded(with: link, progressed: totals.asked > 0 || (peers[link]?.sessionNew ?? 0) > 0, now: now) }
            actions.append(.reconciled(link, peer: peer.node, sent: totals.sent, asked: totals.asked))
        }
    }

    /// This node's session with `link` ended. If it brought or asked for entries, the catalogs may still differ
    /// (a session carries at most `reconcileEntriesPerSession` entries in `reconcileMessagesPerSession` messages):
    /// the next one starts as soon as the entries asked for have come, not an interval later.
    private mutating func ownSessionEnded(with link: Link, progressed: Bool, now: Duration) {
        guard progressed, repeats < Self.maximumRepeats else {
            repeats = 0
            return
        }
        repeats += 1
        again = (link, now + Self.repeatCheck)
    }
}
