// SimulatedCatalog.swift: AllmendeNode. The catalog of a simulated node: what every node shares at the start is
// held once, each node keeps only what it added, and reconcilers are shared by nodes with the same catalog, so
// 10,000 simulated nodes with a 10,000-entry catalog fit in memory. Pure.

import AllmendeCrypto

/// Every entry that exists in a simulation, by ID, with the IDs that are forged (a node checking one rejects it).
public final class EntryUniverse: @unchecked Sendable {
    // @unchecked: filled while a scenario is set up, read-only while it runs; a simulation runs on one thread.
    private(set) var bytes: [ContentID: [UInt8]] = [:]
    private(set) var forged: Set<ContentID> = []
    private var random: SplitMix64

    public init(seed: UInt64) { random = SplitMix64(seed: seed) }

    /// Makes a new entry of `size` bytes (random, so its ID is unique); `isForged` makes one that fails its check.
    public func makeEntry(size: Int, isForged: Bool = false) -> (id: ContentID, bytes: [UInt8]) {
        var entry = [UInt8](repeating: 0, count: max(size, 8))
        for index in stride(from: 0, to: entry.count, by: 8) {
            var word = random.next()
            for offset in index..<min(index + 8, entry.count) {
                entry[offset] = UInt8(truncatingIfNeeded: word)
                word >>= 8
            }
        }
        let id = SHA256Hasher.hash(entry)
        bytes[id] = entry
        if isForged { forged.insert(id) }
        return (id, entry)
    }

    public func entry(_ id: ContentID) -> [UInt8]? { bytes[id] }
    public func isForged(_ id: ContentID) -> Bool { forged.contains(id) }
}

/// Entry IDs shared by many simulated catalogs, held once.
public final class SharedEntries: Sendable {
    public let ids: Set<ContentID>
    public init(_ ids: some Sequence<ContentID>) { self.ids = Set(ids) }
}

/// Reconcilers by catalog content, so nodes with equal catalogs share one (bounded).
public final class ReconcilerCache: @unchecked Sendable {
    // @unchecked: used by one simulation on one thread.
    struct Key: Hashable {
        let base: ObjectIdentifier
        let extra: Set<ContentID>
    }
    private var cache: [Key: RangeReconciler] = [:]
    /// Most reconcilers kept (the cache is emptied when it is full).
    public let capacity: Int
    public private(set) var builds = 0

    public init(capacity: Int = 256) { self.capacity = capacity }

    /// Reconcilers over holder state IDs, by the table's count and XOR of state IDs.
    private var holderReconcilers: [HolderKey: RangeReconciler] = [:]
    struct HolderKey: Hashable {
        let count: Int
        let sum: ContentID
    }

    func holdersReconciler(_ table: HolderTable, now: Int64) -> RangeReconciler {
        let key = HolderKey(count: table.nodeCount, sum: table.stateSum)
        if let cached = holderReconcilers[key] { return cached }
        builds += 1
        let reconciler = RangeReconciler(ids: table.stateIDs(now: now))
        if holderReconcilers.count >= capacity { holderReconcilers.removeAll() }
        holderReconcilers[key] = reconciler
        return reconciler
    }

    func reconciler(base: SharedEntries, extra: Set<ContentID>) -> RangeReconciler {
        let key = Key(base: ObjectIdentifier(base), extra: extra)
        if let cached = cache[key] { return cached }
        builds += 1
        let reconciler = RangeReconciler(ids: Array(base.ids) + Array(extra))
        if cache.count >= capacity { cache.removeAll() }
        cache[key] = reconciler
        return reconciler
    }
}

/// One simulated node's catalog: the shared entries plus what it added.
public struct SimulatedCatalog: CatalogReading {
    public let base: SharedEntries
    public private(set) var extra: Set<ContentID> = []
    let universe: EntryUniverse
    let cache: ReconcilerCache

    public init(base: SharedEntries, universe: EntryUniverse, cache: ReconcilerCache) {
        self.base = base
        self.universe = universe
        self.cache = cache
    }

    public var count: Int { base.ids.count + extra.count }
    public func contains(_ id: ContentID) -> Bool { base.ids.contains(id) || extra.contains(id) }
    public func entryBytes(_ id: ContentID) -> [UInt8]? { contains(id) ? universe.entry(id) : nil }
    public func reconciler() -> RangeReconciler { cache.reconciler(base: base, extra: extra) }
    public func holdersReconciler(_ table: HolderTable, now: Int64) -> RangeReconciler { cache.holdersReconciler(table, now: now) }

    /// Appends `id`; false if it was there.
    public mutating func append(_ id: ContentID) -> Bool {
        guard !base.ids.contains(id) else { return false }
        return extra.insert(id).inserted
    }
}
