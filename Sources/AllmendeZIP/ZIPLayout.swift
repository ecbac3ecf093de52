// ZIPLayout.swift: AllmendeZIP. The bytes of a ZIP archive of stored (uncompressed) entries written in one pass:
// each entry's CRC-32 follows its data in a data descriptor, so the archive can be streamed and its whole length
// is known before the first byte. ZIP64 when an entry, an offset or the count needs it. Pure.
// Format: PKWARE APPNOTE.TXT 6.3.x, sections 4.3.7 (local header), 4.3.9 (data descriptor), 4.3.12 (central
// directory), 4.3.14–4.3.16 (ZIP64 end records), 4.5.3 (ZIP64 extra field).

/// One entry: its path inside the archive (UTF-8, `/`-separated) and its size in bytes.
public struct ZIPEntry: Sendable, Equatable {
    public var name: String
    public var size: Int

    public init(name: String, size: Int) {
        self.name = name
        self.size = size
    }
}

/// The layout of an archive of `entries`: headers to write before and after each entry's data, and its length.
public struct ZIPLayout: Sendable {
    public let entries: [ZIPEntry]
    /// True if the archive uses ZIP64 records (an entry or the archive reaches 4 GiB, or 65,535 entries).
    public let isZIP64: Bool
    /// Offset of each entry's local header.
    public let offsets: [Int]
    /// The archive's length in bytes.
    public let totalSize: Int
    /// Offset of the central directory.
    private let centralStart: Int
    private let dosTime: UInt16
    private let dosDate: UInt16

    /// `modified` is the entries' time as (year, month, day, hour, minute, second) in UTC.
    public init(entries: [ZIPEntry], modified: (year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int)) {
        self.entries = entries
        let dataAndNames = entries.reduce(0) { $0 + $1.size + 2 * $1.name.utf8.count }
        isZIP64 = entries.count >= 0xFFFF || entries.contains { $0.size >= 0xFFFF_FFFF } || dataAndNames + entries.count * 200 >= 0xFFFF_FFFF
        let zip64 = isZIP64
        var offsets: [Int] = []
        var offset = 0
        for entry in entries {
            offsets.append(offset)
            offset += Self.localHeaderSize(entry, zip64: zip64) + entry.size + (zip64 ? 24 : 16)
        }
        self.offsets = offsets
        centralStart = offset
        let central = entries.reduce(0) { $0 + 46 + $1.name.utf8.count + (zip64 ? 28 : 0) }
        totalSize = offset + central + (isZIP64 ? 56 + 20 : 0) + 22
        let year = min(max(modified.year, 1980), 2107)
        dosTime = UInt16(modified.hour << 11 | modified.minute << 5 | modified.second / 2)
        dosDate = UInt16((year - 1980) << 9 | modified.month << 5 | modified.day)
    }

    /// The local file header of entry `index` (written before its data).
    public func localHeader(_ index: Int) -> [UInt8] {
        let entry = entries[index]
        var out = ByteWriter()
        out.u32(0x0403_4B50)
        out.u16(isZIP64 ? 45 : 20)
        out.u16(Self.flags)
        out.u16(0)   // stored
        out.u16(dosTime)
        out.u16(dosDate)
        out.u32(0)   // CRC-32: in the data descriptor
        out.u32(isZIP64 ? 0xFFFF_FFFF : 0)
        out.u32(isZIP64 ? 0xFFFF_FFFF : 0)
        out.u16(UInt16(entry.name.utf8.count))
        out.u16(isZIP64 ? 20 : 0)
        out.bytes(Array(entry.name.utf8))
        if isZIP64 {
            out.u16(0x0001)
            out.u16(16)
            out.u64(0)   // sizes: in the data descriptor
            out.u64(0)
        }
        return out.buffer
    }

    /// The data descriptor of entry `index` (written after its data), with the CRC-32 of the data.
    public func dataDescriptor(_ index: Int, crc: UInt32) -> [UInt8] {
        let size = entries[index].size
        var out = ByteWriter()
        out.u32(0x0807_4B50)
        out.u32(crc)
        if isZIP64 {
            out.u64(UInt64(size))
            out.u64(UInt64(size))
        } else {
            out.u32(UInt32(size))
            out.u32(UInt32(size))
        }
        return out.buffer
    }

    /// The central directory and end records, given every entry's CRC-32.
    public func trailer(crcs: [UInt32]) -> [UInt8] {
        precondition(crcs.count == entries.count, "one CRC per entry")
        var out = ByteWriter()
        let start = centralStart
        for (index, entry) in entries.enumerated() {
            out.u32(0x0201_4B50)
            out.u16(isZIP64 ? 0x032D : 0x0314)   // made by: UNIX, spec 4.5 / 2.0
            out.u16(isZIP64 ? 45 : 20)
            out.u16(Self.flags)
            out.u16(0)
            out.u16(dosTime)
            out.u16(dosDate)
            out.u32(crcs[index])
            out.u32(isZIP64 ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u32(isZIP64 ? 0xFFFF_FFFF : UInt32(entry.size))
            out.u16(UInt16(entry.name.utf8.count))
            out.u16(isZIP64 ? 28 : 0)
            out.u16(0)   // comment
            out.u16(0)   // disk
            out.u16(0)   // internal attributes
            out.u32(0o100644 << 16)   // external: a regular file, rw-r--r--
            out.u32(isZIP64 ? 0xFFFF_FFFF : UInt32(offsets[index]))
            out.bytes(Array(entry.name.utf8))
            if isZIP64 {
                out.u16(0x0001)
                out.u16(24)
                out.u64(UInt64(entry.size))
                out.u64(UInt64(entry.size))
                out.u64(UInt64(offsets[index]))
            }
        }
        let centralSize = out.buffer.count
        if isZIP64 {
            let zip64End = start + centralSize
            out.u32(0x0606_4B50)
            out.u64(44)
            out.u16(0x032D)
            out.u16(45)
            out.u32(0)
            out.u32(0)
            out.u64(UInt64(entries.count))
            out.u64(UInt64(entries.count))
            out.u64(UInt64(centralSize))
            out.u64(UInt64(start))
            out.u32(0x0706_4B50)
            out.u32(0)
            out.u64(UInt64(zip64End))
            out.u32(1)
        }
        out.u32(0x0605_4B50)
        out.u16(0)
        out.u16(0)
        out.u16(isZIP64 ? 0xFFFF : UInt16(entries.count))
        out.u16(isZIP64 ? 0xFFFF : UInt16(entries.count))
        out.u32(isZIP64 ? 0xFFFF_FFFF : UInt32(centralSize))
        out.u32(isZIP64 ? 0xFFFF_FFFF : UInt32(start))
        out.u16(0)
        return out.buffer
    }

    /// Bit 3: sizes and CRC in a data descriptor; bit 11: names are UTF-8.
    private static let flags: UInt16 = 1 << 3 | 1 << 11

    private static func localHeaderSize(_ entry: ZIPEntry, zip64: Bool) -> Int { 30 + entry.name.utf8.count + (zip64 ? 20 : 0) }
}

/// Little-endian writer.
struct ByteWriter {
    var buffer: [UInt8] = []
    mutating func u16(_ value: UInt16) { buffer += [UInt8(value & 0xFF), UInt8(value >> 8)] }
    mutating func u32(_ value: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { buffer.append(UInt8((value >> UInt32(shift)) & 0xFF)) } }
    mutating func u64(_ value: UInt64) { for shift in stride(from: 0, to: 64, by: 8) { buffer.append(UInt8((value >> UInt64(shift)) & 0xFF)) } }
    mutating func bytes(_ bytes: [UInt8]) { buffer += bytes }
}
