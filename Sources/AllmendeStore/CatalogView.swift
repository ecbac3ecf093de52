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
    public internal(set) var attesters: Set<NodeID> = []
    /// True if the package is stored here in full.
    public var isStored = false
    /// True if its publish statement is by a device key its lab revoked (signed, or first seen here, after the
    /// revocation took effect): a thief may have published it.
    public var isSignerRevoked = false

    /// Why it is not open hardware, if it is not.
    public var openHardwareProblem: String? { Self.openHardwareProblem(of: summary.license) }

    /// Answers per license text: a catalog names few licenses many times.
    private static let problems = Mutex<[String: String?]>([:])

    static func openHardwareProblem(of license: String) -> String? {
        if let known = problems.withLock({ $0[license] }) { return known }
        let problem = (try? SPDXExpression(parsing: license))?.openHardwareProblem
        problems.withLock { cache in
            if cache.count >= 4096 { cache.removeAll() }
            cache[license] = .some(problem)
        }
        return problem
    }
}

extension PackageStore {
    /// Every package the catalog knows (publish entries with a summary), newest first, with `isStored` filled in.
    public func catalogListings() -> [CatalogListing] { (try? searchCatalog(CatalogQuery())) ?? [] }

    /// Packages that `identity` signed it built (attest statements in the catalog), newest first, at most `limit`.
    public func catalogPackages(attestedBy identity: NodeID, limit: Int = 500) -> [CatalogListing] {
        var found: [CatalogListing] = []
        for listing in catalogListings() where listing.attesters.contains(identity) {
            found.append(listing)
            if found.count >= limit { break }
        }
        return found
    }

    /// Per mirror policy: the packages mirrored here that it matches and their bytes (what `mirror ls` shows).
    public func mirrorUsage(_ policies: [MirrorPolicy]) -> [(packages: Int, bytes: Int)] {
        let held = mirroredPackages().filter { hasManifest($0) }.compactMap { catalogListing($0) }
        return policies.map { policy in
            let mine = held.filter { policy.matches(publisher: $0.publisher, tags: $0.summary.tags, from: nil) }
            return (mine.count, mine.reduce(0) { min($0 + $1.summary.size, Int.max / 2) })
        }
    }

    /// Packages the catalog knows that match `query`, newest first (publish time, then ID), after the package
    /// `after` if given, at most `limit`, with `isStored` filled in.
    public func searchCatalog(_ query: CatalogQuery, after: ContentID? = nil, limit: Int? = nil) throws(StoreError) -> [CatalogListing] {
        try searchCatalog(query, after: after, limit: limit, storedAmong: nil)
    }

    /// `searchCatalog`, with `isStored` from `folders` (the statements index, read once) if given.
    func searchCatalog(_ query: CatalogQuery, after: ContentID?, limit: Int?, storedAmong folders: Set<ContentID>?) throws(StoreError) -> [CatalogListing] {
        guard let found = listingIndex.search(query, after: after, limit: limit, catalog: catalog, rule: revocationRule()) else {
            throw .packageNotFound(after!)
        }
        // Many results: read the statements index once rather than look at each package's folder.
        let folders = folders ?? (limit == nil && found.count > 512 ? Set(packageFolderIDs()) : nil)
        return found.map { listing in
            var copy = listing
            copy.isStored = folders.map { $0.contains(listing.package) } ?? isStored(listing.package)
            return copy
        }
    }

    /// The packages stored here, as the catalog lists them, newest first, after `after`, at most `limit`. Stored
    /// packages the catalog does not list (their entry lost) follow, when no limit is given, as `unlisted`.
    public func storedListings(after: ContentID? = nil, limit: Int? = nil) throws(StoreError) -> (listed: [CatalogListing], unlisted: [ContentID]) {
        let folders = Set(packageFolderIDs())
        if let limit {
            // A page: walk the catalog's newest-first order while stored packages are dense enough that this reads
            // fewer listings than there are stored packages (a node that stores most of what it knows).
            var found: [CatalogListing] = []
            var cursor = after
            var examined = 0
            while found.count < limit && examined <= folders.count {
                let page = try searchCatalog(CatalogQuery(), after: cursor, limit: 256, storedAmong: folders)
                examined += page.count
                found += page.filter(\.isStored).prefix(limit - found.count)
                guard page.count == 256, let last = page.last else { return (found, []) }
                cursor = last.package
            }
            if found.count >= limit { return (found, []) }
        }
        // Everything, or a page where stored packages are sparse (a few thousand of a hundred thousand known): the
        // stored packages' own listings, not a walk through the whole catalog.
        var listed = listingIndex.listings(folders, catalog: catalog, rule: revocationRule())
        if let after {
            guard let cursor = catalogListing(after) else { throw .packageNotFound(after) }
            let key = (cursor.publishedAt.secondsSinceEpoch, cursor.package)
            listed = listed.filter { ($0.publishedAt.secondsSinceEpoch, $0.package) < key }
        }
        if let limit { listed = Array(listed.prefix(limit)) }
        for index in listed.indices { listed[index].isStored = true }
        guard after == nil, limit == nil else { return (listed, []) }
        let listedIDs = Set(listed.map(\.package))
        return (listed, folders.filter { !listedIDs.contains($0) && blobs.has($0) }.sorted())
    }

    /// Bytes of the catalog's statements per signing identity, from the index (no entry is read).
    public func catalogBytesByIdentity() -> [NodeID: Int] { listingIndex.identityBytes(catalog: catalog, rule: revocationRule()) }

    /// True if a package whose catalog listing names `publisher` is stored here.
    public func storesPackage(publishedBy publisher: NodeID) -> Bool {
        listingIndex.containsPackage(publishedBy: publisher, catalog: catalog, rule: revocationRule()) { isStored($0) }
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
        return listingIndex.check(catalog: fullScan, rule: revocationRule())
    }

    /// The catalog log opened without its index: every record read and checked (for `fsck`).
    public func fullScanCatalog() throws(StoreError) -> CatalogLog {
        try CatalogLog(path: catalog.path, quarantinePath: catalog.quarantinePath)
    }

    func revocationRule() -> RevocationRule { RevocationRule(LabIdentity.revocations(home)) }

    /// True if package `id` was stored here: its statements are filed (a publish or fetch files them once the
    /// manifest and every file are stored; removing a package removes them). `isStoredComplete` checks every file.
    public func isStored(_ id: ContentID) -> Bool { FileSystem.exists(indexPath + "/" + id.hex) }

    /// True if the manifest and every file of `package` are stored.
    public func isStoredComplete(_ package: ContentID) -> Bool {
        guard let manifest = try? manifest(package) else { return false }
        return manifest.files.allSatisfy { blobs.has($0.sha256) }
    }
}
