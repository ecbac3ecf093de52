// NetworkSimulation.swift: AllmendeNode. Many real NodeCores on a virtual network and clock: per-link latency,
// bandwidth and loss, partitions, nodes leaving and joining. Deterministic for a given seed. Pure.

import AllmendeCrypto
import AllmendeWire

/// How the simulated network behaves.
public struct NetworkSettings: Sendable {
    /// One-way delay of every link.
    public var latency: Duration = .milliseconds(100)
    /// Bytes a link carries per second in each direction (messages queue behind each other, in order).
    public var bytesPerSecond: Double = 12_500_000
    /// Probability that a message is lost (dropped, not retransmitted: harsher than TCP).
    public var loss = 0.0
    /// The settings every node's core runs with.
    public var core = NodeCore<Int>.Settings()
    /// Nodes announce themselves on every connection (signed node announcements, forwarded and exchanged as the
    /// daemon does) and the dials their cores ask for are made; without it the topology stays as the scenario set it.
    public var discovery = false
    /// Dials the cores ask for are made (nil: only with `discovery`): holders dialled for a fetch without
    /// node announcements flooding.
    public var dialing: Bool?
    public var seed: UInt64 = 1
    public init() {}
}

/// A network of simulated nodes, each running a real `NodeCore` over a `SimulatedCatalog`.
public final class NetworkSimulation {
    enum Event: Sendable {
        case deliver(from: Int, to: Int, Message)
        case tick(Int)
        case connect(dialer: Int, listener: Int)
        case leave(Int)
        case rejoin(Int)
        case publish(Int, ContentID)
        case partition([UInt8]?)
        case forge(Int, ContentID)
        case dialFailed(Int, DialTarget)
        case holdings(Int, Set<ContentID>)
        case seek(Int, ContentID)
    }

    struct Node {
        let id: NodeID
        var core: NodeCore<Int>
        var catalog: SimulatedCatalog
        var isOnline = true
        /// Connected peers, and whether this side dialled.
        var links: [Int: Bool] = [:]
        var tickAt: Duration?
        var bytesIn = 0
        var bytesOut = 0
        var restarts = 0
    }

    public let settings: NetworkSettings
    public let universe: EntryUniverse
    public let reconcilers = ReconcilerCache()
    /// What every node starts with.
    public let shared: SharedEntries
    let empty = SharedEntries([])
    var nodes: [Node] = []
    /// Simulated node by node ID.
    var index: [NodeID: Int] = [:]
    /// Bytes of holder messages (holdings, get-holdings, holders-reconcile) sent, lost ones included.
    public internal(set) var holderBytes = 0
    /// The links each node dials (kept across restarts).
    var dials: [[Int]] = []
    var queue = EventQueue<Event>()
    var busyUntil: [Int: Duration] = [:]
    var side: [UInt8]?
    var random: SplitMix64
    /// The current virtual time.
    public private(set) var now: Duration = .zero
    /// Holder states sent so far, by the short key that stands for their bytes (`register`).
    var holdingsSent: [[UInt8]: HolderUpdate] = [:]
    /// Each node's own holdings: its last state and set.
    var ownHoldings: [Int: (seq: UInt64, ids: Set<ContentID>)] = [:]
    /// Wall-clock seconds at virtual time zero (holder states expire by wall time).
    public static let epoch: Int64 = 1_800_000_000
    var wallTime: Int64 { Self.epoch + now.components.seconds }
    /// Node announcements made so far, by their bytes (discovery).
    var announcements: [[UInt8]: VerifiedAnnouncement] = [:]

    /// `node`'s announcement signed now (whole seconds, as the daemon signs one for each new connection).
    func announcement(of node: Int) -> [UInt8] {
        let time = Int64(now.components.seconds)
        let bytes = Array(("{\"addresses\": [\"sim:\(node)\"], \"node\": \"\(nodes[node].id.text)\", \"schema\": \"allmende/node/1\", "
                           + "\"signature\": \"\(String(repeating: "0", count: 128))\", \"time\": \"\(time)\"}").utf8)
        if announcements[bytes] == nil {
            announcements[bytes] = VerifiedAnnouncement(node: nodes[node].id, addresses: ["sim:\(node)"], time: time, bytes: bytes)
        }
        return bytes
    }
    /// Messages and bytes sent (lost ones included), and reconciliation sessions ended.
    public internal(set) var messages = 0
    public internal(set) var bytes = 0
    public internal(set) var sessionsEnded = 0
    /// Node-announcement messages delivered, and their bytes.
    public internal(set) var nodeMessages = 0
    public internal(set) var nodeBytes = 0
    /// Entries published during the run, and how many nodes hold each.
    public internal(set) var holders: [ContentID: Int] = [:]
    /// How often a node received an `announce` of each entry published during the run (duplicates included).
    public internal(set) var receptions: [ContentID: Int] = [:]

    /// A network of `nodeCount` nodes that all hold `sharedEntries` entries of `entryBytes` bytes each.
    public init(nodeCount: Int, sharedEntries: Int = 0, entryBytes: Int = 1200, settings: NetworkSettings = NetworkSettings()) {
        var settings = settings
        // Holder states are shared by every simulated node that keeps them.
        if settings.core.holders.pool == nil { settings.core.holders.pool = HolderStatePool() }
        self.settings = settings
        random = SplitMix64(seed: settings.seed)
        let universe = EntryUniverse(seed: settings.seed &+ 0x5EED)
        self.universe = universe
        shared = SharedEntries((0..<sharedEntries).map { _ in universe.makeEntry(size: entryBytes).id })
        for _ in 0..<nodeCount { _ = addNode(base: shared) }
    }

    public var nodeCount: Int { nodes.count }
    public var onlineCount: Int { nodes.filter(\.isOnline).count }
    public func catalog(of node: Int) -> SimulatedCatalog { nodes[node].catalog }
    public func isOnline(_ node: Int) -> Bool { nodes[node].isOnline }
    public func bytesReceived(by node: Int) -> Int { nodes[node].bytesIn }
    public func links(of node: Int) -> [Int] { nodes[node].links.keys.sorted() }
    /// Outbound connections of `node`.
    public func outboundCount(of node: Int) -> Int { nodes[node].links.values.filter { $0 }.count }
    /// True if `node` could dial `other` now: connected already, or its address book has `other`'s address.
    public func canReach(_ node: Int, _ other: Int) -> Bool {
        nodes[node].links[other] != nil || !nodes[node].core.directory.addresses(of: nodes[other].id).isEmpty
    }
    /// Nodes in `node`'s address book.
    public func addressBookCount(of node: Int) -> Int { nodes[node].core.directory.knownNodes.count }

    /// Node `dialer` connects to `listener` at `time` (and again after each restart of `dialer` or `listener`).
    public func link(_ dialer: Int, to listener: Int, at time: Duration? = nil) {
        guard dialer != listener, !dials[dialer].contains(listener), !dials[listener].contains(dialer) else { return }
        dials[dialer].append(listener)
        queue.push(.connect(dialer: dialer, listener: listener), at: time ?? now)
    }

    /// Each node from `start` on dials `dials` distinct random earlier (or, for the first ones, any) nodes.
    public func connectRandomly(dials range: ClosedRange<Int>, from start: Int = 0) {
        for node in start..<nodes.count {
            let wanted = range.lowerBound + Int(random.next() % UInt64(range.count))
            let pool = node > wanted ? node : nodes.count
            var chosen = 0
            var attempts = 0
            while chosen < wanted && attempts < 100 * wanted {
                attempts += 1
                let other = Int(random.next() % UInt64(pool))
                if other != node && !dials[node].contains(other) && !dials[other].contains(node) {
                    link(node, to: other)
                    chosen += 1
                }
            }
        }
    }

    /// Adds a node with an empty catalog (a new lab) that dials `dials` random online nodes at `time`.
    @discardableResult
    public func join(dials count: Int, at time: Duration) -> Int {
        let node = addNode(base: empty)
        var targets: Set<Int> = []
        let online = nodes.indices.filter { nodes[$0].isOnline && $0 != node }
        while targets.count < min(count, online.count) { targets.insert(online[Int(random.next() % UInt64(online.count))]) }
        for target in targets.sorted() { link(node, to: target, at: time) }
        return node
    }

    /// Publishes a new entry at `node` at `time`; returns its ID.
    @discardableResult
    public func publish(at node: Int, time: Duration, size: Int = 1200) -> ContentID {
        let id = universe.makeEntry(size: size).id
        holders[id] = 0
        receptions[id] = 0
        queue.push(.publish(node, id), at: time)
        return id
    }

    /// At `time`, `node` announces `count` forged entries (that fail every check) to each of its peers, as a
    /// liar would; returns their IDs.
    @discardableResult
    public func announceForged(from node: Int, count: Int, at time: Duration) -> [ContentID] {
        (0..<count).map { _ in
            let id = universe.makeEntry(size: 600, isForged: true).id
            queue.push(.forge(node, id), at: time)
            return id
        }
    }

    /// Between `start` and `end` no message crosses between `group` and the other nodes (connections stay up).
    public func partition(_ group: Set<Int>, from start: Duration, until end: Duration) {
        queue.push(.partition(nodes.indices.map { group.contains($0) ? 1 : 0 }), at: start)
        queue.push(.partition(nil), at: end)
    }

    /// `node` stops at `time` (its connections close) and starts again `downtime` later with its catalog and a
    /// fresh core (a restart), dialling what it dialled before; the nodes that dialled it dial it again.
    public func restart(_ node: Int, at time: Duration, downtime: Duration) {
        queue.push(.leave(node), at: time)
        queue.push(.rejoin(node), at: time + downtime)
    }

    /// Runs until virtual time `end` (or until nothing is left to happen).
    public func run(until end: Duration) {
        while let next = queue.nextTime, next <= end, let (time, event) = queue.pop() {
            now = time
            handle(event)
        }
        now = max(now, end)
    }

    /// Nodes holding every entry published so far (and the shared ones).
    public func nodesWithFullCatalog() -> Int {
        nodes.indices.filter { hasFullCatalog($0) }.count
    }

    public func hasFullCatalog(_ node: Int) -> Bool {
        let catalog = nodes[node].catalog
        return holders.keys.allSatisfy(catalog.contains) && (catalog.base === shared || shared.ids.allSatisfy(catalog.contains))
    }

    private func addNode(base: SharedEntries) -> Int {
        let index = nodes.count
        let id = Self.nodeID(seed: settings.seed, index: index)
        nodes.append(Node(id: id, core: NodeCore(node: id, settings: settings.core, seed: settings.seed &* 31 &+ UInt64(index)),
                          catalog: SimulatedCatalog(base: base, universe: universe, cache: reconcilers)))
        dials.append([])
        self.index[id] = index
        return index
    }

    /// A deterministic node ID per (seed, index): the public key of a key derived from them.
    static func nodeID(seed: UInt64, index: Int) -> NodeID {
        var generator = SplitMix64(seed: seed ^ (UInt64(index) &* 0x9E37_79B9))
        let keySeed = (0..<4).flatMap { _ in withUnsafeBytes(of: generator.next()) { Array($0) } }
        // An Ed25519 seed of 32 bytes always makes a key.
        guard let key = try? Ed25519PrivateKey(rawRepresentation: keySeed) else { preconditionFailure("Ed25519 key from a 32-byte seed") }
        return NodeID(publicKey: key.publicKey)
    }
}
