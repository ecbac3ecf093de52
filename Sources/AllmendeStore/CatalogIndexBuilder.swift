// CatalogIndexBuilder.swift: AllmendeStore. How catalog entries become listings (one entry at a time, in log
// order), and how an index file's listings are searched. Spec: Protocol/catalog-log.md "The index".

import AllmendeCrypto
import AllmendeModel

enum CatalogIndexBuilder {
    /// SHA-256 over the sorted revocations' canonical bytes: listings judged by other revocations are rebuilt.
    static func revocationsDigest(_ rule: RevocationRule) -> ContentID {
        let parts = rule.revocations.compactMap { try? $0.canonicalBytes() }.sorted { $0.lexicographicallyPrecedes($1) }
        return SHA256Hasher.hash(parts.flatMap { $0 })
    }

    /// Applies entry `id` (its stored bytes) to `listings`. A listing not in `listings` is looked up with `lookup`
    /// (the index file) and copied in when the entry changes it.
    static func apply(_ id: ContentID, _ bytes: [UInt8], to listings: inout [ContentID: CatalogListing],
                      pending: inout [ContentID: [(SignedStatement, Bool)]], identityBytes: inout [NodeID: Int], catalog: CatalogLog,
                      rule: RevocationRule, lookup: (ContentID) -> CatalogListing?) {
        guard case let .statement(entry)? = try? CatalogEntry(parsingStored: bytes) else { return }
        identityBytes[entry.statement.identity, default: 0] += bytes.count
        // First-seen times are looked up only for statements by a revoked device.
        let isRevokedDevice = rule.revocations.contains { $0.identity == entry.statement.identity && $0.device == entry.signer }
        let flagged = isRevokedDevice && rule.revocation(against: entry.statement, device: entry.signer, firstSeen: catalog.firstSeen(id)) != nil
        let package = entry.statement.package
        if listings[package] == nil, let known = lookup(package) { listings[package] = known }
        apply(entry, flagged: flagged, to: &listings, pending: &pending)
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
                // nobody published cannot grow the listings (and the index) without end.
                if pending[package] != nil || pending.count < CatalogIndex.maximumPendingPackages {
                    pending[package, default: []].append((entry, flagged))
                }
                return
            }
            if entry.statement.kind == .attest {
                listing.attesters.insert(entry.statement.identity)
            } else if entry.statement.identity == listing.publisher, listing.retractions.count < CatalogIndex.maximumRetractions {
                // Every reason stays visible, oldest first (entries arrive in any order).
                let note = RetractionNote(time: entry.statement.time, reason: entry.statement.reason ?? "no reason given")
                let position = listing.retractions.lastIndex { $0.time <= note.time }.map { $0 + 1 } ?? 0
                listing.retractions.insert(note, at: position)
            }
            listings[package] = listing
        }
    }
}

extension CatalogIndexFile {
    /// The listings in this file matching `query` and passing `isBefore` (time, package), newest first, at most
    /// `limit`, leaving out packages in `shadowed` (changed since the file was written).
    func candidates(_ query: CatalogQuery, shadowed: [ContentID: CatalogListing], isBefore: @escaping (Int64, ContentID) -> Bool,
                    limit: Int) -> [(time: Int64, package: ContentID, number: Int)] {
        guard let times = section(.listingTimes), let table = section(.listingTable), let newest = section(.listingNewest) else { return [] }
        // Each part of the query narrows to the listings under its terms.
        var sets: [[UInt32]] = []
        for word in query.words { sets.append(postings("w:" + word, isPrefix: true) ?? []) }
        if let tag = query.tag { sets.append(postings("t:" + tag, isPrefix: false) ?? []) }
        if let ids = query.licenseIDs {
            sets.append(Array(Set(ids.flatMap { postings("l:" + $0, isPrefix: false) ?? [] })).sorted())
        }
        if let publisher = query.publisher { sets.append(postings(CatalogTerms.publisherTerm(publisher), isPrefix: false) ?? []) }
        if let category = query.category { sets.append(postings("c:" + category.lowercased(), isPrefix: false) ?? []) }
        if let supersedes = query.supersedes { sets.append(postings(CatalogTerms.supersedesTerm(supersedes), isPrefix: false) ?? []) }
        if let parent = query.derivedFrom { sets.append(postings(CatalogTerms.derivedFromTerm(parent), isPrefix: false) ?? []) }
        var chosen: [UInt32]? = sets.first
        for set in sets.dropFirst() {
            guard let current = chosen else { break }
            let other = Set(set)
            chosen = current.filter { other.contains($0) }
        }
        var result: [(time: Int64, package: ContentID, number: Int)] = []
        let consider = { (number: Int) -> Bool in
            let package = self.package(at: number, table: table)
            let time = self.publishedAt(number, times: times)
            guard shadowed[package] == nil, isBefore(time, package) else { return true }
            result.append((time, package, number))
            return result.count < limit
        }
        if let chosen, chosen.count * 8 < listingCount {
            // Few hits: sort them.
            let sorted = chosen.map(Int.init).filter { $0 < listingCount }.sorted {
                let (a, b) = (publishedAt($0, times: times), publishedAt($1, times: times))
                return a != b ? a > b : package(at: $0, table: table) > package(at: $1, table: table)
            }
            for number in sorted where !consider(number) { break }
        } else {
            // Many hits (or all): walk the newest-first order.
            var member: [Bool]?
            if let chosen {
                member = [Bool](repeating: false, count: listingCount)
                for number in chosen where Int(number) < listingCount { member![Int(number)] = true }
            }
            // isBefore is false up to the cursor and true after it: start where it turns true.
            var (low, high) = (0, listingCount)
            while low < high {
                let middle = (low + high) / 2
                let number = Int(newest.u32(at: middle * 4))
                if number < listingCount && !isBefore(publishedAt(number, times: times), package(at: number, table: table)) {
                    low = middle + 1
                } else {
                    high = middle
                }
            }
            for rank in low..<listingCount {
                let number = Int(newest.u32(at: rank * 4))
                guard number < listingCount, member?[number] ?? true else { continue }
                if !consider(number) { break }
            }
        }
        return result
    }
}
