// CatalogListingSnapshot.swift: AllmendeStore. The catalog's listings saved beside it, so a command does not
// parse every entry again. Pure encoding; a cache: when it does not match the catalog it is rebuilt.

import AllmendeCrypto
import AllmendeModel

/// What the listings were built from: the catalog file, how many of its entries, and which revocations.
struct CatalogListingKey: Equatable {
    /// The catalog file (device and inode): a rewritten catalog is another file.
    var file: (device: UInt64, inode: UInt64)
    /// Entries read.
    var seen: Int
    /// The last entry read (so that a different catalog with as many entries does not match).
    var lastEntry: ContentID?
    /// SHA-256 over the sorted revocations' canonical bytes.
    var revocations: ContentID

    static func == (a: CatalogListingKey, b: CatalogListingKey) -> Bool {
        a.file == b.file && a.seen == b.seen && a.lastEntry == b.lastEntry && a.revocations == b.revocations
    }

    static func revocationsDigest(_ rule: RevocationRule) -> ContentID {
        let parts = rule.revocations.compactMap { try? $0.canonicalBytes() }.sorted { $0.lexicographicallyPrecedes($1) }
        return SHA256Hasher.hash(parts.flatMap { $0 })
    }
}

/// Binary encoding of listings and pending statements: `"AMLIST1\n"`, the key, the listings, then the SHA-256 of
/// everything before it (a flipped bit makes the whole snapshot unused, never a wrong listing).
enum CatalogListingSnapshot {
    /// Version 2 (2026-12): every retraction, not only the last.
    static let magic = Array("AMLIST2\n".utf8)

    static func encode(key: CatalogListingKey, listings: [ContentID: CatalogListing],
                       pending: [ContentID: [(SignedStatement, Bool)]]) -> [UInt8] {
        var out = magic
        out.u64(key.file.device)
        out.u64(key.file.inode)
        out.u64(UInt64(key.seen))
        out += key.lastEntry?.bytes ?? [UInt8](repeating: 0, count: 32)
        out += key.revocations.bytes
        out.u64(UInt64(listings.count))
        for listing in listings.values {
            out += listing.package.bytes
            out += listing.publisher.publicKey.rawRepresentation
            out.u64(UInt64(bitPattern: listing.publishedAt.secondsSinceEpoch))
            out.append((listing.isSignerRevoked ? 1 : 0) | (listing.retractions.isEmpty ? 0 : 2))
            if !listing.retractions.isEmpty {
                out.u64(UInt64(listing.retractions.count))
                for note in listing.retractions {
                    out.u64(UInt64(bitPattern: note.time.secondsSinceEpoch))
                    out.string(note.reason)
                }
            }
            let summary = listing.summary
            for text in [summary.title, summary.version, summary.license, summary.category] { out.string(text) }
            out.u64(UInt64(summary.tags.count))
            for tag in summary.tags { out.string(tag) }
            out.u64(UInt64(summary.size))
            out.u64(UInt64(summary.files))
            out.u64(UInt64(listing.attesters.count))
            for attester in listing.attesters.sorted() { out += attester.publicKey.rawRepresentation }
        }
        out.u64(UInt64(pending.count))
        for (package, statements) in pending {
            out += package.bytes
            out.u64(UInt64(statements.count))
            for (statement, flagged) in statements {
                out.append(flagged ? 1 : 0)
                out.bytes((try? statement.canonicalBytes()) ?? [])
            }
        }
        return out + SHA256Hasher.hash(out).bytes
    }

    /// The key and state in `bytes`, or nil if they are not a snapshot this version wrote.
    static func decode(_ file: [UInt8]) -> (CatalogListingKey, [ContentID: CatalogListing], [ContentID: [(SignedStatement, Bool)]])? {
        guard file.count >= 32 + magic.count else { return nil }
        let bytes = Array(file.dropLast(32))
        guard SHA256Hasher.hash(bytes).bytes == Array(file.suffix(32)) else { return nil }
        var reader = SnapshotReader(data: bytes)
        guard reader.take(magic.count) == magic,
              let device = reader.u64(), let inode = reader.u64(), let seen = reader.count(),
              let last = reader.take(32), let revocations = reader.take(32), let listingCount = reader.count() else { return nil }
        let lastEntry = last.allSatisfy { $0 == 0 } ? nil : try? ContentID(validatingDigest: last)
        guard let revocationsID = try? ContentID(validatingDigest: revocations) else { return nil }
        let key = CatalogListingKey(file: (device, inode), seen: seen, lastEntry: lastEntry, revocations: revocationsID)
        var listings: [ContentID: CatalogListing] = [:]
        listings.reserveCapacity(listingCount)
        for _ in 0..<listingCount {
            guard let packageBytes = reader.take(32), let package = try? ContentID(validatingDigest: packageBytes),
                  let publisher = reader.nodeID(), let published = reader.u64(), let flags = reader.take(1)?.first else { return nil }
            var retractions: [RetractionNote] = []
            if flags & 2 != 0 {
                guard let count = reader.count(), count <= CatalogListingIndex.maximumRetractions else { return nil }
                for _ in 0..<count {
                    guard let time = reader.u64(), let reason = reader.string() else { return nil }
                    retractions.append(RetractionNote(time: Timestamp(secondsSinceEpoch: Int64(bitPattern: time)), reason: reason))
                }
            }
            guard let title = reader.string(), let version = reader.string(), let license = reader.string(),
                  let category = reader.string(), let tagCount = reader.count() else { return nil }
            var tags: [String] = []
            for _ in 0..<tagCount {
                guard let tag = reader.string() else { return nil }
                tags.append(tag)
            }
            guard let size = reader.u64(), size <= UInt64(DesignManifest.maximumTotalSize), let files = reader.count(),
                  let attesterCount = reader.count() else { return nil }
            var attesters: Set<NodeID> = []
            for _ in 0..<attesterCount {
                guard let attester = reader.nodeID() else { return nil }
                attesters.insert(attester)
            }
            var listing = CatalogListing(package: package, summary: PackageSummary(title: title, version: version, license: license, category: category,
                                                                                   tags: tags, size: Int(size), files: files),
                                         publisher: publisher, publishedAt: Timestamp(secondsSinceEpoch: Int64(bitPattern: published)))
            listing.retractions = retractions
            listing.isSignerRevoked = flags & 1 != 0
            listing.attesters = attesters
            listings[package] = listing
        }
        guard let pendingCount = reader.count() else { return nil }
        var pending: [ContentID: [(SignedStatement, Bool)]] = [:]
        for _ in 0..<pendingCount {
            guard let packageBytes = reader.take(32), let package = try? ContentID(validatingDigest: packageBytes), let count = reader.count() else { return nil }
            for _ in 0..<count {
                guard let flag = reader.take(1)?.first, let body = reader.bytes(), let statement = try? SignedStatement(parsing: body) else { return nil }
                pending[package, default: []].append((statement, flag == 1))
            }
        }
        guard reader.isAtEnd else { return nil }
        return (key, listings, pending)
    }
}

private extension [UInt8] {
    mutating func u64(_ value: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
    mutating func bytes(_ value: [UInt8]) {
        u64(UInt64(value.count))
        append(contentsOf: value)
    }
    mutating func string(_ value: String) { bytes(Array(value.utf8)) }
}

/// Reads a snapshot field by field; every read is bounds-checked (a damaged file is just not used).
private struct SnapshotReader {
    let data: [UInt8]
    var offset = 0

    var isAtEnd: Bool { offset == data.count }

    mutating func take(_ count: Int) -> [UInt8]? {
        guard count >= 0, data.count - offset >= count else { return nil }
        defer { offset += count }
        return Array(data[offset..<offset + count])
    }

    mutating func u64() -> UInt64? { take(8)?.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }

    /// A count or size: at most what the rest of the file could hold.
    mutating func count() -> Int? {
        guard let value = u64(), value <= UInt64(data.count) * 64 else { return nil }
        return Int(value)
    }

    mutating func bytes() -> [UInt8]? {
        guard let length = u64(), length <= UInt64(data.count - offset) else { return nil }
        return take(Int(length))
    }

    mutating func string() -> String? { bytes().flatMap { String(validating: $0, as: UTF8.self) } }

    mutating func nodeID() -> NodeID? {
        take(32).flatMap { try? Ed25519PublicKey(rawRepresentation: $0) }.map { NodeID(publicKey: $0) }
    }
}
