// PeerDirectory.swift: AllmendeNode. Whom to dial: configured peers, the address book learned from node
// announcements, the outbound target, back-off after failures, the allow-list. Pure: time and randomness are
// passed in. Spec: Protocol/wire.md "Peer discovery".

import AllmendeCrypto

/// An address to dial, with the node expected there if it is known.
public struct DialTarget: Hashable, Sendable {
    public let address: String
    public let node: NodeID?
    public init(address: String, node: NodeID?) {
        self.address = address
        self.node = node
    }
}

/// How a dial ended.
public enum DialOutcome: Equatable, Sendable {
    case connected
    case failed
    /// The address cannot be dialled at all (malformed): it is not tried again for an hour.
    case unusable
}

/// A node announcement the executor has verified (signature, time at most 5 minutes ahead).
public struct VerifiedAnnouncement: Equatable, Sendable {
    public let node: NodeID
    public let addresses: [String]
    /// Seconds since the epoch, as signed.
    public let time: Int64
    /// The announcement's bytes (forwarded as they are) and their hash (the seen-set key).
    public let bytes: [UInt8]
    public let hash: ContentID
    public init(node: NodeID, addresses: [String], time: Int64, bytes: [UInt8]) {
        self.node = node
        self.addresses = addresses
        self.time = time
        self.bytes = bytes
        hash = SHA256Hasher.hash(bytes)
    }
}

/// The dialling side of a node: which configured and discovered peers to dial now, and when to try again.
public struct PeerDirectory: Sendable {
    public struct Settings: Sendable {
        /// Outbound connections to keep, topped up from the address book.
        public var targetOutbound = 8
        /// Longest wait between dial attempts to an unreachable address.
        public var maximumBackoff: Duration = .seconds(60)
        /// Most nodes kept in the address book (the oldest announcement goes first).
        public var addressBookSize = 1000
        public init() {}
    }

    public let settings: Settings
    public private(set) var configured: [DialTarget] = []
    public private(set) var allowList: Set<NodeID>?
    private var book: [NodeID: VerifiedAnnouncement] = [:]
    private var seen = AnnouncementSeenSet<ContentID>()
    private var backoff: [String: (failures: Int, next: Duration)] = [:]
    private var dialing: Set<String> = []
    /// Nodes wanted now (holders of a package being fetched), until when.
    private var wanted: [NodeID: Duration] = [:]
    /// Where wanted nodes said they listen in their signed holdings, for those the address book does not know.
    private var wantedAddresses: [NodeID: [String]] = [:]

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// The nodes in the address book.
    public var knownNodes: [NodeID] { book.keys.sorted() }
    /// True if a dial to `address` is under way.
    public func isDialing(_ address: String) -> Bool { dialing.contains(address) }

    /// How long until `address` is tried again (nil: not backing off).
    public func retryIn(_ address: String, now: Duration) -> Duration? {
        backoff[address].map { $0.next > now ? $0.next - now : .zero }
    }

    /// New configuration: the peers to keep dialled and the allow-list. Configured addresses are tried at once.
    public mutating func configure(peers: [DialTarget], allowList: [NodeID]?) {
        configured = peers
        self.allowList = allowList.map(Set.init)
        for peer in peers { backoff[peer.address] = nil }
    }

    /// Adds one configured peer (tried at once).
    public mutating func add(_ peer: DialTarget) {
        if !configured.contains(peer) { configured.append(peer) }
        backoff[peer.address] = nil
    }

    /// True if `node` may be connected to.
    public func allows(_ node: NodeID) -> Bool { allowList?.contains(node) ?? true }

    /// The address book's addresses for `node` (empty if it is not known).
    public func addresses(of node: NodeID) -> [String] { book[node]?.addresses ?? [] }

    /// Up to `count` announcements from the book chosen at random, none of `excluded` (to tell a new peer: over
    /// many connections, random samples spread every address, where the freshest few would repeat).
    public func sample(_ count: Int, excluding excluded: Set<NodeID>, random: inout SplitMix64) -> [VerifiedAnnouncement] {
        var candidates = book.values.filter { !excluded.contains($0.node) }.sorted { $0.node < $1.node }
        candidates.shuffle(using: &random)
        return Array(candidates.prefix(count))
    }

    /// Wants connections to `nodes` until `until` (beyond the outbound target): dialled at the addresses the book
    /// knows, else at those given (from the nodes' signed holdings), at once even if they failed before.
    public mutating func want(_ nodes: [NodeID], until: Duration, addresses: [NodeID: [String]] = [:]) {
        for node in nodes where allows(node) {
            let isNew = wanted[node] == nil
            wanted[node] = max(wanted[node] ?? until, until)
            if let given = addresses[node], !given.isEmpty { wantedAddresses[node] = given }
            // Somebody waits for this node now: an address that failed earlier is tried again at once.
            if isNew { for address in dialAddresses(of: node) { backoff[address] = nil } }
        }
    }

    /// Addresses to dial `node` at: the book's, else those its holdings gave.
    public func dialAddresses(of node: NodeID) -> [String] { book[node]?.addresses ?? wantedAddresses[node] ?? [] }

    /// True if `node` is wanted at `now`.
    public func isWanted(_ node: NodeID, now: Duration) -> Bool { wanted[node].map { $0 > now } ?? false }

    /// Forgets wants that ended before `now`.
    public mutating func expireWants(now: Duration) {
        wanted = wanted.filter { $0.value > now }
        wantedAddresses = wantedAddresses.filter { wanted[$0.key] != nil }
    }

    /// The dials to start now: every configured peer not connected, every wanted node the book knows, then
    /// discovered nodes until outbound connections (plus dials under way) reach the target — none that is
    /// backing off or being dialled.
    public mutating func dueDials(now: Duration, connectedNodes: Set<NodeID>, connectedAddresses: Set<String>, outbound: Int,
                                  random: inout SplitMix64) -> [DialTarget] {
        func isDue(_ target: DialTarget) -> Bool {
            if let node = target.node, connectedNodes.contains(node) { return false }
            if connectedAddresses.contains(target.address) || dialing.contains(target.address) { return false }
            return backoff[target.address].map { $0.next <= now } ?? true
        }
        var due = configured.filter(isDue)
        for (node, until) in wanted.sorted(by: { $0.key < $1.key }) where until > now {
            // Each of a wanted node's addresses in turn: the first that is due.
            if let target = dialAddresses(of: node).map({ DialTarget(address: $0, node: node) }).first(where: isDue), !due.contains(target) {
                due.append(target)
            }
        }
        let missing = settings.targetOutbound - outbound - dialing.count - due.count
        if missing > 0 {
            var discovered = book.values.filter { !connectedNodes.contains($0.node) && allows($0.node) }
                .sorted { $0.node < $1.node }
                .compactMap { announcement in announcement.addresses.first.map { DialTarget(address: $0, node: announcement.node) } }
                .filter { isDue($0) && !due.contains($0) }
            discovered.shuffle(using: &random)
            due += discovered.prefix(missing)
        }
        for target in due { dialing.insert(target.address) }
        return due
    }

    /// The node at `address` refused this node for now (it is full): wait before dialling it again, as after a
    /// failed dial.
    public mutating func backOff(_ address: String, now: Duration, random: inout SplitMix64) {
        let failures = (backoff[address]?.failures ?? 0) + 1
        let base = min(settings.maximumBackoff, .milliseconds(500) * (1 << min(failures, 10)))
        let jitter = 0.5 + Double(random.next() % 1024) / 2048
        backoff[address] = (failures, now + base * jitter)
    }

    /// A dial ended: back-off doubles from 1 s up to the maximum (with jitter) while an address keeps failing.
    /// Reports for an address not being dialled are ignored (a dial ends once).
    public mutating func dialEnded(_ target: DialTarget, _ outcome: DialOutcome, now: Duration, random: inout SplitMix64) {
        guard dialing.remove(target.address) != nil else { return }
        switch outcome {
        case .connected:
            backoff[target.address] = nil
        case .unusable:
            backoff[target.address] = (99, now + .seconds(3600))
        case .failed:
            backOff(target.address, now: now, random: &random)
        }
    }

    /// Takes in a verified announcement; true if it is new (forward it), false if seen before or older than
    /// what the book holds. Whether it is new is decided by a seen-set apart from the book, so one the full
    /// book dropped is not forwarded again.
    public mutating func learn(_ announcement: VerifiedAnnouncement, now: Duration) -> Bool {
        guard seen.insert(announcement.hash, now: now) else { return false }
        if let known = book[announcement.node], known.time >= announcement.time { return false }
        book[announcement.node] = announcement
        if book.count > settings.addressBookSize, let oldest = book.values.min(by: { ($0.time, $0.node) < ($1.time, $1.node) }) {
            book[oldest.node] = nil
        }
        return true
    }
}
