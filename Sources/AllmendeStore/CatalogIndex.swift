// CatalogIndex.swift: AllmendeStore. The catalog as packages, searchable without reading the log: the index file
// (`catalog.index`) plus the entries appended after it, kept in memory until the file is written again.
// Spec: Protocol/catalog-log.md "The index".

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Glibc
import Synchronization

/// Listings built from the catalog log. The index file covers the log up to some entry; entries after it are
/// read, parsed and applied to an in-memory overlay, and the file is written again (whole, renamed into place)
/// once enough entries were added. Any process may write it; a file that does not match the log (another log
/// file, entries it names not where it says, other revocations) is not used, and the listings are rebuilt from
/// the log. Statements by revoked device keys are judged by `RevocationRule`: a flagged publish is listed with
/// `isSignerRevoked`, flagged attestations and retractions do not count.
final class CatalogIndex: Sendable {
    /// Most retractions kept per package (a publisher has little reason to retract more often).
    static let maximumRetractions = 16
    /// Most packages with attestations or retractions kept while their publish entry is unknown.
    static let maximumPendingPackages = 10_000
    /// Entries past the index file before it is written again.
    static let rebuildThreshold = 256
    /// A long-running process (the daemon) writes it at most this often.
    static let rebuildInterval: Duration = .seconds(10)

    let path: String

    private struct State {
        var file: CatalogIndexFile?
        var generation = -1
        var revocations: ContentID?
        /// Log entries applied: the file's and the overlay's.
        var seen = 0
        var overlay: [ContentID: CatalogListing] = [:]
        /// Publishers of overlay listings.
        var publishers: Set<NodeID> = []
        /// Entry bytes per signing identity in the overlay's entries.
        var identityBytes: [NodeID: Int] = [:]
        /// Statements waiting for their publish entry (the file's, read when first needed, plus the overlay's).
        var pending: [ContentID: [(SignedStatement, Bool)]]?
        var lastWrite: ContinuousClock.Instant?
        /// Set when the file had a damaged record: the listings are built from the log and the file is rewritten.
        var isFileDistrusted = false
    }
    private let state = Mutex<State>(State())

    init(path: String) { self.path = path }

    // MARK: Queries

    /// The listing of `package` (attestations counted), if the catalog has its publish entry.
    func listing(_ package: ContentID, catalog: CatalogLog, rule: RevocationRule) -> CatalogListing? {
        read(catalog: catalog, rule: rule) { state in
            if state.overlay[package] == nil, let file = state.file, let number = file.number(of: package), file.listing(at: number) == nil { return nil }
            return Self.find(package, in: state).map { Self.counted($0, state) }
        }
    }

    /// The listings of those of `packages` the catalog has (attestations counted), newest first (by publish time,
    /// then package ID, as `search` orders them). One look at the log for all of them.
    func listings(_ packages: some Collection<ContentID>, catalog: CatalogLog, rule: RevocationRule) -> [CatalogListing] {
        read(catalog: catalog, rule: rule) { state in
            packages.compactMap { Self.find($0, in: state).map { Self.counted($0, state) } }
                .sorted { ($0.publishedAt.secondsSinceEpoch, $0.package) > ($1.publishedAt.secondsSinceEpoch, $1.package) }
        }
    }

    /// Listings matching `query`, newest first (by publish time, then package ID), those after `after` only, at
    /// most `limit`. Nil if `after` is not a listed package.
    func search(_ query: CatalogQuery, after: ContentID? = nil, limit: Int? = nil, catalog: CatalogLog, rule: RevocationRule) -> [CatalogListing]? {
        let outcome = read(catalog: catalog, rule: rule) { state -> SearchOutcome in Self.search(query, after: after, limit: limit, in: state) }
        if case let .found(listings) = outcome { return listings }
        return nil
    }

    /// Runs `body` with a search over the listings as they are now: the log is looked at once, for any number of
    /// lookups (a version walk for every listing a command shows). The search gives the listings matching a query,
    /// newest first, at most a limit.
    func searching<T>(catalog: CatalogLog, rule: RevocationRule, _ body: ((CatalogQuery, Int?) -> [CatalogListing]) -> T) -> T {
        read(catalog: catalog, rule: rule) { state in
            body { query, limit in
                if case let .found(listings) = Self.search(query, after: nil, limit: limit, in: state) { return listings }
                return []
            }
        }
    }

    /// Runs `body` on the state brought up to date with the log. The file's sections and records are checked as
    /// they are first used: if `body` met damage, the listings are rebuilt from the log (without the file, which
    /// is written again) and `body` runs again.
    private func read<T>(catalog: CatalogLog, rule: RevocationRule, _ body: (State) -> T) -> T {
        state.withLock { state in
            refresh(&state, catalog: catalog, rule: rule)
            let result = body(state)
            guard state.file?.sawDamage == true else { return result }
            state = State(generation: state.generation, revocations: state.revocations, isFileDistrusted: true)
            refresh(&state, catalog: catalog, rule: rule)
            return body(state)
        }
    }

    private enum SearchOutcome {
        case found([CatalogListing])
        case unknownCursor
        /// A listing record the file names did not check.
        case damaged
    }

    private static func search(_ query: CatalogQuery, after: ContentID?, limit: Int?, in state: State) -> SearchOutcome {
        var cursor: (Int64, ContentID)?
        if let after {
            guard let listing = Self.find(after, in: state) else { return .unknownCursor }
            cursor = (listing.publishedAt.secondsSinceEpoch, after)
        }
        let limit = limit ?? Int.max
        let isBefore = { (time: Int64, package: ContentID) -> Bool in
            guard let cursor else { return true }
            return time != cursor.0 ? time < cursor.0 : package < cursor.1
        }
        let extra = state.overlay.values.filter { query.matches($0) && isBefore($0.publishedAt.secondsSinceEpoch, $0.package) }
            .sorted { ($0.publishedAt, $0.package) > ($1.publishedAt, $1.package) }
        var fromFile: [(time: Int64, package: ContentID, number: Int)] = []
        if let file = state.file {
            fromFile = file.candidates(query, shadowed: state.overlay, isBefore: isBefore, limit: limit)
        }
        // Merge the two newest-first lists.
        var result: [CatalogListing] = []
        var (i, j) = (0, 0)
        while result.count < limit && (i < extra.count || j < fromFile.count) {
            let takeExtra = j == fromFile.count
                || (i < extra.count && (extra[i].publishedAt.secondsSinceEpoch, extra[i].package) > (fromFile[j].time, fromFile[j].package))
            if takeExtra {
                result.append(Self.counted(extra[i], state))
                i += 1
            } else {
                guard let listing = state.file?.listing(at: fromFile[j].number) else { return .damaged }
                result.append(Self.counted(listing, state))
                j += 1
            }
        }
        return .found(result)
    }

    /// Bytes of catalog statements per signing identity (for the strangers' budget).
    func identityBytes(catalog: CatalogLog, rule: RevocationRule) -> [NodeID: Int] {
        read(catalog: catalog, rule: rule) { state in
            var total = state.file?.identityBytes() ?? [:]
            total.merge(state.identityBytes, uniquingKeysWith: +)
            return total
        }
    }

    /// True if some package whose listing names `publisher` passes `test` (read from the postings: no listing
    /// is decoded; stops at the first).
    func containsPackage(publishedBy publisher: NodeID, catalog: CatalogLog, rule: RevocationRule, where test: (ContentID) -> Bool) -> Bool {
        read(catalog: catalog, rule: rule) { state in
            if state.overlay.values.contains(where: { $0.publisher == publisher && test($0.package) }) { return true }
            guard let file = state.file, let table = file.section(.listingTable),
                  let numbers = file.postings(CatalogTerms.publisherTerm(publisher.text), isPrefix: false) else { return false }
            for number in numbers.lazy.map(Int.init) where number < file.listingCount {
                let package = file.package(at: number, table: table)
                if state.overlay[package] == nil && test(package) { return true }
            }
            return false
        }
    }

    /// Listed packages whose ID starts with `prefix`.
    func packages(withPrefix prefix: ContentIDPrefix, catalog: CatalogLog, rule: RevocationRule) -> Set<ContentID> {
        read(catalog: catalog, rule: rule) { state in
            var found = Set(state.overlay.keys.filter { $0.hasPrefix(prefix) })
            found.formUnion(state.file?.packages(withPrefix: prefix) ?? [])
            return found
        }
    }

    /// What is wrong with the index file, if it does not match the log or list what the log gives (for `fsck`);
    /// such a file is rebuilt. A missing file is just written.
    func check(catalog: CatalogLog, rule: RevocationRule) -> String? {
        state.withLock { state in
            let digest = CatalogIndexBuilder.revocationsDigest(rule)
            let generation = catalog.countAndGeneration.generation
            var problem: String?
            let file = CatalogIndexFile.open(path)
            if file == nil && !FileSystem.exists(path) {
                // Not written yet (a small catalog) or removed: a cache, so it is just written now.
                state = State(generation: generation, revocations: digest)
                refresh(&state, catalog: catalog, rule: rule, forceWrite: true)
                return nil
            }
            if let file, !file.isIntact {
                problem = "the catalog index is damaged (a checksum does not match)"
            } else if let file, !Self.matches(file, catalog: catalog, digest: digest) {
                problem = "the catalog index does not match the catalog log"
            } else if let file {
                // Listings as the log gives them up to the entries the file covers.
                var expected: [ContentID: CatalogListing] = [:]
                var pending: [ContentID: [(SignedStatement, Bool)]] = [:]
                var identityBytes: [NodeID: Int] = [:]
                for (id, bytes) in catalog.entryPayloads(from: 0).prefix(file.key.entryCount) {
                    CatalogIndexBuilder.apply(id, bytes, to: &expected, pending: &pending, identityBytes: &identityBytes, catalog: catalog,
                                              rule: rule, lookup: { _ in nil })
                }
                let listed = (0..<file.listingCount).compactMap { file.listing(at: $0) }
                if listed.count != expected.count || listed.contains(where: { expected[$0.package] != $0 }) {
                    problem = "the catalog index lists other packages than the catalog log"
                } else if file.identityBytes() != identityBytes {
                    problem = "the catalog index counts other entry bytes per identity than the catalog log"
                }
            } else {
                problem = "the catalog index is damaged (its header does not check)"
            }
            guard problem != nil else { return nil }
            state = State(generation: generation, revocations: digest, isFileDistrusted: true)
            refresh(&state, catalog: catalog, rule: rule, forceWrite: true)
            return problem
        }
    }

    // MARK: Keeping up with the log

    private func refresh(_ state: inout State, catalog: CatalogLog, rule: RevocationRule, forceWrite: Bool = false) {
        let digest = CatalogIndexBuilder.revocationsDigest(rule)
        let (count, generation) = catalog.countAndGeneration
        if generation != state.generation || digest != state.revocations || count < state.seen {
            state = State(generation: generation, revocations: digest)
        }
        if let file = state.file, !Self.matches(file, catalog: catalog, digest: digest) { state = State(generation: generation, revocations: digest) }
        if state.file == nil && state.seen == 0 && !state.isFileDistrusted, let file = CatalogIndexFile.open(path),
           Self.matches(file, catalog: catalog, digest: digest) {
            state.file = file
            state.seen = file.key.entryCount
        }
        if count > state.seen {
            if state.pending == nil { state.pending = state.file?.pending() ?? [:] }
            let file = state.file
            for (id, bytes) in catalog.entryPayloads(from: state.seen) {
                CatalogIndexBuilder.apply(id, bytes, to: &state.overlay, pending: &state.pending!, identityBytes: &state.identityBytes,
                                          catalog: catalog, rule: rule,
                                          lookup: { package in file?.number(of: package).flatMap { file?.listing(at: $0) } })
            }
            state.publishers = Set(state.overlay.values.map(\.publisher))
            state.seen = count
        }
        let unwritten = state.seen - (state.file?.key.entryCount ?? 0)
        let isDue = state.lastWrite.map { ContinuousClock.now - $0 >= Self.rebuildInterval } ?? true
        // A distrusted file is replaced as soon as possible (if another process holds the lock, at the next due time).
        if forceWrite || ((state.isFileDistrusted || unwritten >= Self.rebuildThreshold) && isDue) { write(&state, catalog: catalog, rule: rule) }
    }

    /// Writes the index file for everything applied so far, if no other process is writing it now.
    private func write(_ state: inout State, catalog: CatalogLog, rule: RevocationRule) {
        state.lastWrite = ContinuousClock.now
        guard state.seen > 0, let lock = try? FileDescriptor.open(path + ".lock", O_RDWR | O_CREAT, mode: 0o600) else { return }
        defer { lock.close() }
        guard (try? lock.lockExclusive(wait: false)) == true else { return }
        defer { _ = flock(lock.rawValue, LOCK_UN) }
        var listings = state.overlay
        if let file = state.file {
            for number in 0..<file.listingCount {
                guard let listing = file.listing(at: number) else {
                    // A damaged record: the listings are built from the log instead, and written.
                    state = State(generation: state.generation, revocations: state.revocations, isFileDistrusted: true)
                    refresh(&state, catalog: catalog, rule: rule)
                    return
                }
                if listings[listing.package] == nil { listings[listing.package] = listing }
            }
        }
        guard let checkpoint = catalog.checkpoint(count: state.seen), let revocations = state.revocations else { return }
        let key = CatalogIndexKey(device: checkpoint.device, inode: checkpoint.inode, entryCount: state.seen, coveredEnd: checkpoint.end,
                                  lastEntry: checkpoint.entries.last?.id, revocations: revocations)
        var identityBytes = state.file?.identityBytes() ?? [:]
        identityBytes.merge(state.identityBytes, uniquingKeysWith: +)
        let bytes = CatalogIndexFormat.encode(CatalogIndexContents(key: key, entries: checkpoint.entries, listings: listings,
                                                                   pending: state.pending ?? state.file?.pending() ?? [:],
                                                                   identityBytes: identityBytes))
        // A cache: if it cannot be written, the listings stay in memory and the next process builds them again.
        guard (try? FileSystem.writeAtomically(bytes, to: path, mode: 0o600)) != nil, let file = CatalogIndexFile.open(path), file.key == key else { return }
        state.file = file
        state.overlay = [:]
        state.publishers = []
        state.identityBytes = [:]
        state.pending = nil
        state.isFileDistrusted = false
    }

    /// True if `file` describes this log: same file, a covered last entry that is where it says, same revocations.
    private static func matches(_ file: CatalogIndexFile, catalog: CatalogLog, digest: ContentID) -> Bool {
        let key = file.key
        let (device, inode) = catalog.fileKey
        guard key.device == device, key.inode == inode, key.revocations == digest, key.entryCount > 0 else { return false }
        return catalog.id(at: key.entryCount - 1) == key.lastEntry
    }

    private static func find(_ package: ContentID, in state: State) -> CatalogListing? {
        if let listing = state.overlay[package] { return listing }
        return state.file?.number(of: package).flatMap { state.file?.listing(at: $0) }
    }

    /// "Built by N labs" counts attesters that are publishers themselves.
    private static func counted(_ listing: CatalogListing, _ state: State) -> CatalogListing {
        var copy = listing
        copy.attestations = listing.attesters.count { attester in
            state.publishers.contains(attester)
                || !(state.file?.postings(CatalogTerms.publisherTerm(attester.text), isPrefix: false)?.isEmpty ?? true)
        }
        return copy
    }
}
