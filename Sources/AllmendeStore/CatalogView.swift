// CatalogView.swift: AllmendeStore. The catalog as packages: what each publish entry offers, what was retracted.

import AllmendeCrypto
import AllmendeModel
import Synchronization

/// One package as the catalog knows it.
public struct CatalogListing: Sendable, Equatable {
    public let package: ContentID
    public let summary: PackageSummary
    public let publisher: NodeID
    public let publishedAt: Timestamp
    /// The publisher's reason, if the package was retracted.
    public var retraction: String?
    /// How many labs signed that they built it.
    public var attestations = 0
    /// True if the package is stored here in full.
    public var isStored = false

    /// Why it is not open hardware, if it is not.
    public var openHardwareProblem: String? { (try? SPDXExpression(parsing: summary.license))?.openHardwareProblem }
}

/// Listings built from the catalog log, updated incrementally as entries are appended (by this or another process).
final class CatalogListingIndex: Sendable {
    private let state = Mutex<(seen: Int, listings: [ContentID: CatalogListing], pending: [ContentID: [SignedStatement]])>((0, [:], [:]))

    /// The listings, after reading any entries appended since the last call.
    func listings(from catalog: CatalogLog) -> [ContentID: CatalogListing] {
        let ids = catalog.ids
        return state.withLock { state in
            guard ids.count > state.seen else { return state.listings }
            for id in ids[state.seen...] {
                guard let bytes = catalog.entryBytes(id), let entry = try? SignedStatement(parsing: bytes) else { continue }
                Self.apply(entry, to: &state.listings, pending: &state.pending)
            }
            state.seen = ids.count
            return state.listings
        }
    }

    private static func apply(_ entry: SignedStatement, to listings: inout [ContentID: CatalogListing], pending: inout [ContentID: [SignedStatement]]) {
        let package = entry.statement.package
        switch entry.statement.kind {
        case .publish:
            guard let summary = entry.statement.summary else { return }
            if let existing = listings[package], existing.publishedAt <= entry.statement.time { return }
            listings[package] = CatalogListing(package: package, summary: summary, publisher: entry.statement.identity, publishedAt: entry.statement.time)
            // Attestations and retractions that arrived before the publish entry.
            for earlier in pending.removeValue(forKey: package) ?? [] { apply(earlier, to: &listings, pending: &pending) }
        case .retract, .attest:
            guard var listing = listings[package] else {
                pending[package, default: []].append(entry)
                return
            }
            if entry.statement.kind == .attest {
                listing.attestations += 1
            } else if entry.statement.identity == listing.publisher {
                listing.retraction = entry.statement.reason
            }
            listings[package] = listing
        }
    }
}

extension PackageStore {
    /// Every package the catalog knows (publish entries with a summary), newest first, with `isStored` filled in.
    public func catalogListings() -> [CatalogListing] {
        listingIndex.listings(from: catalog).values.map { listing in
            var copy = listing
            copy.isStored = isStoredComplete(listing.package)
            return copy
        }.sorted { ($0.publishedAt, $0.package) > ($1.publishedAt, $1.package) }
    }

    /// The catalog's listing of one package (without `isStored`), if it knows the package.
    public func catalogListing(_ package: ContentID) -> CatalogListing? { listingIndex.listings(from: catalog)[package] }

    /// True if the manifest and every file of `package` are stored.
    public func isStoredComplete(_ package: ContentID) -> Bool {
        guard let manifest = try? manifest(package) else { return false }
        return manifest.files.allSatisfy { blobs.has($0.sha256) }
    }
}
