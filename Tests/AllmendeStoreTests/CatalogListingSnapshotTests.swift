// CatalogListingSnapshotTests.swift: the listings saved beside the catalog give the same answers as reading every
// entry, are ignored when they do not match the catalog, and a damaged snapshot costs nothing but time.

import AllmendeCrypto
import AllmendeModel
@testable import AllmendeStore
import AllmendeSystem
import AllmendeTestSupport
import Foundation
import Testing

@Suite("Catalog listing snapshot")
struct CatalogListingSnapshotTests {
    static func publish(_ number: Int, key: Ed25519PrivateKey) throws -> SignedStatement {
        let lab = NodeID(publicKey: key.publicKey)
        let manifest = try DesignManifest(parsing: manifestWithFiles(1 + number % 3, size: 100 + number, publisher: lab.text))
        var summary = PackageSummary(manifest: manifest)
        summary.title = "Design \(number)"
        summary.tags = number % 2 == 0 ? ["timber"] : []
        return try SignedStatement.sign(Statement(kind: .publish, package: SHA256Hasher.hash(Array("p\(number)".utf8)), identity: lab,
                                                  time: Timestamp(secondsSinceEpoch: 1_790_000_000 + Int64(number)), summary: summary),
                                        with: key, delegation: nil)
    }

    /// What differs between two fingerprints (a few lines, for the failure message).
    static func difference(_ a: [String], _ b: [String]) -> String {
        let (setA, setB) = (Set(a), Set(b))
        return "only before: \(Array(setB.subtracting(setA)).sorted().prefix(2)) only after: \(Array(setA.subtracting(setB)).sorted().prefix(2)) counts \(a.count)/\(b.count)"
    }

    static func fingerprint(_ listings: [CatalogListing]) -> [String] {
        listings.map { "\($0.package.hex) \($0.summary) \($0.publisher.text) \($0.publishedAt) \($0.retraction ?? "-") \($0.attestations) \($0.isSignerRevoked)" }
    }

    @Test("a new process starts from the snapshot and gets the same listings, including entries added since")
    func sameAnswers() throws {
        try withTempDirectory("snapshot") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let key = try Ed25519PrivateKey()
            let other = try Ed25519PrivateKey()
            let first = try PackageStore(home: home)
            for number in 0..<300 { try first.catalog.append(try Self.publish(number, key: key)) }
            // An attestation by a lab that publishes too, one by a throw-away identity, and a retraction.
            try first.catalog.append(try Self.publish(1000, key: other))
            for attester in [other, try Ed25519PrivateKey()] {
                try first.catalog.append(try SignedStatement.sign(Statement(kind: .attest, package: SHA256Hasher.hash(Array("p7".utf8)),
                                                                            identity: NodeID(publicKey: attester.publicKey),
                                                                            time: Timestamp(secondsSinceEpoch: 1_790_100_000), note: "built"),
                                                                  with: attester, delegation: nil))
            }
            try first.catalog.append(try SignedStatement.sign(Statement(kind: .retract, package: SHA256Hasher.hash(Array("p9".utf8)),
                                                                        identity: NodeID(publicKey: key.publicKey),
                                                                        time: Timestamp(secondsSinceEpoch: 1_790_100_001), reason: "unsafe"),
                                                              with: key, delegation: nil))
            let expected = Self.fingerprint(first.catalogListings())
            #expect(FileSystem.exists(home.path + "/catalog.listings"))
            #expect(first.catalogListing(SHA256Hasher.hash(Array("p7".utf8)))?.attestations == 1)

            let second = try PackageStore(home: home)
            let again = Self.fingerprint(second.catalogListings())
            #expect(again == expected, "\(Self.difference(again, expected))")
            for number in 300..<320 { try second.catalog.append(try Self.publish(number, key: key)) }
            let third = try PackageStore(home: home)
            let grown = third.catalogListings()
            #expect(grown.count == expected.count + 20)
            #expect(Self.fingerprint(Array(grown.filter { !$0.summary.title.hasPrefix("Design 30") && !$0.summary.title.hasPrefix("Design 31") }))
                    == expected.filter { !$0.contains("Design 30") && !$0.contains("Design 31") })
        }
    }

    @Test("a snapshot of another catalog, or a damaged one, is not used")
    func mismatchAndDamage() throws {
        try withTempDirectory("snapshot-bad") { folder throws in
            let home = NodeHome(path: folder.file("home"))
            let key = try Ed25519PrivateKey()
            let store = try PackageStore(home: home)
            for number in 0..<260 { try store.catalog.append(try Self.publish(number, key: key)) }
            let expected = Self.fingerprint(store.catalogListings())
            let path = home.path + "/catalog.listings"
            let saved = try FileSystem.readFile(path, limit: 1 << 30)
            // Damaged anywhere: decoding fails or the key does not match; the listings are read from the catalog.
            for offset in [0, 40, saved.count / 2, saved.count - 1] {
                var damaged = saved
                damaged[offset] ^= 0x5A
                try FileSystem.writeAtomically(damaged, to: path, mode: 0o600)
                let listed = Self.fingerprint(try PackageStore(home: home).catalogListings())
                #expect(listed == expected, "damage at \(offset): \(Self.difference(listed, expected))")
            }
            // The catalog rewritten (repair or eviction): another file, so the snapshot is stale and ignored.
            try FileSystem.writeAtomically(saved, to: path, mode: 0o600)
            let dropped = store.catalog.ids.first.map { Set([$0]) } ?? []
            try store.catalog.remove(dropped)
            #expect(try PackageStore(home: home).catalogListings().count == expected.count - 1)
            #expect(CatalogListingSnapshot.decode(Array("AMLIST2\n".utf8) + [1, 2, 3]) == nil)
        }
    }
}
