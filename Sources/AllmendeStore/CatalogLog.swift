// CatalogLog.swift: AllmendeStore. The append-only log of accepted catalog entries (signed statements).
// Spec: Protocol/catalog-log.md.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Foundation
import Synchronization

/// An append-only file of catalog entries: each record is `u32 length ‖ u32 CRC-32C of the payload ‖ payload`
/// (big-endian), the payload being a signed statement's canonical bytes.
///
/// Damage never costs a valid record: a run of bad bytes between two valid records is skipped (and reported in
/// `damage`), every later record is kept. Opening and reading never write. Bytes after the last valid record
/// (an append cut short by a crash) are cut by the next append, after a copy goes to `quarantinePath`;
/// `repair()` moves damaged runs to `quarantinePath` and rewrites the log without them. Appends are written
/// whole with one `write` under an exclusive `flock`, then `fdatasync`ed. Several processes (the daemon and
/// the CLI) share the file; a log replaced by another process's `repair()` is reopened.
public final class CatalogLog: Sendable {
    /// Largest record payload (a signed statement is at most 64 KiB).
    public static let maximumRecordSize = SignedStatement.maximumSize

    public let path: String
    /// Where damaged bytes are copied before they leave the log.
    public let quarantinePath: String
    let state: Mutex<State>
    /// When each entry was first seen here (`catalog.seen`), for the revocation rule.
    private let seen: FirstSeenLog

    struct State: Sendable {
        var descriptor: FileDescriptor
        var identity: FileIdentity
        /// The entries the index file covers (read from it, not from the log), if it matched this log.
        var base: CatalogIndexFile?
        var baseCount = 0
        /// Their IDs, once someone asked for all of them.
        var baseIDs: [ContentID]?
        /// Whether the index file was looked at since the log was (re)opened.
        var isBaseChecked = false
        /// Entries after the base: ID → record offset, and the IDs in order.
        var ids: [ContentID: Int] = [:]
        var entries: [ContentID] = []
        /// Where the last valid record ends.
        var end = 0
        /// Bytes after `end`, as of the last look.
        var tail = 0
        /// True if those bytes look like an append cut short rather than damage.
        var isTailTorn = true
        var damage: [CatalogDamage] = []
        /// Incremented whenever the log was rewritten or replaced (entries may have gone, positions changed).
        var generation = 0
        /// Appends written without `fdatasync` since the last `syncPending()`.
        var hasUnsynced = false
    }

    /// Where the catalog index is (`catalog.index` beside the log): entries it covers are not read again.
    let indexPath: String?

    /// Opens (creating) the log; writes nothing. Records are indexed when first needed: those the catalog index
    /// (`indexPath`) covers from it, the rest by reading and checking them. Without `indexPath`, every record is
    /// read and checked (what `fsck` does).
    public init(path: String, quarantinePath: String? = nil, indexPath: String? = nil) throws(StoreError) {
        self.path = path
        self.quarantinePath = quarantinePath ?? FileSystem.parentDirectory(of: path) + "/quarantine"
        self.indexPath = indexPath
        do {
            try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path))
            let file = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o600)
            let fresh = State(descriptor: file, identity: try FileIdentity(file.status()))
            state = Mutex(fresh)
            seen = FirstSeenLog(path: path + ".seen")
        } catch {
            throw .system(error)
        }
    }

    deinit { state.withLock { _ = $0.descriptor.close() } }

    /// The number of entries.
    public var count: Int { state.withLock { refresh(&$0); return $0.count } }

    /// True if the entry with this statement ID is in the log.
    public func contains(_ id: ContentID) -> Bool { state.withLock { refresh(&$0); return $0.offset(of: id) != nil } }

    /// Entry IDs in the order they were accepted.
    public var ids: [ContentID] { state.withLock { refresh(&$0); return $0.allIDs() } }

    /// The file the log is now (device, inode): another file after a repair or a removal rewrote it.
    var fileKey: (device: UInt64, inode: UInt64) {
        state.withLock { refresh(&$0); return ($0.identity.device, $0.identity.inode) }
    }

    /// Entry IDs with the log's generation, which changes whenever entries were removed or the file replaced (so
    /// an index built on positions must start again).
    public var idsAndGeneration: (ids: [ContentID], generation: Int) {
        state.withLock { refresh(&$0); return ($0.allIDs(), $0.generation) }
    }

    /// The number of entries with the log's generation (see `idsAndGeneration`).
    public var countAndGeneration: (count: Int, generation: Int) {
        state.withLock { refresh(&$0); return ($0.count, $0.generation) }
    }

    /// Damaged runs (skipped; `repair()` removes them): between valid records, and after the last one unless
    /// those bytes look like an append cut short.
    public var damage: [CatalogDamage] {
        state.withLock { state in
            refresh(&state)
            return state.damage + (state.tail > 0 && !state.isTailTorn ? [CatalogDamage(offset: state.end, length: state.tail)] : [])
        }
    }

    /// Bytes after the last valid record that look like an append cut short by a crash (the next append or
    /// `cutTornTail()` cuts them).
    public var tornTailBytes: Int { state.withLock { refresh(&$0); return $0.isTailTorn ? $0.tail : 0 } }

    /// The canonical bytes of entry `id`, read from the log.
    public func entryBytes(_ id: ContentID) -> [UInt8]? {
        state.withLock { state -> [UInt8]? in
            refresh(&state)
            guard let offset = state.offset(of: id) else { return nil }
            var header = [UInt8](repeating: 0, count: 8)
            guard header.withUnsafeMutableBytes({ (try? state.descriptor.readFully(into: $0, atOffset: offset)) ?? 0 }) == 8 else { return nil }
            let length = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
            guard length > 0, length <= Self.maximumRecordSize else { return nil }
            var payload = [UInt8](repeating: 0, count: length)
            guard payload.withUnsafeMutableBytes({ (try? state.descriptor.readFully(into: $0, atOffset: offset + 8)) ?? 0 }) == length,
                  SHA256Hasher.hash(payload) == id else { return nil }
            return payload
        }
    }

    /// When this node first saw entry `id` (recorded when it was appended), if known.
    public func firstSeen(_ id: ContentID) -> Timestamp? { seen.time(of: id).map { Timestamp(secondsSinceEpoch: $0) } }

    /// The IDs and bytes of the entries from position `start` on (in `ids` order), read in one pass over the
    /// file instead of one read per entry.
    public func entryPayloads(from start: Int, limit: Int = .max) -> [(ContentID, [UInt8])] {
        state.withLock { state -> [(ContentID, [UInt8])] in
            refresh(&state)
            guard start >= 0, start < state.count, limit > 0 else { return [] }
            let stop = limit >= state.count - start ? state.count : start + limit
            let first = state.offset(at: start)
            let last = stop == state.count ? state.end : state.offset(at: stop)
            guard first <= last, last <= state.end, let bytes = try? Self.read(state.descriptor, count: last - first, atOffset: first) else { return [] }
            var result: [(ContentID, [UInt8])] = []
            result.reserveCapacity(stop - start)
            for position in start..<stop {
                let id = state.id(at: position), offset = state.offset(at: position)
                guard offset >= first, offset - first + 8 <= bytes.count else { continue }
                let at = offset - first
                let length = Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                guard length > 0, at + 8 + length <= bytes.count else { continue }
                result.append((id, Array(bytes[(at + 8)..<(at + 8 + length)])))
            }
            return result
        }
    }

    /// Appends `statement` durably; returns false if it was already there.
    @discardableResult
    public func append(_ statement: SignedStatement, seenAt time: Timestamp? = nil) throws(StoreError) -> Bool {
        do { return try append(entryBytes: try statement.canonicalBytes(), seenAt: time) } catch let error as StoreError {
            throw error
        } catch {
            throw .model(error as? ModelError ?? .notCanonical("\(error)"))
        }
    }

    /// Appends one entry's canonical bytes (a signed statement or a revocation) durably and records when it was
    /// first seen (`time`, default now); returns false if it was already there.
    ///
    /// Without `durable` the record is written but not yet `fdatasync`ed: `syncPending()` (the daemon calls it
    /// every 200 ms) makes it durable, so a node taking in a whole catalog from a peer syncs once per batch, not
    /// once per entry. A crash may lose such entries (never damage the log); peers send them again.
    @discardableResult
    public func append(entryBytes payload: [UInt8], seenAt time: Timestamp? = nil, durable: Bool = true) throws(StoreError) -> Bool {
        guard payload.count <= Self.maximumRecordSize else { throw .model(.invalidField(path: "statement", reason: "too large for the catalog")) }
        let appended = try appendRecord(payload, durable: durable)
        if appended {
            let seconds = time?.secondsSinceEpoch ?? Int64(Date().timeIntervalSince1970)
            do { try seen.record(SHA256Hasher.hash(payload), at: seconds, durable: durable) } catch { throw .system(error) }
        }
        return appended
    }

    /// Makes appends made without `durable` durable (one `fdatasync` each for the log and the first-seen times).
    public func syncPending() throws(StoreError) {
        let pending = state.withLock { state in
            defer { state.hasUnsynced = false }
            return state.hasUnsynced
        }
        guard pending else { return }
        do throws(SystemError) {
            try state.withLock { state throws(SystemError) in try state.descriptor.syncData() }
            try seen.sync()
        } catch {
            state.withLock { $0.hasUnsynced = true }
            throw .system(error)
        }
    }

    private func appendRecord(_ payload: [UInt8], durable: Bool) throws(StoreError) -> Bool {
        let id = SHA256Hasher.hash(payload)
        let record = CatalogRecordScan.encode(payload)
        return try state.withLock { state throws(StoreError) -> Bool in
            do throws(SystemError) {
                let locked = try lockCurrentFile(&state)
                defer { _ = flock(locked.rawValue, LOCK_UN) }
                guard state.offset(of: id) == nil else { return false }
                if state.tail > 0 { try cutTail(&state) }
                do throws(SystemError) {
                    try state.descriptor.writeAll(record)
                    // A durable append also makes every earlier one durable.
                    if durable { try state.descriptor.syncData() }
                    state.hasUnsynced = !durable
                } catch {
                    // Never leave half a record: cut back to the last good end.
                    try? state.descriptor.truncate(to: state.end)
                    throw error
                }
                state.ids[id] = state.end
                state.entries.append(id)
                state.end += record.count
                return true
            } catch {
                throw .system(error)
            }
        }
    }

    /// Every entry, parsed, in log order (damaged runs skipped).
    public func entries() throws(StoreError) -> [SignedStatement] {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 34) } catch { throw .system(error) }
        return Self.records(in: bytes).payloads.compactMap { try? SignedStatement(parsing: $0) }
    }

    /// Cuts the tail left by an append that a crash interrupted (a copy goes to `quarantinePath`); returns
    /// how many bytes were cut. A damaged tail is left for `repair()`.
    @discardableResult
    public func cutTornTail() throws(StoreError) -> Int {
        try state.withLock { state throws(StoreError) -> Int in
            do throws(SystemError) {
                let locked = try lockCurrentFile(&state)
                defer { _ = flock(locked.rawValue, LOCK_UN) }
                guard state.tail > 0, state.isTailTorn else { return 0 }
                let cut = state.tail
                try cutTail(&state)
                return cut
            } catch {
                throw .system(error)
            }
        }
    }

    /// The records in `bytes` (a whole log file): the payloads of the valid records in order, and how many bytes
    /// are damage or tail.
    public static func records(in bytes: [UInt8]) -> (payloads: [[UInt8]], damagedBytes: Int) {
        bytes.withUnsafeBytes { buffer in
            let scan = CatalogRecordScan(buffer, maximumRecordSize: Self.maximumRecordSize)
            let payloads = scan.records.map { Array(buffer[$0.payload]) }
            return (payloads, scan.damage.reduce(0) { $0 + $1.length } + bytes.count - scan.end)
        }
    }

    /// Moves damaged runs and the tail to `quarantinePath` and rewrites the log with only its valid records.
    /// Returns what was moved (nothing if the log was intact).
    public func repair() throws(StoreError) -> [CatalogDamage] { try rewrite(removing: []).moved }

    /// Rewrites the log without the entries `ids` (evicted strangers' entries), atomically; damaged runs and the
    /// tail go to `quarantinePath` first, as in `repair()`. Returns the bytes removed from the log.
    @discardableResult
    public func remove(_ ids: Set<ContentID>) throws(StoreError) -> Int {
        guard !ids.isEmpty else { return 0 }
        return try rewrite(removing: ids).removedBytes
    }

    /// Replaces the log with its valid records except `ids` (temp file, fsync, rename), after copying damaged runs
    /// and the tail to quarantine; a log with nothing to drop is left as it is.
    private func rewrite(removing ids: Set<ContentID>) throws(StoreError) -> (moved: [CatalogDamage], removedBytes: Int) {
        try state.withLock { state throws(StoreError) -> (moved: [CatalogDamage], removedBytes: Int) in
            do throws(SystemError) {
                let locked = try lockCurrentFile(&state)
                defer { _ = flock(locked.rawValue, LOCK_UN) }
                let size = try Int(state.descriptor.status().st_size)
                var moved = state.damage
                if size > state.end { moved.append(CatalogDamage(offset: state.end, length: size - state.end)) }
                let bytes = try Self.read(state.descriptor, count: size, atOffset: 0)
                var kept: [UInt8] = []
                kept.reserveCapacity(bytes.count)
                bytes.withUnsafeBytes { buffer in
                    for record in CatalogRecordScan(buffer, maximumRecordSize: Self.maximumRecordSize).records
                    where ids.isEmpty || !ids.contains(SHA256Hasher.hash(UnsafeRawBufferPointer(rebasing: buffer[record.payload]))) {
                        kept += buffer[record.offset..<record.payload.upperBound]
                    }
                }
                guard kept.count < bytes.count else { return ([], 0) }
                try quarantine(moved, of: bytes)
                try FileSystem.writeAtomically(kept, to: path, mode: 0o600)
                let reopened = try FileDescriptor.open(path, O_RDWR | O_APPEND)
                state.descriptor.close()
                state = State(descriptor: reopened, identity: try FileIdentity(reopened.status()), generation: state.generation + 1)
                refresh(&state)
                return (moved, bytes.count - kept.count)
            } catch {
                throw .system(error)
            }
        }
    }

    /// Takes the exclusive append lock on the file that is at `path` now (reopening it if another process
    /// replaced it), then indexes what others appended. Returns the locked descriptor.
    private func lockCurrentFile(_ state: inout State) throws(SystemError) -> FileDescriptor {
        while true {
            let descriptor = state.descriptor
            _ = try descriptor.lockExclusive(wait: true)
            if (try? FileIdentity(path: path)) == state.identity || !FileSystem.exists(path) {
                refresh(&state)
                return descriptor
            }
            _ = flock(descriptor.rawValue, LOCK_UN)
            Self.reopenIfReplaced(&state, path: path)
        }
    }

    /// Copies the tail to quarantine and cuts it (the caller holds the append lock).
    private func cutTail(_ state: inout State) throws(SystemError) {
        let size = try Int(state.descriptor.status().st_size)
        guard size > state.end else { return }
        let bytes = try Self.read(state.descriptor, count: size - state.end, atOffset: state.end)
        try quarantine([CatalogDamage(offset: 0, length: bytes.count)], of: bytes, naming: state.end)
        try state.descriptor.truncate(to: state.end)
        try state.descriptor.sync()
        state.tail = 0
        state.isTailTorn = true
    }

    /// Writes each run to `quarantinePath/catalog.<offset>.<time>`.
    private func quarantine(_ runs: [CatalogDamage], of bytes: [UInt8], naming base: Int = 0) throws(SystemError) {
        try FileSystem.makeDirectories(quarantinePath)
        let time = Int(Date().timeIntervalSince1970)
        for run in runs where run.length > 0 {
            let start = min(run.offset, bytes.count)
            let slice = Array(bytes[start..<min(start + run.length, bytes.count)])
            try FileSystem.writeAtomically(slice, to: quarantinePath + "/catalog.\(base + run.offset).\(time)", mode: 0o600)
        }
    }

    /// Up to `count` bytes at `offset` (fewer at the end of the file).
    static func read(_ descriptor: FileDescriptor, count: Int, atOffset offset: Int) throws(SystemError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        let result = bytes.withUnsafeMutableBytes { buffer in Result { () throws(SystemError) in try descriptor.readFully(into: buffer, atOffset: offset) } }
        bytes.removeLast(bytes.count - (try result.get()))
        return bytes
    }

    /// Indexes records appended since the last look (by this or another process); reopens a replaced file.
    /// The first time, records the catalog index covers are taken from it (if it matches this log file).
    func refresh(_ state: inout State) {
        Self.reopenIfReplaced(&state, path: path)
        if !state.isBaseChecked {
            state.isBaseChecked = true
            if state.end == 0, let indexPath, let base = CatalogIndexFile.open(indexPath), Self.covers(base, state: state) {
                state.base = base
                state.baseCount = base.key.entryCount
                state.end = base.key.coveredEnd
            }
        }
        guard let size = try? Int(state.descriptor.status().st_size) else { return }
        if size < state.end {
            // Cut by another process's repair in place (not something we do): index again from the start.
            state = State(descriptor: state.descriptor, identity: state.identity, isBaseChecked: true, generation: state.generation + 1)
        }
        guard size > state.end else {
            state.tail = 0
            state.isTailTorn = true
            return
        }
        var bytes = [UInt8](repeating: 0, count: size - state.end)
        let read = bytes.withUnsafeMutableBytes { (try? state.descriptor.readFully(into: $0, atOffset: state.end)) ?? 0 }
        let base = state.end
        bytes.withUnsafeBytes { buffer in
            let scan = CatalogRecordScan(UnsafeRawBufferPointer(rebasing: buffer[0..<read]), maximumRecordSize: Self.maximumRecordSize)
            for record in scan.records {
                let id = SHA256Hasher.hash(UnsafeRawBufferPointer(rebasing: buffer[record.payload]))
                if state.offset(of: id) == nil {
                    state.ids[id] = base + record.offset
                    state.entries.append(id)
                }
            }
            state.damage += scan.damage.map { CatalogDamage(offset: base + $0.offset, length: $0.length) }
            state.end = base + scan.end
            state.tail = size - state.end
            state.isTailTorn = CatalogRecordScan.isTorn(tail: UnsafeRawBufferPointer(rebasing: buffer[min(scan.end, read)..<read]),
                                                        maximumRecordSize: Self.maximumRecordSize)
        }
    }

    /// Opens the file now at `path` if it is not the one `state` has open, and indexes it from the start.
    private static func reopenIfReplaced(_ state: inout State, path: String) {
        guard let current = try? FileIdentity(path: path), current != state.identity,
              let reopened = try? FileDescriptor.open(path, O_RDWR | O_APPEND) else { return }
        guard let identity = try? FileIdentity(reopened.status()), identity == current else {
            reopened.close()
            return
        }
        state.descriptor.close()
        state = State(descriptor: reopened, identity: identity, generation: state.generation + 1)
    }
}

/// Device and inode: tells whether a path still names the file a descriptor has open.
struct FileIdentity: Sendable, Equatable {
    let device: UInt64
    let inode: UInt64

    init(_ info: stat) {
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }

    init(path: String) throws(SystemError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError.current("stat", path: path) }
        self.init(info)
    }
}
