// CatalogView.swift: AllmendeStore. The catalog as packages: what each publish entry offers, what was retracted.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Synchronization

/// One package as the catalog knows it.
/// One retraction by a package's publisher: when, and why.
public struct RetractionNote: Sendable, Equatable {
    public let time: Timestamp
    public let reason: String
}

public struct CatalogListing: Sendable, Equatable {
    public let package: ContentID
    public let summary: PackageSummary
    public let publisher: NodeID
    public let publishedAt: Timestamp
    /// The publisher's retractions (a second one does not hide the first), oldest first.
    public var retractions: [RetractionNote] = []
    /// The publisher's reasons, oldest first, if the package was retracted.
    public var retraction: String? { retractions.isEmpty ? nil : retractions.map(\.reason).joined(separator: "; ") }
    /// How many labs signed that they built it: distinct identities that have published a package themselves
    /// (a throw-away identity cannot inflate the count).
    public var attestations = 0
    /// Every identity that attested it.
    var attesters: Set<NodeID> = []
    /// True if the package is stored here in full.
    public var isStored = false
    /// True if its publish statement is by a device key its lab revoked (signed, or first seen here, after the
    /// revocation took effect): a thief may have published it.
    public var isSignerRevoked = false

    /// Why it is not open hardware, if it is not.
    public var openHardwareProblem: String? { (try? SPDXExpression(parsing: summary.license))?.openHardwareProblem }
}

/// Listings built from the catalog log, updated incrementally as entries are appended (by this or another process).
/// Statements by revoked device keys are judged by `RevocationRule`: a flagged publish is listed with
/// `isSignerRevoked`, flagged attestations and retractions do not count. A new revocation rebuilds the listings.
final class CatalogListingIndex: Sendable {
    private struct State {
        var seen = 0
        var listings: [ContentID: CatalogListing] = [:]
        var pending: [ContentID: [(SignedStatement, Bool)]] = [:]
        var revocations = 0
        var generation = 0
        /// Entries read when the snapshot file was last written or read (0: never).
        var savedSeen = 0
        var isSnapshotChecked = false
    }
    private let state = Mutex<State>(State())
    /// Where the listings are saved between runs (`catalog.listings` beside the catalog), if anywhere.
    let snapshotPath: String?
    /// Most retractions kept per package (a publisher has little reason to retract more often).
    static let maximumRetractions = 16
    /// Most packages with attestations or retractions kept while their publish entry is unknown.
    static let maximumPendingPackages = 10_000
    /// Entries read beyond the snapshot before it is written again.
    static let snapshotInterval = 256

    init(snapshotPath: String? = nil) { self.snapshotPath = snapshotPath }

    /// The listings, after reading any entries appended since the last call.
    func listings(from catalog: CatalogLog, rule: RevocationRule) -> [ContentID: CatalogListing] {
        let (ids, generation) = catalog.idsAndGeneration
        return state.withLock { state in
            if rule.revocations.count != state.revocations || generation != state.generation || ids.count < state.seen {
                state = State(revocations: rule.revocations.count, generation: generation, isSnapshotChecked: state.isSnapshotChecked)
            }
            let key = { (seen: Int) in
                CatalogListingKey(file: catalog.fileKey, seen: seen, lastEntry: seen > 0 ? ids[seen - 1] : nil,
                                  revocations: CatalogListingKey.revocationsDigest(rule))
            }
            // First use in this process: start from the saved listings if they match this catalog.
            if !state.isSnapshotChecked, state.seen == 0, let snapshotPath {
                state.isSnapshotChecked = true
                if let bytes = try? FileSystem.readFile(snapshotPath, limit: 1 << 30),
                   let (saved, listings, pending) = CatalogListingSnapshot.decode(bytes),
                   saved.seen <= ids.count, saved == key(saved.seen) {
                    state.listings = listings
                    state.pending = pending
                    state.seen = saved.seen
                    state.savedSeen = saved.seen
                    Self.countAttestations(&state.listings)
                }
            }
            guard ids.count > state.seen else { return state.listings }
            for (id, bytes) in catalog.entryPayloads(from: state.seen) {
                guard case let .statement(entry)? = try? CatalogEntry(parsingStored: bytes) else { continue }
                // First-seen times are looked up only for statements by a revoked device.
                let isRevokedDevice = rule.revocations.contains { $0.identity == entry.statement.identity && $0.device == entry.signer }
                let flagged = isRevokedDevice
                    && rule.revocation(against: entry.statement, device: entry.signer, firstSeen: catalog.firstSeen(id)) != nil
                Self.apply(entry, flagged: flagged, to: &state.listings, pending: &state.pending)
            }
            state.seen = ids.count
            if let snapshotPath, state.seen - state.savedSeen >= Self.snapshotInterval {
                // A cache: written atomically; if it is lost, the listings are built from the catalog again.
                let bytes = CatalogListingSnapshot.encode(key: key(state.seen), listings: state.listings, pending: state.pending)
                if (try? FileSystem.writeAtomically(bytes, to: snapshotPath, mode: 0o600)) != nil { state.savedSeen = state.seen }
            }
            Self.countAttestations(&state.listings)
            return state.listings
        }
    }

    /// "Built by N labs" counts attesters that are publishers themselves.
    private static func countAttestations(_ listings: inout [ContentID: CatalogListing]) {
        let publishers = Set(listings.values.map(\.publisher))
        for (package, listing) in listings {
            let count = listing.attesters.count { publishers.contains($0) }
            if count != listing.attestations { listings[package]?.attestations = count }
        }
    }

    private static func apply(_ entry: SignedStatement, flagged: Bool, to listings: inout [ContentID: CatalogListing],
                              pending: inout [ContentID: [(SignedStatement, Bool)]]) {
        let package = entry.statement.package
        switch entry.statement.kind {
        case .publish:
            guard let summary = entry.statement.summary else { return }
            if let existing = listings[package], existing.publishedAt <= entry.statement.time { return }
            var listing = CatalogListing(package: package, summary: summary, publisher: entry.statement.identity, publishedAt: entry.statement.time)
            listing.isSignerRevoked = flagged
            listing.attesters = listings[package]?.attesters ?? []
            if listings[package]?.publisher == listing.publisher { listing.retractions = listings[package]?.retractions ?? [] }
            listings[package] = listing
            // Attestations and retractions that arrived before the publish entry.
            for (earlier, isFlagged) in pending.removeValue(forKey: package) ?? [] {
                apply(earlier, flagged: isFlagged, to: &listings, pending: &pending)
            }
        case .retract, .attest:
            guard !flagged else { return }
            guard var listing = listings[package] else {
                // Kept until the publish entry arrives; bounded, so that a flood of attestations for packages
                // nobody published cannot grow the listings (and their snapshot) without end.
                if pending.count < Self.maximumPendingPackages { pending[package, default: []].append((entry, flagged)) }
                return
            }
            if entry.statement.kind == .attest {
                listing.attesters.insert(entry.statement.identity)
            } else if entry.statement.identity == listing.publisher, listing.retractions.count < Self.maximumRetractions {
                // Every reason stays visible, oldest first (entries arrive in any order).
                let note = RetractionNote(time: entry.statement.time, reason: entry.statement.reason ?? "no reason given")
                let position = listing.retractions.lastIndex { $0.time <= note.time }.map { $0 + 1 } ?? 0
                listing.retractions.insert(note, at: position)
            }
            listings[package] = listing
        }
    }
}

extension PackageStore {
    /// Every package the catalog knows (publish entries with a summary), newest first, with `isStored` filled in.
    public func catalogListings() -> [CatalogListing] {
        // Only packages with a folder in the statements index can be stored: the others need no look at the disk.
        let candidates = Set(packageFolderIDs())
        return listingIndex.listings(from: catalog, rule: RevocationRule(LabIdentity.revocations(home))).values.map { listing in
            var copy = listing
            copy.isStored = candidates.contains(listing.package) && isStoredComplete(listing.package)
            return copy
        }.sorted { ($0.publishedAt, $0.package) > ($1.publishedAt, $1.package) }
    }

    /// The catalog's listing of one package (without `isStored`), if it knows the package.
    public func catalogListing(_ package: ContentID) -> CatalogListing? {
        listingIndex.listings(from: catalog, rule: RevocationRule(LabIdentity.revocations(home)))[package]
    }

    /// True if the manifest and every file of `package` are stored.
    public func isStoredComplete(_ package: ContentID) -> Bool {
        guard let manifest = try? manifest(package) else { return false }
        return manifest.files.allSatisfy { blobs.has($0.sha256) }
    }
}
