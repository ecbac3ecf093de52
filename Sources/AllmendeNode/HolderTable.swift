// HolderTable.swift: AllmendeNode. Which nodes hold which packages: the newest inventory state of each node,
// applied whole or as a change and checked against its signed digest, expired by its signed time. Pure.
// Spec: Protocol/holders.md.

import AllmendeCrypto

/// A node's signed inventory state (the signature already checked by the executor) with the IDs it carried.
public struct HolderUpdate: Equatable, Sendable {
    public let node: NodeID
    public let seq: UInt64
    /// Seconds since the epoch, as signed.
    public let time: Int64
    public let expires: Int64
    public let count: Int
    public let digest: ContentID
    /// The state's 64-byte signature, to pass the state on.
    public let signature: [UInt8]
    /// 0: `added` is the whole set; else the seq of the node's previous state, which the change applies to.
    public let base: UInt64
    public let added: [ContentID]
    public let removed: [ContentID]

    public init(node: NodeID, seq: UInt64, time: Int64, expires: Int64, count: Int, digest: ContentID, signature: [UInt8],
                base: UInt64, added: [ContentID], removed: [ContentID]) {
        self.node = node
        self.seq = seq
        self.time = time
        self.expires = expires
        self.count = count
        self.digest = digest
        self.signature = signature
        self.base = base
        self.added = added
        self.removed = removed
    }

    /// The same state carrying the whole (sorted) set.
    func whole(_ ids: [ContentID]) -> HolderUpdate {
        HolderUpdate(node: node, seq: seq, time: time, expires: expires, count: count, digest: digest, signature: signature,
                     base: 0, added: ids, removed: [])
    }

    /// The ID a state has in reconciliation: the node ID's first 24 bytes, then the sequence number (big-endian),
    /// so the states of one node sort together and the ID says whose state it is and how new.
    public var stateID: ContentID { HolderTable.stateID(node: node, seq: seq) }
}

/// The newest state of every node's inventory that this node has checked, bounded in nodes and (package, node)
/// pairs; answers "who holds package P" freshest first.
public struct HolderTable: Sendable {
    public struct Settings: Sendable {
        /// Holders reported (and dialled) per package, freshest first.
        public var holdersPerPackage = 32
        /// Nodes whose inventory is kept.
        public var maximumNodes = 20_000
        /// (package, node) pairs kept over all nodes: 32 bytes each.
        public var maximumPairs = 1_000_000
        public init() {}
    }

    /// What applying an update came to.
    public enum Outcome: Equatable, Sendable {
        /// The node's new state, and whether its set changed (false: a renewal).
        case applied(changed: Bool)
        /// As new or older than the state kept, or expired.
        case stale
        /// A change whose base state is not the one kept: ask the sender for the whole state.
        case needsBase
        /// The lists do not give the signed count and digest (the sender altered them, or the node lied).
        case mismatch
        /// The table is full: a node not yet known is not taken (known nodes keep their place).
        case full
    }

    struct Holder: Sendable {
        var update: HolderUpdate
        /// The sorted set.
        var ids: [ContentID]
    }

    public let settings: Settings
    private var holders: [NodeID: Holder] = [:]
    /// Node by the first 24 bytes of its ID (what a state ID names).
    private var byPrefix: [ContentID: NodeID] = [:]
    public private(set) var pairs = 0

    public init(settings: Settings = Settings()) { self.settings = settings }

    public var nodeCount: Int { holders.count }

    /// The reconciliation ID of a node's state.
    public static func stateID(node: NodeID, seq: UInt64) -> ContentID {
        var bytes = Array(node.publicKey.rawRepresentation.prefix(24))
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seq >> UInt64(shift))) }
        return ContentID(digest: bytes)
    }

    private static func prefixKey(_ id: ContentID) -> ContentID { ContentID(digest: Array(id.bytes.prefix(24)) + [UInt8](repeating: 0, count: 8)) }
    private static func prefixKey(_ node: NodeID) -> ContentID { prefixKey(stateID(node: node, seq: 0)) }

    /// The state kept for `node` (any time: callers filter by expiry).
    public func state(of node: NodeID) -> (update: HolderUpdate, ids: [ContentID])? {
        holders[node].map { ($0.update, $0.ids) }
    }

    /// The node a state ID names, if its state is kept, with the state whole.
    public func whole(named stateID: ContentID) -> HolderUpdate? {
        guard let node = byPrefix[Self.prefixKey(stateID)], let holder = holders[node] else { return nil }
        return holder.update.whole(holder.ids)
    }

    /// The sequence number kept for the node a state ID names.
    public func seq(named stateID: ContentID) -> UInt64? {
        byPrefix[Self.prefixKey(stateID)].flatMap { holders[$0]?.update.seq }
    }

    /// The state IDs of every unexpired state, for reconciliation.
    public func stateIDs(now: Int64) -> [ContentID] {
        holders.values.filter { $0.update.expires > now }.map(\.update.stateID)
    }

    /// Applies a checked update at wall time `now` (seconds since the epoch).
    public mutating func apply(_ update: HolderUpdate, now: Int64) -> Outcome {
        guard update.expires > now else { return .stale }
        let kept = holders[update.node]
        if let kept, kept.update.seq >= update.seq { return .stale }
        var set: [ContentID]
        if update.base == 0 {
            set = update.added
            guard zip(set, set.dropFirst()).allSatisfy({ $0 < $1 }) else { return .mismatch }
        } else {
            guard let kept, kept.update.seq == update.base, kept.update.expires > now else { return .needsBase }
            var ids = Set(kept.ids)
            for id in update.removed { guard ids.remove(id) != nil else { return .mismatch } }
            for id in update.added { guard ids.insert(id).inserted else { return .mismatch } }
            set = ids.sorted()
        }
        guard set.count == update.count, ContentID.setDigest(set) == update.digest else { return .mismatch }
        let freed = kept?.ids.count ?? 0
        if pairs - freed + set.count > settings.maximumPairs || (kept == nil && holders.count >= settings.maximumNodes) {
            expire(now: now)
            if pairs - (holders[update.node]?.ids.count ?? 0) + set.count > settings.maximumPairs
                || (holders[update.node] == nil && holders.count >= settings.maximumNodes) { return .full }
        }
        let changed = kept.map { $0.ids != set || $0.update.expires <= now } ?? true
        pairs += set.count - (holders[update.node]?.ids.count ?? 0)
        holders[update.node] = Holder(update: update.whole([]), ids: set)
        byPrefix[Self.prefixKey(update.node)] = update.node
        return .applied(changed: changed)
    }

    /// Every unexpired state, whole, for saving (`HolderTableCodec`).
    public func states(now: Int64) -> [HolderUpdate] {
        holders.values.filter { $0.update.expires > now }.map { $0.update.whole($0.ids) }.sorted { $0.node < $1.node }
    }

    /// Forgets every state that expired by `now`.
    public mutating func expire(now: Int64) {
        for (node, holder) in holders where holder.update.expires <= now {
            pairs -= holder.ids.count
            holders[node] = nil
            byPrefix[Self.prefixKey(node)] = nil
        }
    }

    /// Unexpired holders of `package`, freshest state first, at most `holdersPerPackage`.
    public func holders(of package: ContentID, now: Int64) -> [(node: NodeID, time: Int64, expires: Int64)] {
        var found: [(node: NodeID, time: Int64, expires: Int64)] = []
        for (node, holder) in holders where holder.update.expires > now && Self.contains(holder.ids, package) {
            found.append((node, holder.update.time, holder.update.expires))
        }
        found.sort { $0.time != $1.time ? $0.time > $1.time : $0.node < $1.node }
        return Array(found.prefix(settings.holdersPerPackage))
    }

    /// How many unexpired holders `package` has (capped like `holders(of:)`).
    public func holderCount(of package: ContentID, now: Int64) -> Int {
        min(holders.values.reduce(0) { $0 + ($1.update.expires > now && Self.contains($1.ids, package) ? 1 : 0) }, settings.holdersPerPackage)
    }

    /// Unexpired holders per package (capped like `holders(of:)`), for every package some node holds.
    public func holderCounts(now: Int64) -> [ContentID: Int] {
        var counts: [ContentID: Int] = [:]
        for holder in holders.values where holder.update.expires > now {
            for id in holder.ids { counts[id, default: 0] += 1 }
        }
        return counts.mapValues { min($0, settings.holdersPerPackage) }
    }

    static func contains(_ sorted: [ContentID], _ id: ContentID) -> Bool {
        var low = 0, high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] < id { low = middle + 1 } else { high = middle }
        }
        return low < sorted.count && sorted[low] == id
    }
}
