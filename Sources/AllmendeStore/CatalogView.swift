// CatalogView.swift: AllmendeStore. The catalog as packages: what each publish entry offers, what was retracted.

import AllmendeCrypto
import AllmendeModel

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

extension PackageStore {
    /// Every package the catalog knows (publish entries with a summary), newest first.
    public func catalogListings() -> [CatalogListing] {
        let entries = (try? catalog.entries()) ?? []
        var listings: [ContentID: CatalogListing] = [:]
        for entry in entries where entry.statement.kind == .publish {
            guard let summary = entry.statement.summary else { continue }
            let package = entry.statement.package
            if let existing = listings[package], existing.publishedAt <= entry.statement.time { continue }
            listings[package] = CatalogListing(package: package, summary: summary, publisher: entry.statement.identity,
                                               publishedAt: entry.statement.time)
        }
        for entry in entries {
            guard var listing = listings[entry.statement.package] else { continue }
            switch entry.statement.kind {
            case .retract where entry.statement.identity == listing.publisher: listing.retraction = entry.statement.reason
            case .attest: listing.attestations += 1
            default: break
            }
            listings[entry.statement.package] = listing
        }
        return listings.values.map { listing in
            var copy = listing
            copy.isStored = (try? manifest(listing.package)).map { $0.files.allSatisfy { blobs.has($0.sha256) } } ?? false
            return copy
        }.sorted { ($0.publishedAt, $0.package) > ($1.publishedAt, $1.package) }
    }
}
