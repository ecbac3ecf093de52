// VersionTests.swift: versions of a design — the walk over `supersedes` claims (pure), the listing codec and
// search term, and publishing new versions into a real store (same publisher only).

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Testing

@Suite("Versions of a design")
struct VersionTests {
    static let lab = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)
    static let other = NodeID(publicKey: try! Ed25519PrivateKey().publicKey)

    static func id(_ byte: UInt8) -> ContentID { try! ContentID(validatingDigest: [UInt8](repeating: byte, count: 32)) }

    static func listing(_ byte: UInt8, version: String, supersedes: UInt8? = nil, by publisher: NodeID = lab, at time: Int64,
                        retracted: Bool = false, revoked: Bool = false) -> CatalogListing {
        let summary = PackageSummary(title: "Trailer", version: version, license: "CERN-OHL-S-2.0", category: "mobility", tags: [], size: 1, files: 1,
                                     supersedes: supersedes.map(id))
        var listing = CatalogListing(package: id(byte), summary: summary, publisher: publisher, publishedAt: Timestamp(secondsSinceEpoch: time))
        if retracted { listing.retractions = [RetractionNote(time: Timestamp(secondsSinceEpoch: time + 1), reason: "broken")] }
        listing.isSignerRevoked = revoked
        return listing
    }

    /// A catalog as a list: claims are the listings naming a package as superseded.
    struct Catalog {
        var listings: [CatalogListing]
        func claims(_ package: ContentID) -> [CatalogListing] { listings.filter { $0.summary.supersedes == package } }
        func listing(_ package: ContentID) -> CatalogListing? { listings.first { $0.package == package } }
    }

    @Test("newer versions are followed on by the same publisher only; a retracted newest gives way to the one before; revoked signers do not count")
    func walk() {
        let catalog = Catalog(listings: [
            Self.listing(1, version: "1.0.0", at: 100),
            Self.listing(2, version: "1.1.0", supersedes: 1, at: 200),
            Self.listing(3, version: "1.2.0", supersedes: 2, at: 300, retracted: true),
            // Another publisher's claim, and a claim signed by a revoked key: neither is a version of 1.
            Self.listing(4, version: "9.9.9", supersedes: 1, by: Self.other, at: 400),
            Self.listing(5, version: "2.0.0", supersedes: 2, at: 500, revoked: true),
        ])
        let start = catalog.listings[0]
        let newer = VersionWalk.newer(than: start, claims: catalog.claims)
        #expect(newer.map(\.package) == [Self.id(3), Self.id(2)])
        #expect(VersionWalk.latest(newer)?.package == Self.id(2))
        #expect(VersionWalk.older(than: catalog.listings[2], listing: catalog.listing).map(\.package) == [Self.id(2), Self.id(1)])
        // The other publisher's package names 1, but 1 is not its own: no older versions.
        #expect(VersionWalk.older(than: catalog.listings[3], listing: catalog.listing).isEmpty)
        // Two branches from one version: the newer publish wins.
        let branches = Catalog(listings: [Self.listing(1, version: "1", at: 100), Self.listing(6, version: "2a", supersedes: 1, at: 300),
                                          Self.listing(7, version: "2b", supersedes: 1, at: 200)])
        #expect(VersionWalk.latest(VersionWalk.newer(than: branches.listings[0], claims: branches.claims))?.package == Self.id(6))
    }

    @Test("a long chain is walked up to the bound without looping")
    func longChain() {
        var listings = [Self.listing(0, version: "0", at: 0)]
        for byte in 1...255 as ClosedRange<UInt8> { listings.append(Self.listing(byte, version: "\(byte)", supersedes: byte - 1, at: Int64(byte))) }
        let catalog = Catalog(listings: listings)
        let newer = VersionWalk.newer(than: listings[0], claims: catalog.claims)
        #expect(newer.count == 255)
        #expect(VersionWalk.latest(newer)?.package == Self.id(255))
        #expect(VersionWalk.older(than: listings[255], listing: catalog.listing).count == 255)
    }

    @Test("the listing codec keeps `supersedes`, `derivedFrom` and fabrication needs; queries find them through the `s:` and `d:` terms")
    func codecAndTerm() {
        let base = Self.listing(2, version: "1.1.0", supersedes: 1, at: 200, retracted: true)
        var summary = base.summary
        summary.derivedFrom = [Self.id(7), Self.id(5)]
        // Fabrication needs (flag 16), every optional part present in one and absent in another.
        summary.fabrication = [FabricationNeed(process: .cncRouting, part: "panels", size: Millimetres([2440, 1220]), material: "plywood",
                                               thickness: DecimalAmount(parsing: "18.5")),
                               FabricationNeed(process: .assembly), FabricationNeed(process: .cncMilling, size: Millimetres([125, 125, 16]))]
        var listing = CatalogListing(package: base.package, summary: summary, publisher: base.publisher, publishedAt: base.publishedAt)
        listing.retractions = base.retractions
        var bytes: [UInt8] = []
        CatalogListingCodec.encode(listing, into: &bytes)
        let decoded = bytes.withUnsafeBytes { raw -> CatalogListing? in
            var reader = IndexReader(raw)
            return CatalogListingCodec.decode(&reader)
        }
        #expect(decoded?.summary == listing.summary && decoded?.retractions == listing.retractions)
        var query = CatalogQuery()
        query.supersedes = Self.id(1)
        #expect(query.matches(listing) && !query.matches(Self.listing(1, version: "1.0.0", at: 100)))
        var children = CatalogQuery()
        children.derivedFrom = Self.id(5)
        #expect(children.matches(listing) && !children.matches(Self.listing(1, version: "1.0.0", at: 100)))
        // A listing without either encodes as before (flags 4 and 8 clear).
        var plain: [UInt8] = []
        CatalogListingCodec.encode(Self.listing(1, version: "1.0.0", at: 100), into: &plain)
        #expect(plain[72] == 0)
    }

    @Test("a signed publish statement carries `supersedes` in its summary and reads back; a summary without it differs with the manifest does not match")
    func signedSummary() throws {
        let key = try Ed25519PrivateKey()
        var summary = Self.listing(2, version: "1.1.0", supersedes: 1, at: 0).summary
        let statement = Statement(kind: .publish, package: Self.id(2), identity: NodeID(publicKey: key.publicKey),
                                  time: Timestamp(secondsSinceEpoch: 1_790_000_000), summary: summary)
        let signed = try SignedStatement.sign(statement, with: key, delegation: nil)
        let bytes = try signed.canonicalBytes()
        #expect(String(decoding: bytes, as: UTF8.self).contains("\"supersedes\":\"\(Self.id(1).hex)\""))
        #expect(try SignedStatement(parsing: bytes).statement.summary?.supersedes == Self.id(1))
        summary.supersedes = nil
        #expect(summary != Self.listing(2, version: "1.1.0", supersedes: 1, at: 0).summary)
    }

    static let draft = """
        {"title": "Cargo bike trailer", "version": "VERSION", "summary": "A trailer", "category": "mobility",
         "license": "CERN-OHL-S-2.0", "licensors": [{"name": "Test Lab"}], "documentationLanguage": ["en"],
         "created": "2026-01-01T00:00:00Z"EXTRA}
        """

    static func write(_ folder: TempDirectory, _ name: String, version: String, extra: String = "", content: UInt64) throws -> String {
        _ = try folder.write("\(name)/allmende.json", text: draft.replacingOccurrences(of: "VERSION", with: version).replacingOccurrences(of: "EXTRA", with: extra))
        _ = try folder.write("\(name)/frame.dxf", pseudoRandomBytes(count: 2000, seed: content))
        return folder.file(name)
    }

    @Test("publishing a new version: a prefix is stored in full, the catalog knows it as the newest; another publisher or an unknown package is refused")
    func publishVersions() throws {
        try withTempDirectory("versions") { folder throws in
            let store = try PackageStore(home: NodeHome(path: folder.file("home")))
            let lab = LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil)
            let now = Timestamp(parsing: "2026-11-22T12:00:00Z")!
            let v1 = try store.publish(folder: try Self.write(folder, "v1", version: "1.0.0", content: 1), as: lab, options: PublishOptions(now: now))
            let v2 = try store.publish(folder: try Self.write(folder, "v2", version: "1.1.0", extra: ", \"supersedes\": \"\(v1.packageID.hex.prefix(8))\"", content: 2),
                                       as: lab, options: PublishOptions(now: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 60)))
            #expect(v2.manifest.info.supersedes == v1.packageID)
            #expect(v2.warnings.isEmpty)
            #expect(store.latestVersion(of: v1.packageID)?.package == v2.packageID)
            #expect(store.latestVersion(of: v2.packageID) == nil)
            #expect(store.versions(of: v2.packageID).older.map(\.package) == [v1.packageID])
            #expect(store.catalogListing(v2.packageID)?.summary.supersedes == v1.packageID)
            // ls and search group them: the newest shown, standing for one older version.
            let grouped = store.groupingVersions(store.catalogListings())
            #expect(grouped.map(\.listing.package) == [v2.packageID] && grouped.first?.olderVersions == 1)
            // The same version string again is published, with a warning.
            let same = try store.publish(folder: try Self.write(folder, "v3", version: "1.1.0", extra: ", \"supersedes\": \"\(v2.packageID.hex)\"", content: 3),
                                         as: lab, options: PublishOptions(now: Timestamp(secondsSinceEpoch: now.secondsSinceEpoch + 120)))
            #expect(same.warnings.contains { $0.contains("same version string") })
            // Another lab cannot publish a version of this lab's design, and nothing is stored when it tries.
            let stranger = LabIdentity(deviceKey: try Ed25519PrivateKey(), delegation: nil)
            let packages = store.packageIDs().count
            #expect(throws: StoreError.self) {
                try store.publish(folder: try Self.write(folder, "fake", version: "2.0.0", extra: ", \"supersedes\": \"\(v1.packageID.hex)\"", content: 4),
                                  as: stranger, options: PublishOptions(now: now))
            }
            #expect(store.packageIDs().count == packages)
            // A package this node does not know cannot be checked: refused.
            let unknown = Self.id(0xab).hex
            #expect(throws: StoreError.self) {
                try store.publish(folder: try Self.write(folder, "orphan", version: "2.0.0", extra: ", \"supersedes\": \"\(unknown)\"", content: 5),
                                  as: lab, options: PublishOptions(now: now))
            }
            #expect(store.packageIDs().count == packages)
            // Written into the index file and read back by another process: the claims are found through the file's terms.
            #expect(try store.checkCatalogIndex() == nil)
            #expect(FileSystem.exists(folder.file("home") + "/catalog.index"))
            let reopened = try PackageStore(home: NodeHome(path: folder.file("home")))
            #expect(reopened.latestVersion(of: v1.packageID)?.package == same.packageID)
            #expect(reopened.versions(of: v2.packageID).newer.map(\.package) == [same.packageID])
            #expect(reopened.groupingVersions(reopened.catalogListings()).map(\.olderVersions) == [2])
        }
    }
}
