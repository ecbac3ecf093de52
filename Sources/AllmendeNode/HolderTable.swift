// HolderTable.swift: AllmendeNode. Which nodes hold which packages: the newest inventory state of each node,
// applied whole or as a change and checked against its signed digest, expired by its signed time. Pure.
// Spec: Protocol/holders.md.

import AllmendeCrypto

/// The lab a holder signs for, from the delegation its whole holdings carry (checked by the executor).
public struct HolderLab: Equatable, Sendable {
    public let identity: NodeID
    /// The delegation's label, e.g. "Fab Lab Berlin, workshop node".
    public let label: String?
    /// The delegation's canonical JSON, to pass it on with the whole state.
    public let delegation: [UInt8]

    public init(identity: NodeID, label: String?, delegation: [UInt8]) {
        self.identity = identity
        self.label = label
        self.delegation = delegation
    }
}

/// A node's signed inventory state (the signature already checked by the executor) with the IDs it carried.
/// A class: one state is shared by every table that keeps it (a simulation of 10,000 nodes holds it once).
public final class HolderUpdate: Equatable, Sendable {
    public let node: NodeID
    /// Where the holder listens (signed with the state): a fetcher dials it there.
    public let addresses: [String]
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
    /// The lab the holder signs for (whole states only; a table keeps it across changes).
    public let lab: HolderLab?

    public init(node: NodeID, addresses: [String] = [], seq: UInt64, time: Int64, expires: Int64, count: Int, digest: ContentID,
                signature: [UInt8], base: UInt64, added: [ContentID], removed: [ContentID], lab: HolderLab? = nil) {
        self.lab = lab
        self.node = node
        self.addresses = addresses
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

    public static func == (lhs: HolderUpdate, rhs: HolderUpdate) -> Bool {
        lhs.node == rhs.node && lhs.addresses == rhs.addresses && lhs.seq == rhs.seq && lhs.time == rhs.time && lhs.expires == rhs.expires && lhs.count == rhs.count
            && lhs.digest == rhs.digest && lhs.signature == rhs.signature && lhs.base == rhs.base && lhs.added == rhs.added && lhs.removed == rhs.removed && lhs.lab == rhs.lab
    }

    /// The same state carrying the whole (sorted) set, and `lab` (by default its own).
    public func whole(_ ids: [ContentID], lab: HolderLab?? = nil) -> HolderUpdate {
        HolderUpdate(node: node, addresses: addresses, seq: seq, time: time, expires: expires, count: count, digest: digest, signature: signature,
                     base: 0, added: ids, removed: [], lab: lab ?? self.lab)
    }

    /// The same state as a change from the state `base` whose set was `previous` (both sorted).
    func change(from base: UInt64, _ previous: [ContentID], to current: [ContentID]) -> HolderUpdate {
        let before = Set(previous), after = Set(current)
        return HolderUpdate(node: node, addresses: addresses, seq: seq, time: time, expires: expires, count: count, digest: digest, signature: signature,
                            base: base, added: current.filter { !before.contains($0) }, removed: previous.filter { !after.contains($0) })
    }

    /// The ID a state has in reconciliation: the node ID's first 24 bytes, then the sequence number (big-endian),
    /// so the states of one node sort together and the ID says whose state it is and how new.
    public var stateID: ContentID { HolderTable.stateID(node: node, seq: seq) }
}

/// Whole states shared between tables (a simulation passes one pool to every node, so a state that thousands of
/// nodes keep exists once). The daemon uses none.
public final class HolderStatePool: @unchecked Sendable {
    // @unchecked: a simulation runs on one thread.
    private var states: [ContentID: HolderUpdate] = [:]
    public init() {}

    func whole(of update: HolderUpdate, ids: [ContentID], lab: HolderLab?) -> HolderUpdate {
        let key = update.stateID
        if let kept = states[key], kept.digest == update.digest, kept.signature == update.signature, kept.addresses == update.addresses,
           kept.lab == lab { return kept }
        let whole = update.whole(ids, lab: .some(lab))
        states[key] = whole
        return whole
    }
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
        /// Where whole states are shared (simulations); nil: each table keeps its own.
        public var pool: HolderStatePool?
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
        /// The state, whole (`added` is the sorted set).
        var state: HolderUpdate
        /// The state before it (whole), to send a peer that still has that one a change instead of the whole set.
        var previous: HolderUpdate?
    }

    public let settings: Settings
    /// Holders by the first 24 bytes of their node ID (what a state ID names), in 256 buckets by the first byte,
    /// so a copy of a table (a simulation starts every node from one) shares all but the buckets it changed.
    private var buckets: [[ContentID: Holder]] = Array(repeating: [:], count: 256)
    public private(set) var pairs = 0
    public private(set) var nodeCount = 0
    /// XOR of the SHA-256 of each state ID kept: with the count, a key for caching a reconciler over them.
    public private(set) var stateSum = ContentID(digest: [UInt8](repeating: 0, count: 32))
    /// The earliest `expires` of the states kept (at most that: replaced states may have expired later).
    private var nextExpiry = Int64.max

    public init(settings: Settings = Settings()) { self.settings = settings }

    /// The reconciliation ID of a node's state.
    public static func stateID(node: NodeID, seq: UInt64) -> ContentID {
        stateID(key: ContentID(digest: Array(node.publicKey.rawRepresentation.prefix(24)) + [UInt8](repeating: 0, count: 8)), seq: seq)
    }

    /// The state ID with the node part of `key` and `seq`.
    static func stateID(key: ContentID, seq: UInt64) -> ContentID {
        var bytes = Array(key.bytes.prefix(24))
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seq >> UInt64(shift))) }
        return ContentID(digest: bytes)
    }

    /// The seq a state ID carries.
    public static func seq(of stateID: ContentID) -> UInt64 { stateID.bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    /// The key of the node a state ID names (its first 24 bytes).
    static func key(_ id: ContentID) -> ContentID { ContentID(digest: Array(id.bytes.prefix(24)) + [UInt8](repeating: 0, count: 8)) }
    private static func key(_ node: NodeID) -> ContentID { key(stateID(node: node, seq: 0)) }
    private static func bucket(_ key: ContentID) -> Int { Int(key.bytes[0]) }

    private func holder(_ key: ContentID) -> Holder? { buckets[Self.bucket(key)][key] }

    /// The state kept for `node` (any time: callers filter by expiry).
    public func state(of node: NodeID) -> (update: HolderUpdate, ids: [ContentID])? {
        guard let holder = holder(Self.key(node)), holder.state.node == node else { return nil }
        return (holder.state, holder.state.added)
    }

    /// The state of the node a state ID names, whole.
    public func whole(named stateID: ContentID) -> HolderUpdate? { holder(Self.key(stateID))?.state }

    /// The state of the node `stateID` names, as a change from the state `stateID` (the one a peer has), if that
    /// is the state before it (or the same set); nil otherwise.
    public func change(forPeerWith stateID: ContentID) -> HolderUpdate? {
        guard let holder = holder(Self.key(stateID)), let previous = holder.previous, previous.seq == Self.seq(of: stateID) else { return nil }
        return holder.state.change(from: previous.seq, previous.added, to: holder.state.added)
    }

    /// The sequence number kept for the node a state ID names.
    public func seq(named stateID: ContentID) -> UInt64? { holder(Self.key(stateID))?.state.seq }

    /// The state IDs of every unexpired state, for reconciliation.
    public func stateIDs(now: Int64) -> [ContentID] {
        buckets.flatMap { $0.values.filter { $0.state.expires > now }.map(\.state.stateID) }
    }

    /// Applies a checked update at wall time `now` (seconds since the epoch).
    public mutating func apply(_ update: HolderUpdate, now: Int64) -> Outcome {
        guard update.expires > now else { return .stale }
        let key = Self.key(update.node)
        let kept = holder(key)
        if let kept {
            // Another node with the same 24-byte prefix (a forgery of 192 bits): the one kept stays.
            guard kept.state.node == update.node else { return .full }
            if kept.state.seq >= update.seq { return .stale }
        }
        var whole: HolderUpdate
        if update.base == 0 {
            guard zip(update.added, update.added.dropFirst()).allSatisfy({ $0 < $1 }) else { return .mismatch }
            guard update.added.count == update.count, ContentID.setDigest(update.added) == update.digest else { return .mismatch }
            whole = update
        } else {
            guard let kept, kept.state.seq == update.base, kept.state.expires > now else { return .needsBase }
            var ids = Set(kept.state.added)
            for id in update.removed { guard ids.remove(id) != nil else { return .mismatch } }
            for id in update.added { guard ids.insert(id).inserted else { return .mismatch } }
            // A renewal keeps the set: its digest is the one kept, and the sorted IDs are shared.
            let set = update.added.isEmpty && update.removed.isEmpty ? kept.state.added : ids.sorted()
            guard set.count == update.count else { return .mismatch }
            let sameSet = update.digest == kept.state.digest && set == kept.state.added
            guard sameSet || ContentID.setDigest(set) == update.digest else { return .mismatch }
            // A change carries no delegation: the lab named by the state before stays.
            whole = settings.pool?.whole(of: update, ids: set, lab: kept.state.lab) ?? update.whole(set, lab: .some(kept.state.lab))
        }
        if let pool = settings.pool, update.base == 0 { whole = pool.whole(of: update, ids: update.added, lab: update.lab) }
        let freed = kept?.state.count ?? 0
        if pairs - freed + whole.count > settings.maximumPairs || (kept == nil && nodeCount >= settings.maximumNodes) {
            expire(now: now)
            let stillKept = holder(key)
            if pairs - (stillKept?.state.count ?? 0) + whole.count > settings.maximumPairs || (stillKept == nil && nodeCount >= settings.maximumNodes) {
                return .full
            }
        }
        let current = holder(key)
        let changed = current.map { $0.state.digest != whole.digest || $0.state.expires <= now } ?? true
        pairs += whole.count - (current?.state.count ?? 0)
        if let current {
            stateSum = Self.xor(stateSum, SHA256Hasher.hash(current.state.stateID.bytes))
        } else {
            nodeCount += 1
        }
        stateSum = Self.xor(stateSum, SHA256Hasher.hash(whole.stateID.bytes))
        buckets[Self.bucket(key)][key] = Holder(state: whole, previous: current?.state)
        nextExpiry = min(nextExpiry, whole.expires)
        return .applied(changed: changed)
    }

    /// Every unexpired state, whole, for saving (`HolderTableCodec`).
    public func states(now: Int64) -> [HolderUpdate] {
        buckets.flatMap { $0.values.filter { $0.state.expires > now }.map(\.state) }.sorted { $0.node < $1.node }
    }

    /// True if some state kept has expired by `now`.
    public func hasExpired(now: Int64) -> Bool { nextExpiry <= now }

    /// Forgets every state that expired by `now`.
    public mutating func expire(now: Int64) {
        guard nextExpiry <= now else { return }
        nextExpiry = .max
        for index in buckets.indices {
            for holder in buckets[index].values where holder.state.expires > now { nextExpiry = min(nextExpiry, holder.state.expires) }
        }
        for index in buckets.indices where buckets[index].values.contains(where: { $0.state.expires <= now }) {
            for (key, holder) in buckets[index] where holder.state.expires <= now {
                pairs -= holder.state.count
                nodeCount -= 1
                stateSum = Self.xor(stateSum, SHA256Hasher.hash(holder.state.stateID.bytes))
                buckets[index][key] = nil
            }
        }
    }

    /// Unexpired holders of `package`, freshest state first, at most `holdersPerPackage`.
    public func holders(of package: ContentID, now: Int64) -> [(node: NodeID, time: Int64, expires: Int64)] {
        var found: [(node: NodeID, time: Int64, expires: Int64)] = []
        for bucket in buckets {
            for holder in bucket.values where holder.state.expires > now && Self.contains(holder.state.added, package) {
                found.append((holder.state.node, holder.state.time, holder.state.expires))
            }
        }
        found.sort { $0.time != $1.time ? $0.time > $1.time : $0.node < $1.node }
        return Array(found.prefix(settings.holdersPerPackage))
    }

    /// How many unexpired holders `package` has (capped like `holders(of:)`).
    public func holderCount(of package: ContentID, now: Int64) -> Int {
        var count = 0
        for bucket in buckets {
            for holder in bucket.values where holder.state.expires > now && Self.contains(holder.state.added, package) { count += 1 }
        }
        return min(count, settings.holdersPerPackage)
    }

    /// Unexpired holders per package (capped like `holders(of:)`), for every package some node holds.
    public func holderCounts(now: Int64) -> [ContentID: Int] {
        var counts: [ContentID: Int] = [:]
        for bucket in buckets {
            for holder in bucket.values where holder.state.expires > now {
                for id in holder.state.added { counts[id, default: 0] += 1 }
            }
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

    private static func xor(_ a: ContentID, _ b: ContentID) -> ContentID {
        ContentID(digest: zip(a.bytes, b.bytes).map { $0 ^ $1 })
    }
}
