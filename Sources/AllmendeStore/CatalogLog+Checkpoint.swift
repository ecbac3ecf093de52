// CatalogLog+Checkpoint.swift: AllmendeStore. The catalog log's entries up to a point, taken from the catalog
// index instead of read again, and what the index records so that the next process need not read them.
// Spec: Protocol/catalog-log.md "The index".

import AllmendeCrypto
import AllmendeSystem

extension CatalogLog {
    /// True if `base` describes the start of the log open in `state`: same file, its last covered record is where
    /// the index says and hashes to the entry it names.
    static func covers(_ base: CatalogIndexFile, state: State) -> Bool {
        let key = base.key
        guard key.device == state.identity.device, key.inode == state.identity.inode, key.entryCount > 0,
              let size = try? Int(state.descriptor.status().st_size), key.coveredEnd <= size,
              let offsets = base.section(.entryOffsets), base.section(.entryIDs) != nil, base.section(.entrySorted) != nil else { return false }
        let last = Int(clamping: offsets.u64(at: (key.entryCount - 1) * 8))
        guard last < key.coveredEnd, key.coveredEnd - last <= 8 + maximumRecordSize,
              let bytes = try? read(state.descriptor, count: key.coveredEnd - last, atOffset: last),
              let record = bytes.withUnsafeBytes({ CatalogRecordScan.record(in: $0, at: 0, maximumRecordSize: Self.maximumRecordSize) }),
              record.upperBound == bytes.count else { return false }
        return SHA256Hasher.hash(Array(bytes[record])) == key.lastEntry
    }

    /// The entries' IDs and record offsets in log order, the first `count` of them, and where the last one ends
    /// (what the catalog index records so that the next process need not read them).
    func checkpoint(count: Int) -> (entries: [(id: ContentID, offset: Int)], end: Int, device: UInt64, inode: UInt64)? {
        state.withLock { state in
            refresh(&state)
            guard count > 0, count <= state.count else { return nil }
            var entries: [(id: ContentID, offset: Int)] = []
            entries.reserveCapacity(count)
            let ids = state.allIDs()
            for position in 0..<count { entries.append((ids[position], state.offset(at: position))) }
            var header = [UInt8](repeating: 0, count: 4)
            let last = entries[count - 1].offset
            guard header.withUnsafeMutableBytes({ (try? state.descriptor.readFully(into: $0, atOffset: last)) ?? 0 }) == 4 else { return nil }
            let length = header.reduce(0) { $0 << 8 | Int($1) }
            return (entries, last + 8 + length, state.identity.device, state.identity.inode)
        }
    }

    /// The ID of the entry at `position` in log order.
    func id(at position: Int) -> ContentID? {
        state.withLock { state in
            refresh(&state)
            return position >= 0 && position < state.count ? state.id(at: position) : nil
        }
    }

}

extension CatalogLog.State {
    /// Entries: the base's, then those after it.
    var count: Int { baseCount + entries.count }

    /// The record offset of entry `id`, if it is in the log.
    func offset(of id: ContentID) -> Int? {
        if let offset = ids[id] { return offset }
        guard let base, let position = base.position(of: id), let offsets = base.section(.entryOffsets) else { return nil }
        return Int(clamping: offsets.u64(at: position * 8))
    }

    func id(at position: Int) -> ContentID {
        if position >= baseCount { return entries[position - baseCount] }
        if let baseIDs { return baseIDs[position] }
        return base!.entryID(at: position, in: base!.section(.entryIDs)!)
    }

    func offset(at position: Int) -> Int {
        position >= baseCount ? ids[entries[position - baseCount]]! : Int(clamping: base!.section(.entryOffsets)!.u64(at: position * 8))
    }

    /// Every entry ID in log order (the base's are read from the index once).
    mutating func allIDs() -> [ContentID] {
        guard let base else { return entries }
        if baseIDs == nil, let section = base.section(.entryIDs) {
            baseIDs = (0..<baseCount).map { base.entryID(at: $0, in: section) }
        }
        return (baseIDs ?? []) + entries
    }
}

