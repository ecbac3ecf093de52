// CatalogListingCodec.swift: AllmendeStore. Pure: one catalog listing, and the statements waiting for their
// publish entry, as bytes in the catalog index. Spec: Protocol/catalog-log.md "The index".

import AllmendeCrypto
import AllmendeModel

/// Binary encoding of a listing: package, publisher, time, flags, retractions, summary (and the package it
/// supersedes), attesters.
enum CatalogListingCodec {
    static func encode(_ listing: CatalogListing, into out: inout [UInt8]) {
        out += listing.package.bytes
        out += listing.publisher.publicKey.rawRepresentation
        out.u64(UInt64(bitPattern: listing.publishedAt.secondsSinceEpoch))
        out.append((listing.isSignerRevoked ? 1 : 0) | (listing.retractions.isEmpty ? 0 : 2) | (listing.summary.supersedes == nil ? 0 : 4)
                   | (listing.summary.derivedFrom.isEmpty ? 0 : 8) | (listing.summary.fabrication.isEmpty ? 0 : 16))
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
        if let supersedes = summary.supersedes { out += supersedes.bytes }
        if !summary.derivedFrom.isEmpty {
            out.u64(UInt64(summary.derivedFrom.count))
            for parent in summary.derivedFrom { out += parent.bytes }
        }
        if !summary.fabrication.isEmpty { encodeFabrication(summary.fabrication, into: &out) }
        out.u64(UInt64(listing.attesters.count))
        for attester in listing.attesters.sorted() { out += attester.publicKey.rawRepresentation }
    }

    /// u64 count ‖ per need: u8 process (its position in the vocabulary) ‖ u8 present (1 part, 2 size, 4 material,
    /// 8 thickness) ‖ [string part] ‖ [u8 sides ‖ u64 per side] ‖ [string material] ‖ [u64 thickness × 10^6].
    static func encodeFabrication(_ needs: [FabricationNeed], into out: inout [UInt8]) {
        out.u64(UInt64(needs.count))
        for need in needs {
            out.append(UInt8(ManufacturingProcess.allCases.firstIndex(of: need.process)!))
            out.append((need.part == nil ? 0 : 1) | (need.size == nil ? 0 : 2) | (need.material == nil ? 0 : 4) | (need.thickness == nil ? 0 : 8))
            if let part = need.part { out.string(part) }
            if let size = need.size {
                out.append(UInt8(size.dimensions.count))
                for side in size.dimensions { out.u64(UInt64(side)) }
            }
            if let material = need.material { out.string(material) }
            if let thickness = need.thickness { out.u64(UInt64(thickness.scaledValue)) }
        }
    }

    static func decodeFabrication(_ reader: inout IndexReader) -> [FabricationNeed]? {
        guard let count = reader.count(), (1...FabricationNeed.maximumCount * 2).contains(count) else { return nil }
        var needs: [FabricationNeed] = []
        for _ in 0..<count {
            guard let head = reader.take(2), Int(head[0]) < ManufacturingProcess.allCases.count, head[1] & ~15 == 0 else { return nil }
            var need = FabricationNeed(process: ManufacturingProcess.allCases[Int(head[0])])
            if head[1] & 1 != 0 { guard let part = reader.string() else { return nil }; need.part = part }
            if head[1] & 2 != 0 {
                guard let sides = reader.take(1)?.first, (1...3).contains(sides) else { return nil }
                var dimensions: [Int] = []
                for _ in 0..<sides {
                    guard let side = reader.u64(), side <= 100_000 else { return nil }
                    dimensions.append(Int(side))
                }
                guard let size = Millimetres(dimensions) else { return nil }
                need.size = size
            }
            if head[1] & 4 != 0 { guard let material = reader.string() else { return nil }; need.material = material }
            if head[1] & 8 != 0 {
                guard let scaled = reader.u64(), scaled <= UInt64(Int64.max) else { return nil }
                need.thickness = DecimalAmount(scaledValue: Int64(scaled))
            }
            needs.append(need)
        }
        return needs
    }

    static func decode(_ reader: inout IndexReader) -> CatalogListing? {
        guard let packageBytes = reader.take(32), let package = try? ContentID(validatingDigest: packageBytes),
              let publisher = reader.nodeID(), let published = reader.u64(), let flags = reader.take(1)?.first else { return nil }
        var retractions: [RetractionNote] = []
        if flags & 2 != 0 {
            guard let count = reader.count(), count <= CatalogIndex.maximumRetractions else { return nil }
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
        guard let size = reader.u64(), size <= UInt64(DesignManifest.maximumTotalSize), let files = reader.count() else { return nil }
        var supersedes: ContentID?
        if flags & 4 != 0 {
            guard let bytes = reader.take(32), let id = try? ContentID(validatingDigest: bytes) else { return nil }
            supersedes = id
        }
        var derivedFrom: [ContentID] = []
        if flags & 8 != 0 {
            guard let count = reader.count(), (1...50).contains(count) else { return nil }
            for _ in 0..<count {
                guard let bytes = reader.take(32), let id = try? ContentID(validatingDigest: bytes) else { return nil }
                derivedFrom.append(id)
            }
        }
        var fabrication: [FabricationNeed] = []
        if flags & 16 != 0 {
            guard let needs = decodeFabrication(&reader) else { return nil }
            fabrication = needs
        }
        guard let attesterCount = reader.count() else { return nil }
        var attesters: Set<NodeID> = []
        for _ in 0..<attesterCount {
            guard let attester = reader.nodeID() else { return nil }
            attesters.insert(attester)
        }
        var listing = CatalogListing(package: package, summary: PackageSummary(title: title, version: version, license: license, category: category,
                                                                               tags: tags, size: Int(size), files: files, supersedes: supersedes,
                                                                               derivedFrom: derivedFrom, fabrication: fabrication),
                                     publisher: publisher, publishedAt: Timestamp(secondsSinceEpoch: Int64(bitPattern: published)))
        listing.retractions = retractions
        listing.isSignerRevoked = flags & 1 != 0
        listing.attesters = attesters
        return listing
    }

    static func encode(pending: [ContentID: [(SignedStatement, Bool)]], into out: inout [UInt8]) {
        out.u64(UInt64(pending.count))
        for (package, statements) in pending.sorted(by: { $0.key < $1.key }) {
            out += package.bytes
            out.u64(UInt64(statements.count))
            for (statement, flagged) in statements {
                out.append(flagged ? 1 : 0)
                out.bytes((try? statement.canonicalBytes()) ?? [])
            }
        }
    }

    static func decodePending(_ reader: inout IndexReader) -> [ContentID: [(SignedStatement, Bool)]]? {
        guard let pendingCount = reader.count() else { return nil }
        var pending: [ContentID: [(SignedStatement, Bool)]] = [:]
        for _ in 0..<pendingCount {
            guard let packageBytes = reader.take(32), let package = try? ContentID(validatingDigest: packageBytes), let count = reader.count() else { return nil }
            for _ in 0..<count {
                guard let flag = reader.take(1)?.first, let body = reader.bytes(), let statement = try? SignedStatement(parsing: body) else { return nil }
                pending[package, default: []].append((statement, flag == 1))
            }
        }
        return reader.isAtEnd ? pending : nil
    }
}

extension [UInt8] {
    mutating func u32(_ value: UInt32) { for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    mutating func u64(_ value: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
    mutating func bytes(_ value: [UInt8]) {
        u64(UInt64(value.count))
        append(contentsOf: value)
    }
    mutating func string(_ value: String) { bytes(Array(value.utf8)) }
}

/// Reads index bytes field by field; every read is bounds-checked (damaged bytes give nil, never a crash).
struct IndexReader {
    let data: UnsafeRawBufferPointer
    var offset = 0

    init(_ data: UnsafeRawBufferPointer) { self.data = data }

    var isAtEnd: Bool { offset == data.count }

    mutating func take(_ count: Int) -> UnsafeRawBufferPointer? {
        guard count >= 0, data.count - offset >= count else { return nil }
        defer { offset += count }
        return UnsafeRawBufferPointer(rebasing: data[offset..<offset + count])
    }

    mutating func u64() -> UInt64? { take(8).map { $0.reduce(UInt64(0)) { $0 << 8 | UInt64($1) } } }

    /// A count or size: at most what the rest of the bytes could hold.
    mutating func count() -> Int? {
        guard let value = u64(), value <= UInt64(data.count) * 64 else { return nil }
        return Int(value)
    }

    mutating func bytes() -> [UInt8]? {
        guard let length = u64(), length <= UInt64(data.count - offset) else { return nil }
        return take(Int(length)).map(Array.init)
    }

    mutating func string() -> String? { bytes().flatMap { String(validating: $0, as: UTF8.self) } }

    mutating func nodeID() -> NodeID? {
        take(32).flatMap { try? Ed25519PublicKey(rawRepresentation: Array($0)) }.map { NodeID(publicKey: $0) }
    }
}

/// Big-endian loads from index bytes (the caller checked the bounds).
extension UnsafeRawBufferPointer {
    func u32(at offset: Int) -> UInt32 { UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    func u64(at offset: Int) -> UInt64 { UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self)) }
}
