// PackageStore+Versions.swift: AllmendeStore. Versions of one design: a manifest may name the package it
// supersedes; a catalog honours the claim only when both packages have the same publisher and the newer one is
// not signed by a revoked key. Spec: Protocol/manifest.md `supersedes`, Protocol/statements.md "Versions".

import AllmendeCrypto
import AllmendeModel

/// Pure: walks the version claims around a package, given how to find listings and the listings that claim to
/// supersede a package.
enum VersionWalk {
    /// Most packages visited in one walk (a publisher with more versions of one design is shown the newest 256).
    static let maximumVisited = 256

    /// Every newer version of `start` (claims by its publisher, followed on), newest first: a version that
    /// supersedes another comes before it whatever the clocks said (more steps from `start` first), then by
    /// publish time, then by ID.
    static func newer(than start: CatalogListing, claims: (ContentID) -> [CatalogListing]) -> [CatalogListing] {
        var seen: Set<ContentID> = [start.package]
        var frontier = [start.package]
        var found: [(steps: Int, listing: CatalogListing)] = []
        var steps = 0
        while !frontier.isEmpty, seen.count < maximumVisited {
            steps += 1
            var next: [ContentID] = []
            for current in frontier {
                for claim in claims(current) where isHonoured(claim, supersedingPackageOf: start.publisher, current) {
                    guard seen.count < maximumVisited, seen.insert(claim.package).inserted else { continue }
                    found.append((steps, claim))
                    next.append(claim.package)
                }
            }
            frontier = next
        }
        return found.sorted { ($0.steps, $0.listing.publishedAt, $0.listing.package) > ($1.steps, $1.listing.publishedAt, $1.listing.package) }
            .map(\.listing)
    }

    /// The versions `start` supersedes, nearest first, while each step has the same publisher.
    static func older(than start: CatalogListing, listing: (ContentID) -> CatalogListing?) -> [CatalogListing] {
        var seen: Set<ContentID> = [start.package]
        var current = start
        var found: [CatalogListing] = []
        while let previous = current.summary.supersedes, seen.count < maximumVisited, seen.insert(previous).inserted,
              let earlier = listing(previous), isHonoured(current, supersedingPackageOf: earlier.publisher, previous) {
            found.append(earlier)
            current = earlier
        }
        return found
    }

    /// The newest version to use instead of a package: the newest of `newer` that is not retracted.
    static func latest(_ newer: [CatalogListing]) -> CatalogListing? { newer.first { $0.retractions.isEmpty } }

    /// True if `claim` may count as a new version of `package`, published by `publisher`.
    static func isHonoured(_ claim: CatalogListing, supersedingPackageOf publisher: NodeID, _ package: ContentID) -> Bool {
        claim.summary.supersedes == package && claim.publisher == publisher && !claim.isSignerRevoked
    }
}

/// Where a package stands among the versions of its design, as the catalog knows them.
public struct VersionStatus: Sendable {
    /// Newer versions by the same publisher, newest first.
    public let newer: [CatalogListing]
    /// The versions this one supersedes, nearest first.
    public let older: [CatalogListing]
    /// The newest version that is not retracted, if newer than this one.
    public var latest: CatalogListing? { VersionWalk.latest(newer) }
}

extension PackageStore {
    /// The catalog's listing of `package` with `isStored` filled in.
    func markedListing(_ package: ContentID) -> CatalogListing? {
        guard var listing = catalogListing(package) else { return nil }
        listing.isStored = isStored(package)
        return listing
    }

    /// The listings that claim to supersede `package` (honoured or not), at most 64.
    func versionClaims(_ package: ContentID) -> [CatalogListing] {
        var query = CatalogQuery()
        query.supersedes = package
        return (try? searchCatalog(query, limit: 64)) ?? []
    }

    /// The newer and older versions of `package` the catalog knows (none if the catalog has no listing of it).
    public func versions(of package: ContentID) -> VersionStatus {
        guard let listing = catalogListing(package) else { return VersionStatus(newer: [], older: []) }
        return VersionStatus(newer: VersionWalk.newer(than: listing, claims: versionClaims),
                             older: VersionWalk.older(than: listing, listing: markedListing))
    }

    /// The newest non-retracted version of `package` newer than it, if the catalog knows one.
    public func latestVersion(of package: ContentID) -> CatalogListing? {
        guard let listing = catalogListing(package) else { return nil }
        return VersionWalk.latest(VersionWalk.newer(than: listing, claims: versionClaims))
    }

    /// Groups `listings` (newest first) by design: a listing is left out when a newer version of it that is not
    /// retracted is among `listings` too. Returns the rest, in order, each with how many it stands for.
    public func groupingVersions(_ listings: [CatalogListing]) -> [(listing: CatalogListing, olderVersions: Int)] {
        let present = Set(listings.map(\.package))
        var shownFor: [ContentID: ContentID] = [:]
        // One look at the log for all the walks (not one per listing).
        listingIndex.searching(catalog: catalog, rule: revocationRule()) { search in
            let claims = { (package: ContentID) -> [CatalogListing] in
                var query = CatalogQuery()
                query.supersedes = package
                return search(query, 64)
            }
            for listing in listings {
                let newer = VersionWalk.newer(than: listing, claims: claims).filter { present.contains($0.package) }
                if let newest = VersionWalk.latest(newer) { shownFor[listing.package] = newest.package }
            }
        }
        var counts: [ContentID: Int] = [:]
        for (_, shown) in shownFor { counts[shown, default: 0] += 1 }
        return listings.filter { shownFor[$0.package] == nil }.map { ($0, counts[$0.package] ?? 0) }
    }

    /// Publish-time check of `supersedes`: the earlier version must be known here and have the same publisher.
    /// Returns warnings (a version string that did not change).
    func checkSupersedes(_ info: DesignInfo, publisher: NodeID, folder path: String) throws(StoreError) -> [String] {
        guard let previous = info.supersedes else { return [] }
        let listing = catalogListing(previous)
        let manifest = listing == nil ? try? manifest(previous) : nil
        guard let owner = listing?.publisher ?? manifest?.publisher else {
            throw .badPackageFolder(path: path, reason: "\"supersedes\" names \(previous.hex), which this node does not know; "
                                    + "a new version can only name a package whose publisher can be checked (fetch it, or see 'allmende search')")
        }
        guard owner == publisher else {
            throw .badPackageFolder(path: path, reason: "\"supersedes\" names \(previous.shortHex()), published by \(owner.text), not by \(publisher.text): "
                                    + "only its publisher can publish a new version of it; name it in \"derivedFrom\" to publish a derivative instead")
        }
        let oldVersion = listing?.summary.version ?? manifest?.info.version
        if oldVersion == info.version {
            return ["this package supersedes \(previous.shortHex()), which has the same version string '\(info.version)'; give the new version a new number"]
        }
        return []
    }
}
