// CatalogIndexTests.swift: the catalog index gives the same answers as reading every entry (searches, paging,
// single lookups), is not used when it does not match the log, costs nothing but time when damaged, and lets the
// log open without reading the records it covers.

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Catalog index")
struct CatalogIndexTests {
    static let tags = ["timber", "energy", "fuel-cell", "bike"]
    static let licenses = ["CERN-OHL-S-2.0", "CERN-OHL-P-2.0", "CC-BY-SA-4.0", "MIT OR Apache-2.0", "LicenseRef-Proprietary"]
    static let words = ["Wall", "Block", "Trailer", "Stack", "Frame", "Hinge"]

    static func publish(_ number: Int, key: Ed25519PrivateKey, time: Int64? = nil) throws -> SignedStatement {
        let lab = NodeID(publicKey: key.publicKey)
        let manifest = try DesignManifest(parsing: manifestWithFiles(1 + number % 3, size: 100 + number, publisher: lab.text))
        var summary = PackageSummary(manifest: manifest)
        summary.title = "\(words[number % words.count]) \(words[(number / 6) % words.count])-Design \(number)"
        summary.tags = number % 3 == 0 ? [] : [tags[number % tags.count]]
        summary.license = licenses[number % licenses.count]
        return try SignedStatement.sign(Statement(kind: .publish, package: package(number), identity: lab,
                                                  time: Timestamp(secondsSinceEpoch: time ?? (1_790_000_000 + Int64(number / 2))), summary: summary),
                                        with: key, delegation: nil)
    }

    static func package(_ number: Int) -> ContentID { SHA256Hasher.hash(Array("p\(number)".utf8)) }

    static func statement(_ kind: StatementKind, _ number: Int, by key: Ed25519PrivateKey, at time: Int64) throws -> SignedStatement {
        try SignedStatement.sign(Statement(kind: kind, package: package(number), identity: NodeID(publicKey: key.publicKey),
                                           time: Timestamp(secondsSinceEpoch: time), note: kind == .attest ? "built" : nil,
                                           reason: kind == .retract ? "unsafe" : nil),
                                 with: key, delegation: nil)
    }

    static func fingerprint(_ listings: [CatalogListing]) -> [String] {
        listings.map { "\($0.package.hex) \($0.summary) \($0.publisher.text) \($0.publishedAt) \($0.retraction ?? "-") \($0.attestations) \($0.isSignerRevoked)" }
    }

    /// Listings built by reading every entry, with no index file anywhere: what the index must agree with.
    static func reference(_ home: NodeHome) throws -> [CatalogListing] {
        let copy = NodeHome(path: home.path + "-reference")
        try? FileSystem.removeTree(copy.path)
        try FileSystem.makeDirectories(copy.path)
        try FileSystem.writeAtomically(try FileSystem.readFile(home.path + "/catalog", limit: 1 << 30), to: copy.path + "/catalog", mode: 0o600)
        defer { try? FileSystem.removeTree(copy.path) }
        let index = CatalogIndex(path: copy.path + "/no-index-here/catalog.index")
        return index.search(CatalogQuery(), catalog: try CatalogLog(path: copy.path + "/catalog"), rule: RevocationRule()) ?? []
    }

    /// A catalog of `count` publish entries by two labs, attestations and retractions in between.
    static func fill(_ store: PackageStore, _ range: Range<Int>, key: Ed25519PrivateKey, other: Ed25519PrivateKey) throws {
        for number in range {
            try store.catalog.append(try publish(number, key: number % 7 == 0 ? other : key))
            if number % 50 == 10 { try store.catalog.append(try statement(.attest, number - 5, by: other, at: 1_790_100_000 + Int64(number))) }
            if number % 90 == 20 { try store.catalog.append(try statement(.retract, number - 3, by: key, at: 1_790_100_000 + Int64(number))) }
            // An attestation that arrives before its package's publish entry.
            if number % 100 == 30 { try store.catalog.append(try statement(.attest, number + 2, by: other, at: 1_790_100_000 + Int64(number))) }
        }
    }

    @Test("a new process reads the index file and the entries after it, and answers as reading every entry does")
    func sameAnswers() throws {
        try withTempDirectory("index") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let (key, other) = (try Ed25519PrivateKey(), try Ed25519PrivateKey())
            let first = try PackageStore(home: home)
            try Self.fill(first, 0..<600, key: key, other: other)
            let expected = Self.fingerprint(try Self.reference(home))
            #expect(Self.fingerprint(first.catalogListings()) == expected)
            #expect(FileSystem.exists(home.path + "/catalog.index"))

            // A new process: the file covers most entries; 40 more are read from the log (overlay).
            try Self.fill(try PackageStore(home: home), 600..<640, key: key, other: other)
            let second = try PackageStore(home: home)
            #expect(Self.fingerprint(second.catalogListings()) == Self.fingerprint(try Self.reference(home)))
            #expect(second.catalogListing(Self.package(5))?.attestations == 1)
            #expect(second.catalogListing(Self.package(17))?.retraction == "unsafe")
            #expect(second.catalogListing(Self.package(132))?.attestations == 1, "an attestation that came before the publish entry counts")
            #expect(second.catalogListing(SHA256Hasher.hash(Array("never".utf8))) == nil)
            // Bytes per signing identity (the strangers' budget is counted from them at start-up).
            var perIdentity: [NodeID: Int] = [:]
            for (_, bytes) in try CatalogLog(path: home.path + "/catalog").entryPayloads(from: 0) {
                if case let .statement(entry)? = try? CatalogEntry(parsingStored: bytes) { perIdentity[entry.statement.identity, default: 0] += bytes.count }
            }
            #expect(second.catalogBytesByIdentity() == perIdentity)
            #expect(perIdentity.count == 2)
        }
    }

    @Test("searches through the index match the same filter applied to every listing, across the file and the overlay, page by page")
    func searchesAndPaging() throws {
        try withTempDirectory("index-search") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let (key, other) = (try Ed25519PrivateKey(), try Ed25519PrivateKey())
            try Self.fill(try PackageStore(home: home), 0..<500, key: key, other: other)
            _ = try PackageStore(home: home).catalogListings()
            // Entries after the file, including a package published again earlier (it takes over) and a retraction.
            let store = try PackageStore(home: home)
            try Self.fill(store, 500..<560, key: key, other: other)
            try store.catalog.append(try Self.publish(40, key: other, time: 1_700_000_000))
            try store.catalog.append(try Self.statement(.retract, 41, by: key, at: 1_790_200_000))
            let all = try Self.reference(home)
            #expect(Self.fingerprint(store.catalogListings()) == Self.fingerprint(all))
            let queries: [CatalogQuery] = [
                CatalogQuery(text: "wall"), CatalogQuery(text: "WALL bloc"), CatalogQuery(text: "design 4"), CatalogQuery(text: "fuel"),
                CatalogQuery(text: "nothing-like-this"), CatalogQuery(tag: "timber"), CatalogQuery(tag: "fuel-cell"),
                CatalogQuery(licenseIDs: ["CERN-OHL-S-2.0", "MIT"]), CatalogQuery(publisher: NodeID(publicKey: other.publicKey).text),
                CatalogQuery(text: "frame", tag: "energy", licenseIDs: ["CERN-OHL-P-2.0", "CC-BY-SA-4.0", "Apache-2.0"]), CatalogQuery(),
                CatalogQuery(text: "cern"), CatalogQuery(text: "tools"),
            ]
            for query in queries {
                let expected = Self.fingerprint(all.filter { query.matches($0) })
                #expect(Self.fingerprint(try store.searchCatalog(query)) == expected, "\(query)")
                // Page by page: 7 at a time, each page after the last package of the one before.
                var pages: [CatalogListing] = []
                var after: ContentID?
                while true {
                    let page = try store.searchCatalog(query, after: after, limit: 7)
                    pages += page
                    guard page.count == 7, let last = page.last else { break }
                    after = last.package
                }
                #expect(Self.fingerprint(pages) == expected, "paged \(query)")
            }
            #expect(!(try store.searchCatalog(CatalogQuery(text: "wall"))).isEmpty)
            #expect(throws: StoreError.self) { try store.searchCatalog(CatalogQuery(), after: SHA256Hasher.hash([1]), limit: 5) }
            #expect(store.catalogPackages(withPrefix: try ContentIDPrefix(parsing: String(Self.package(3).hex.prefix(6)))) == [Self.package(3)])
        }
    }

    @Test("an index of another log, a damaged one, or one that lists other packages than the log is not believed")
    func mismatchAndDamage() throws {
        try withTempDirectory("index-bad") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let (key, other) = (try Ed25519PrivateKey(), try Ed25519PrivateKey())
            let store = try PackageStore(home: home)
            try Self.fill(store, 0..<400, key: key, other: other)
            let expected = Self.fingerprint(try Self.reference(home))
            #expect(Self.fingerprint(store.catalogListings()) == expected)
            let path = home.path + "/catalog.index"
            let saved = try FileSystem.readFile(path, limit: 1 << 30)
            // Damaged anywhere: the header, a section, a listing record. The listings come from the log.
            for offset in [0, 30, 200, saved.count / 3, saved.count / 2, saved.count - 5] {
                var damaged = saved
                damaged[offset] ^= 0x5A
                try FileSystem.writeAtomically(damaged, to: path, mode: 0o600)
                let fresh = try PackageStore(home: home)
                #expect(Self.fingerprint(fresh.catalogListings()) == expected, "damage at \(offset)")
                #expect(fresh.catalog.count == store.catalog.count && fresh.catalog.ids == store.catalog.ids, "damage at \(offset)")
                try FileSystem.writeAtomically(damaged, to: path, mode: 0o600)
                #expect(try PackageStore(home: home).checkCatalogIndex() != nil, "fsck notices damage at \(offset)")
                #expect(try PackageStore(home: home).checkCatalogIndex() == nil, "and rebuilt it")
            }
            // An index that names the right log but lists a package differently: fsck finds and rebuilds it.
            let file = try #require(CatalogIndexFile.open(path))
            var listings: [ContentID: CatalogListing] = [:]
            for number in 0..<file.listingCount { if let listing = file.listing(at: number) { listings[listing.package] = listing } }
            let genuine = try #require(listings[Self.package(8)])
            var summary = genuine.summary
            summary.title = "Forged"
            var forgedListing = CatalogListing(package: genuine.package, summary: summary, publisher: genuine.publisher, publishedAt: genuine.publishedAt)
            forgedListing.retractions = genuine.retractions
            listings[Self.package(8)] = forgedListing
            let checkpoint = try #require(store.catalog.checkpoint(count: file.key.entryCount))
            let forged = CatalogIndexFormat.encode(CatalogIndexContents(key: file.key, entries: checkpoint.entries, listings: listings, pending: file.pending() ?? [:],
                                                                        identityBytes: file.identityBytes() ?? [:]))
            try FileSystem.writeAtomically(forged, to: path, mode: 0o600)
            #expect(try PackageStore(home: home).catalogListing(Self.package(8))?.summary.title == "Forged", "(a consistent file is believed…)")
            #expect(try PackageStore(home: home).checkCatalogIndex() == "the catalog index lists other packages than the catalog log")
            #expect(try PackageStore(home: home).catalogListing(Self.package(8))?.summary.title != "Forged", "(…until fsck rebuilds it)")
            // The log rewritten (repair or eviction): another file, so the index is stale and not used.
            try store.catalog.remove([store.catalog.ids[0]])
            #expect(try PackageStore(home: home).catalogListings().count == expected.count - 1)
        }
    }

    @Test("the log opened through the index has the same entries as one read record by record, and keeps growing")
    func logThroughIndex() throws {
        try withTempDirectory("index-log") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let (key, other) = (try Ed25519PrivateKey(), try Ed25519PrivateKey())
            let store = try PackageStore(home: home)
            try Self.fill(store, 0..<300, key: key, other: other)
            _ = store.catalogListings()
            let fast = try PackageStore(home: home).catalog
            let full = try CatalogLog(path: home.path + "/catalog")
            #expect(fast.count == full.count)
            #expect(fast.ids == full.ids)
            for id in full.ids.shuffled().prefix(30) {
                #expect(fast.contains(id))
                #expect(fast.entryBytes(id) == full.entryBytes(id))
            }
            #expect(!fast.contains(SHA256Hasher.hash([7])))
            #expect(fast.entryPayloads(from: 250).map(\.0) == Array(full.ids[250...]))
            // Appending through it: a duplicate is refused, a new entry lands after the covered ones.
            #expect(try !fast.append(try Self.publish(3, key: key)))
            #expect(try fast.append(try Self.publish(9_999, key: key)))
            #expect(try CatalogLog(path: home.path + "/catalog").ids == fast.ids)
            // A torn append after the covered records is still cut by the next append.
            let handle = try FileDescriptor.open(home.path + "/catalog", O_WRONLY | O_APPEND)
            try handle.writeAll([0, 0, 1, 0, 9, 9])
            handle.close()
            let again = try PackageStore(home: home).catalog
            #expect(again.tornTailBytes == 6)
            #expect(try again.append(try Self.publish(10_000, key: key)))
            #expect(try CatalogLog(path: home.path + "/catalog").damage.isEmpty)
        }
    }

    @Test("the example index in Protocol/vectors reads whole; any byte of it flipped, cut short or extended reads without a crash")
    func exampleAndFlips() throws {
        let example = try FileSystem.readFile(Repository.root + "/Protocol/vectors/catalog-index-example.bin", limit: 1 << 20)
        #expect(CatalogIndexProbe.readEverything(example) == true)
        let file = try #require(CatalogIndexFile.decoding(example))
        #expect(file.listingCount == 3 && file.key.entryCount == 3)
        var random = SystemRandomNumberGenerator()
        for _ in 0..<400 {
            var damaged = example
            let offset = Int.random(in: 0..<damaged.count, using: &random)
            damaged[offset] ^= UInt8.random(in: 1...255, using: &random)
            // A flip in a checked part is found; nothing crashes either way.
            if let intact = CatalogIndexProbe.readEverything(damaged), offset >= CatalogIndexFormat.headerSize {
                #expect(!intact, "a flip at \(offset) went unnoticed")
            }
        }
        for length in [0, 8, 367, 368, 369, example.count - 1] { _ = CatalogIndexProbe.readEverything(Array(example.prefix(length))) }
        _ = CatalogIndexProbe.readEverything(example + [0, 1, 2])
    }
}
