// CatalogRecordScan.swift: AllmendeStore. Pure: reads catalog log records out of bytes, skipping damage.
// Spec: Protocol/catalog-log.md.

import AllmendeZIP

/// A run of bytes in the catalog log that is not a valid record.
public struct CatalogDamage: Sendable, Equatable, CustomStringConvertible {
    /// Byte offset in the log file.
    public let offset: Int
    /// Length in bytes.
    public let length: Int

    public init(offset: Int, length: Int) {
        self.offset = offset
        self.length = length
    }

    public var description: String { "\(length) damaged byte\(length == 1 ? "" : "s") at offset \(offset)" }
}

/// The records found in a stretch of catalog log bytes.
///
/// A record is `u32 length ‖ u32 CRC-32C ‖ payload` with `1 ≤ length ≤ maximumRecordSize` and a matching
/// checksum. Where bytes are not a valid record, the scan looks for the next offset where one starts: bytes
/// between two valid records are *damage* (skipped, every later record kept); bytes after the last valid record
/// are the *tail* (an append cut short by a crash, or damage at the very end — nothing after it can be told apart).
struct CatalogRecordScan {
    /// Offsets (relative to the scanned bytes) and payload ranges of the valid records, in order.
    var records: [(offset: Int, payload: Range<Int>)] = []
    /// Damaged runs between valid records (offsets relative to the scanned bytes).
    var damage: [CatalogDamage] = []
    /// Where the last valid record ends; bytes from here on are the tail.
    var end = 0

    /// Scans `bytes`; a record must fit in `maximumRecordSize` payload bytes.
    init(_ bytes: UnsafeRawBufferPointer, maximumRecordSize: Int) {
        var offset = 0
        var damageStart: Int?
        while offset < bytes.count {
            if let payload = Self.record(in: bytes, at: offset, maximumRecordSize: maximumRecordSize) {
                if let start = damageStart {
                    damage.append(CatalogDamage(offset: start, length: offset - start))
                    damageStart = nil
                }
                records.append((offset, payload))
                offset = payload.upperBound
                end = offset
            } else {
                if damageStart == nil { damageStart = offset }
                offset += 1
                // Resynchronise cheaply: a record's payload is a JSON object, so only offsets whose payload would
                // start with '{' are checked in full (CRC over up to 64 KiB).
                while offset + 8 < bytes.count && bytes[offset + 8] != 0x7B { offset += 1 }
            }
        }
    }

    /// The payload range of a valid record at `offset`, or nil.
    static func record(in bytes: UnsafeRawBufferPointer, at offset: Int, maximumRecordSize: Int) -> Range<Int>? {
        guard bytes.count - offset >= 8 else { return nil }
        let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
        guard length > 0, length <= maximumRecordSize, bytes.count - offset - 8 >= length else { return nil }
        let checksum = UInt32(bytes[offset + 4]) << 24 | UInt32(bytes[offset + 5]) << 16 | UInt32(bytes[offset + 6]) << 8 | UInt32(bytes[offset + 7])
        let payload = (offset + 8)..<(offset + 8 + length)
        guard CRC32C.checksum(UnsafeRawBufferPointer(rebasing: bytes[payload])) == checksum else { return nil }
        return payload
    }

    /// True if `tail` (the bytes after the last valid record) looks like an append a crash cut short: fewer than
    /// 8 bytes, or a header whose length is valid but longer than what follows. Anything else is damage.
    static func isTorn(tail: UnsafeRawBufferPointer, maximumRecordSize: Int) -> Bool {
        guard tail.count >= 8 else { return true }
        let length = Int(tail[0]) << 24 | Int(tail[1]) << 16 | Int(tail[2]) << 8 | Int(tail[3])
        return length > 0 && length <= maximumRecordSize && tail.count - 8 < length
    }

    /// One record's bytes: header and payload.
    static func encode(_ payload: [UInt8]) -> [UInt8] {
        var record: [UInt8] = []
        record.reserveCapacity(8 + payload.count)
        for shift in stride(from: 24, through: 0, by: -8) { record.append(UInt8(truncatingIfNeeded: payload.count >> shift)) }
        let checksum = payload.withUnsafeBytes { CRC32C.checksum($0) }
        for shift in stride(from: 24, through: 0, by: -8) { record.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        record += payload
        return record
    }
}

/// CRC-32C (Castagnoli), the checksum of catalog log records and catalog index sections (AllmendeZIP's CRC32).
public enum CRC32C {
    public static func checksum(_ bytes: [UInt8]) -> UInt32 { CRC32.checksum(bytes, .castagnoli) }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { CRC32.checksum(bytes, .castagnoli) }
}
