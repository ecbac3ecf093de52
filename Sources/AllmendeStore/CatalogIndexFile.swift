// CatalogIndexFile.swift: AllmendeStore. The catalog index on disk (`catalog.index`): an immutable file, written
// whole and renamed into place, read through a memory mapping without reading all of it.
// Spec: Protocol/catalog-log.md "The index".

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Glibc
import Synchronization

/// What the index covers: the log file (device, inode), how many of its entries and bytes, the last entry
/// covered, and the revocations its listings were judged by.
struct CatalogIndexKey: Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var entryCount: Int
    var coveredEnd: Int
    var lastEntry: ContentID?
    var revocations: ContentID
}

/// Everything an index file holds, for writing.
struct CatalogIndexContents {
    var key: CatalogIndexKey
    /// Entry IDs and the offsets of their records, in log order.
    var entries: [(id: ContentID, offset: Int)]
    var listings: [ContentID: CatalogListing]
    var pending: [ContentID: [(SignedStatement, Bool)]]
    /// Bytes of statements per signing identity.
    var identityBytes: [NodeID: Int]
}

/// The sections of an index file, in file order.
enum CatalogIndexSection: Int, CaseIterable {
    /// 32-byte entry IDs in log order.
    case entryIDs
    /// u64 record offsets in log order.
    case entryOffsets
    /// u32 log positions, sorted by entry ID.
    case entrySorted
    /// Listing records (`u32 length ‖ u32 CRC-32C ‖ listing`), checked one by one when read.
    case listingRecords
    /// Per listing, sorted by package ID: 32-byte package ID and u64 record offset.
    case listingTable
    /// Per listing (same order): i64 publish time.
    case listingTimes
    /// u32 listing numbers, newest first.
    case listingNewest
    /// Per term, sorted by its bytes: u32 string offset, u32 string length, u32 first posting, u32 posting count.
    case termTable
    /// The terms' UTF-8 bytes.
    case termStrings
    /// u32 listing numbers, ascending within each term.
    case postings
    /// Attestations and retractions whose publish entry is not known yet.
    case pending
    /// Per signing identity, sorted by key: 32-byte key and u64 bytes of its statements.
    case identityBytes
}

enum CatalogIndexFormat {
    static let magic = Array("AMCIDX1\n".utf8)
    static let sectionCount = CatalogIndexSection.allCases.count
    /// Bytes before the section table.
    static let fixedHeader = 124
    static var headerSize: Int { fixedHeader + sectionCount * 20 + 4 }

    /// The whole file for `contents`.
    static func encode(_ contents: CatalogIndexContents) -> [UInt8] {
        let key = contents.key
        var sections = [[UInt8]](repeating: [], count: sectionCount)
        let count = contents.entries.count
        sections[0].reserveCapacity(count * 32)
        sections[1].reserveCapacity(count * 8)
        for entry in contents.entries {
            sections[0] += entry.id.bytes
            sections[1].u64(UInt64(entry.offset))
        }
        for position in contents.entries.indices.sorted(by: { contents.entries[$0].id < contents.entries[$1].id }) {
            sections[2].u32(UInt32(position))
        }
        let packages = contents.listings.keys.sorted()
        var termPostings: [String: [UInt32]] = [:]
        for (number, package) in packages.enumerated() {
            let listing = contents.listings[package]!
            var payload: [UInt8] = []
            CatalogListingCodec.encode(listing, into: &payload)
            sections[4] += package.bytes
            sections[4].u64(UInt64(sections[3].count))
            sections[3].u32(UInt32(payload.count))
            sections[3].u32(CRC32C.checksum(payload))
            sections[3] += payload
            sections[5].u64(UInt64(bitPattern: listing.publishedAt.secondsSinceEpoch))
            for term in CatalogTerms.terms(of: listing) { termPostings[term, default: []].append(UInt32(number)) }
        }
        let newest = packages.indices.sorted {
            let (a, b) = (contents.listings[packages[$0]]!.publishedAt, contents.listings[packages[$1]]!.publishedAt)
            return a != b ? a > b : packages[$0] > packages[$1]
        }
        for number in newest { sections[6].u32(UInt32(number)) }
        let terms = termPostings.keys.map { Array($0.utf8) }.sorted { $0.lexicographicallyPrecedes($1) }
        var postingCount = 0
        for term in terms {
            let postings = termPostings[String(decoding: term, as: UTF8.self)]!
            sections[7].u32(UInt32(sections[8].count))
            sections[7].u32(UInt32(term.count))
            sections[7].u32(UInt32(postingCount))
            sections[7].u32(UInt32(postings.count))
            sections[8] += term
            for number in postings { sections[9].u32(number) }
            postingCount += postings.count
        }
        CatalogListingCodec.encode(pending: contents.pending, into: &sections[10])
        for (identity, bytes) in contents.identityBytes.sorted(by: { $0.key < $1.key }) {
            sections[11] += identity.publicKey.rawRepresentation
            sections[11].u64(UInt64(bytes))
        }

        var out = magic
        out.u64(key.device)
        out.u64(key.inode)
        out.u64(UInt64(key.entryCount))
        out.u64(UInt64(key.coveredEnd))
        out += key.lastEntry?.bytes ?? [UInt8](repeating: 0, count: 32)
        out += key.revocations.bytes
        out.u64(UInt64(packages.count))
        out.u64(UInt64(terms.count))
        out.u32(UInt32(sectionCount))
        var offset = headerSize
        for section in sections {
            out.u64(UInt64(offset))
            out.u64(UInt64(section.count))
            out.u32(CRC32C.checksum(section))
            offset += section.count
        }
        out.u32(CRC32C.checksum(out))
        out.reserveCapacity(offset)
        for section in sections { out += section }
        return out
    }
}

/// An index file, mapped. Sections are checked (CRC-32C) the first time they are used; listing records one by
/// one. A file that does not check is not used (the index is rebuilt from the log).
final class CatalogIndexFile: Sendable {
    let key: CatalogIndexKey
    let listingCount: Int
    let termCount: Int
    /// The file's bytes: a mapping of it, or (`init?(copying:)`) a copy this object owns.
    private let address: UInt
    private let byteCount: Int
    private let mapping: FileMapping?
    /// True if `address` is an allocation this object frees.
    private let ownsBytes: Bool
    private var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: address), count: byteCount) }
    private let sections: [(offset: Int, length: Int, checksum: UInt32)]
    private let checked: Mutex<[Bool?]>
    private let damagedRecord = Mutex(false)

    /// True once a section or a listing record was found damaged (the caller then stops believing the file).
    var sawDamage: Bool { damagedRecord.withLock { $0 } || checked.withLock { $0.contains(false) } }

    /// Opens and maps `path`; nil if there is no such file or its header does not check.
    static func open(_ path: String) -> CatalogIndexFile? {
        guard let descriptor = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        defer { descriptor.close() }
        guard let size = try? Int(descriptor.status().st_size), size >= CatalogIndexFormat.headerSize,
              let mapping = try? FileMapping.map(descriptor, offset: 0, count: size) else { return nil }
        guard let file = CatalogIndexFile(bytes: mapping.bytes, mapping: mapping) else {
            mapping.unmap()
            return nil
        }
        return file
    }

    /// An index from bytes in memory (copied), for tests and fuzzing.
    static func decoding(_ source: [UInt8]) -> CatalogIndexFile? {
        let copy = UnsafeMutableRawBufferPointer.allocate(byteCount: max(source.count, 1), alignment: 16)
        source.withUnsafeBytes { raw in if let base = raw.baseAddress { copy.baseAddress!.copyMemory(from: base, byteCount: raw.count) } }
        guard let file = CatalogIndexFile(bytes: UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(copy)[0..<source.count]), mapping: nil,
                                          owned: copy) else {
            copy.deallocate()
            return nil
        }
        return file
    }

    private init?(bytes: UnsafeRawBufferPointer, mapping: FileMapping?, owned: UnsafeMutableRawBufferPointer? = nil) {
        let headerSize = CatalogIndexFormat.headerSize
        guard bytes.count >= headerSize, bytes.prefix(8).elementsEqual(CatalogIndexFormat.magic),
              CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[0..<headerSize - 4])) == bytes.u32(at: headerSize - 4),
              Int(bytes.u32(at: 120)) == CatalogIndexFormat.sectionCount else { return nil }
        // Counts and offsets no larger than the file (and so no overflow below); the covered end within 2^48.
        let limit = UInt64(bytes.count)
        guard bytes.u64(at: 24) <= limit, bytes.u64(at: 32) < 1 << 48, bytes.u64(at: 104) <= limit, bytes.u64(at: 112) <= limit else { return nil }
        let last = UnsafeRawBufferPointer(rebasing: bytes[40..<72])
        key = CatalogIndexKey(device: bytes.u64(at: 8), inode: bytes.u64(at: 16), entryCount: Int(bytes.u64(at: 24)),
                              coveredEnd: Int(bytes.u64(at: 32)), lastEntry: last.allSatisfy { $0 == 0 } ? nil : ContentID(digest: last),
                              revocations: ContentID(digest: UnsafeRawBufferPointer(rebasing: bytes[72..<104])))
        listingCount = Int(bytes.u64(at: 104))
        termCount = Int(bytes.u64(at: 112))
        var sections: [(offset: Int, length: Int, checksum: UInt32)] = []
        for index in 0..<CatalogIndexFormat.sectionCount {
            let base = CatalogIndexFormat.fixedHeader + index * 20
            let offset = bytes.u64(at: base), length = bytes.u64(at: base + 8)
            guard offset <= UInt64(bytes.count), length <= UInt64(bytes.count) - offset else { return nil }
            sections.append((Int(offset), Int(length), bytes.u32(at: base + 16)))
        }
        let entries = key.entryCount, listings = listingCount, terms = termCount
        let expected: [CatalogIndexSection: Int] = [.entryIDs: entries * 32, .entryOffsets: entries * 8, .entrySorted: entries * 4,
                                                    .listingTable: listings * 40, .listingTimes: listings * 8, .listingNewest: listings * 4,
                                                    .termTable: terms * 16]
        for (section, length) in expected where sections[section.rawValue].length != length { return nil }
        address = UInt(bitPattern: bytes.baseAddress)
        byteCount = bytes.count
        self.mapping = mapping
        ownsBytes = owned != nil
        self.sections = sections
        checked = Mutex([Bool?](repeating: nil, count: sections.count))
    }

    deinit {
        mapping?.unmap()
        if ownsBytes { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// The bytes of `section` if its checksum matches (listing records are checked record by record instead).
    func section(_ section: CatalogIndexSection) -> UnsafeRawBufferPointer? {
        let (offset, length, checksum) = sections[section.rawValue]
        let bytes = UnsafeRawBufferPointer(rebasing: self.bytes[offset..<offset + length])
        guard section != .listingRecords else { return bytes }
        let isGood = checked.withLock { flags -> Bool in
            if let known = flags[section.rawValue] { return known }
            let good = CRC32C.checksum(bytes) == checksum
            flags[section.rawValue] = good
            return good
        }
        return isGood ? bytes : nil
    }

    /// True if every section checks (for `fsck`).
    var isIntact: Bool {
        guard CatalogIndexSection.allCases.allSatisfy({ section($0) != nil }), let records = section(.listingRecords) else { return false }
        return (0..<listingCount).allSatisfy { listing(at: $0, records: records) != nil }
    }

    // MARK: Entries

    func entryID(at position: Int, in ids: UnsafeRawBufferPointer) -> ContentID {
        ContentID(raw: UnsafeRawBufferPointer(rebasing: ids[position * 32..<position * 32 + 32]))
    }

    /// The log position of entry `id`, if the index covers it.
    func position(of id: ContentID) -> Int? {
        guard let ids = section(.entryIDs), let sorted = section(.entrySorted) else { return nil }
        var low = 0, high = key.entryCount
        while low < high {
            let middle = (low + high) / 2
            let position = Int(sorted.u32(at: middle * 4))
            guard position < key.entryCount else { return nil }
            let candidate = entryID(at: position, in: ids)
            if candidate == id { return position }
            if candidate < id { low = middle + 1 } else { high = middle }
        }
        return nil
    }

    // MARK: Listings

    /// Listing number `number` (in package order), if its record checks.
    func listing(at number: Int, records: UnsafeRawBufferPointer? = nil) -> CatalogListing? {
        guard number >= 0, number < listingCount, let table = section(.listingTable) else { return nil }
        guard let records = records ?? section(.listingRecords) else { return nil }
        let start = Int(clamping: table.u64(at: number * 40 + 32))
        guard start <= records.count - 8, Int(records.u32(at: start)) <= records.count - start - 8 else {
            damagedRecord.withLock { $0 = true }
            return nil
        }
        let length = Int(records.u32(at: start))
        let payload = UnsafeRawBufferPointer(rebasing: records[start + 8..<start + 8 + length])
        var reader = IndexReader(payload)
        guard CRC32C.checksum(payload) == records.u32(at: start + 4), let listing = CatalogListingCodec.decode(&reader), reader.isAtEnd else {
            damagedRecord.withLock { $0 = true }
            return nil
        }
        return listing
    }

    func package(at number: Int, table: UnsafeRawBufferPointer) -> ContentID {
        ContentID(raw: UnsafeRawBufferPointer(rebasing: table[number * 40..<number * 40 + 32]))
    }

    /// The listing number of `package`, if the index lists it.
    func number(of package: ContentID) -> Int? {
        guard let table = section(.listingTable) else { return nil }
        let found = lowerBound(listingCount) { self.package(at: $0, table: table) < package }
        return found < listingCount && self.package(at: found, table: table) == package ? found : nil
    }

    /// Packages whose ID starts with `prefix` (hex digits).
    func packages(withPrefix prefix: ContentIDPrefix) -> [ContentID] {
        guard let table = section(.listingTable) else { return [] }
        let padded = prefix.hex + String(repeating: "0", count: 64 - prefix.hex.count)
        guard let low = try? ContentID(parsing: padded) else { return [] }
        var result: [ContentID] = []
        var number = lowerBound(listingCount) { self.package(at: $0, table: table) < low }
        while number < listingCount {
            let package = self.package(at: number, table: table)
            guard package.hasPrefix(prefix) else { break }
            result.append(package)
            number += 1
        }
        return result
    }

    func publishedAt(_ number: Int, times: UnsafeRawBufferPointer) -> Int64 { Int64(bitPattern: times.u64(at: number * 8)) }

    // MARK: Terms

    /// Listing numbers under the term `term` exactly, or under every term starting with it (`isPrefix`), sorted.
    func postings(_ term: String, isPrefix: Bool) -> [UInt32]? {
        guard let table = section(.termTable), let strings = section(.termStrings), let postings = section(.postings) else { return nil }
        let needle = Array(term.utf8)
        func string(_ index: Int) -> UnsafeRawBufferPointer? {
            let start = Int(table.u32(at: index * 16)), length = Int(table.u32(at: index * 16 + 4))
            guard start <= strings.count, length <= strings.count - start else { return nil }
            return UnsafeRawBufferPointer(rebasing: strings[start..<start + length])
        }
        var index = lowerBound(termCount) { string($0)?.lexicographicallyPrecedes(needle) ?? false }
        var result: [UInt32] = []
        var ranges = 0
        while index < termCount, let candidate = string(index) {
            let matches = isPrefix ? candidate.starts(with: needle) : candidate.elementsEqual(needle)
            guard matches else { break }
            let first = Int(table.u32(at: index * 16 + 8)), count = Int(table.u32(at: index * 16 + 12))
            guard first <= postings.count / 4, count <= postings.count / 4 - first else { return nil }
            for slot in first..<first + count { result.append(postings.u32(at: slot * 4)) }
            ranges += 1
            index += 1
            if !isPrefix { break }
        }
        if ranges > 1 { result = Array(Set(result)).sorted() }
        return result
    }

    /// The statements waiting for their publish entry.
    func pending() -> [ContentID: [(SignedStatement, Bool)]]? {
        guard let bytes = section(.pending) else { return nil }
        var reader = IndexReader(bytes)
        return CatalogListingCodec.decodePending(&reader)
    }

    /// Bytes of statements per signing identity; nil if the section does not check.
    func identityBytes() -> [NodeID: Int]? {
        guard let bytes = section(.identityBytes), bytes.count % 40 == 0 else { return nil }
        var result: [NodeID: Int] = [:]
        for start in stride(from: 0, to: bytes.count, by: 40) {
            guard let key = try? Ed25519PublicKey(rawRepresentation: Array(bytes[start..<start + 32])) else { return nil }
            result[NodeID(publicKey: key)] = Int(clamping: bytes.u64(at: start + 32))
        }
        return result
    }

    /// The first index in 0..<count for which `isBelow` is false (`isBelow` is true for a prefix of the range).
    private func lowerBound(_ count: Int, _ isBelow: (Int) -> Bool) -> Int {
        var low = 0, high = count
        while low < high {
            let middle = (low + high) / 2
            if isBelow(middle) { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

/// Reads every part of catalog index bytes, as the commands would (for fuzzing: none of it may crash).
public enum CatalogIndexProbe {
    /// Decodes `bytes` as an index and reads its entries, listings, terms, pending statements and identity bytes.
    /// Returns nil if the header does not decode, else whether every section and listing record checks.
    public static func readEverything(_ bytes: [UInt8]) -> Bool? {
        guard let file = CatalogIndexFile.decoding(bytes) else { return nil }
        let intact = file.isIntact
        for number in 0..<min(file.listingCount, 64) { _ = file.listing(at: number) }
        if let ids = file.section(.entryIDs), file.key.entryCount > 0 {
            _ = file.position(of: file.entryID(at: file.key.entryCount - 1, in: ids))
        }
        _ = file.position(of: SHA256Hasher.hash(bytes))
        _ = file.pending()
        _ = file.identityBytes()
        _ = file.postings("w:", isPrefix: true)
        _ = file.postings("t:timber", isPrefix: false)
        if let prefix = try? ContentIDPrefix(parsing: "0000") { _ = file.packages(withPrefix: prefix) }
        _ = file.candidates(CatalogQuery(text: "a b", tag: "x", licenseIDs: ["MIT"]), shadowed: [:], isBefore: { _, _ in true }, limit: 16)
        _ = file.candidates(CatalogQuery(), shadowed: [:], isBefore: { time, _ in time < 0 }, limit: 16)
        return intact
    }
}
