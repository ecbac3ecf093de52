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

extension PackageStore {
    /// Every package the catalog knows (publish entries with a summary), newest first, with `isStored` filled in.
    public func catalogListings() -> [CatalogListing] { (try? searchCatalog(CatalogQuery())) ?? [] }

    /// Packages the catalog knows that match `query`, newest first (publish time, then ID), after the package
    /// `after` if given, at most `limit`, with `isStored` filled in.
    public func searchCatalog(_ query: CatalogQuery, after: ContentID? = nil, limit: Int? = nil) throws(StoreError) -> [CatalogListing] {
        guard let found = listingIndex.search(query, after: after, limit: limit, catalog: catalog, rule: revocationRule()) else {
            throw .packageNotFound(after!)
        }
        return found.map { listing in
            var copy = listing
            copy.isStored = isStored(listing.package)
            return copy
        }
    }

    /// The packages stored here, as the catalog lists them, newest first, after `after`, at most `limit`. Stored
    /// packages the catalog does not list (their entry lost) follow, when no limit is given, as `unlisted`.
    public func storedListings(after: ContentID? = nil, limit: Int? = nil) throws(StoreError) -> (listed: [CatalogListing], unlisted: [ContentID]) {
        var found: [CatalogListing] = []
        var cursor = after
        let wanted = limit ?? Int.max
        // In pages through the catalog's newest-first order; each stored package costs two `stat`s.
        while found.count < wanted {
            let page = try searchCatalog(CatalogQuery(), after: cursor, limit: 1024)
            found += page.filter(\.isStored).prefix(wanted - found.count)
            guard page.count == 1024, let last = page.last else { break }
            cursor = last.package
        }
        guard limit == nil, after == nil else { return (found, []) }
        let listed = Set(found.map(\.package))
        let unlisted = packageFolderIDs().filter { !listed.contains($0) && blobs.has($0) }
        return (found, unlisted)
    }

    /// True if a package whose catalog listing names `publisher` is stored here.
    public func storesPackage(publishedBy publisher: NodeID) -> Bool {
        var cursor: ContentID?
        while true {
            guard let page = listingIndex.search(CatalogQuery(publisher: publisher.text), after: cursor, limit: 256, catalog: catalog,
                                                 rule: revocationRule()) else { return false }
            if page.contains(where: { isStored($0.package) }) { return true }
            guard page.count == 256, let last = page.last else { return false }
            cursor = last.package
        }
    }

    /// The catalog's listing of one package (without `isStored`), if it knows the package.
    public func catalogListing(_ package: ContentID) -> CatalogListing? {
        listingIndex.listing(package, catalog: catalog, rule: revocationRule())
    }

    /// Packages the catalog lists whose ID starts with `prefix`.
    func catalogPackages(withPrefix prefix: ContentIDPrefix) -> Set<ContentID> {
        listingIndex.packages(withPrefix: prefix, catalog: catalog, rule: revocationRule())
    }

    /// Checks that the catalog index agrees with the whole log (read record by record, not through the index) and
    /// rebuilds it if not; returns what was wrong.
    public func checkCatalogIndex() throws(StoreError) -> String? {
        let fullScan = try fullScanCatalog()
        guard fullScan.count > 0 else { return nil }
        return listingIndex.check(catalog: fullScan, rule: revocationRule()).problem
    }

    /// The catalog log opened without its index: every record read and checked (for `fsck`).
    public func fullScanCatalog() throws(StoreError) -> CatalogLog {
        try CatalogLog(path: catalog.path, quarantinePath: catalog.quarantinePath)
    }

    func revocationRule() -> RevocationRule { RevocationRule(LabIdentity.revocations(home)) }

    /// True if package `id` was stored here: its statements are filed (a publish or fetch files them once the
    /// manifest and every file are stored) and its manifest is present. `isStoredComplete` checks every file.
    public func isStored(_ id: ContentID) -> Bool {
        FileSystem.exists(indexPath + "/" + id.hex) && blobs.has(id)
    }

    /// True if the manifest and every file of `package` are stored.
    public func isStoredComplete(_ package: ContentID) -> Bool {
        guard let manifest = try? manifest(package) else { return false }
        return manifest.files.allSatisfy { blobs.has($0.sha256) }
    }
}
