// CRC32.swift: AllmendeZIP. Reflected 32-bit CRCs, slice-by-8: CRC-32/ISO-HDLC (ZIP, gzip) and CRC-32C
// (Castagnoli: the catalog log's and the catalog index's records). Pure.

/// A running CRC (initial value and final XOR 0xFFFFFFFF, reflected input and output).
public struct CRC32: Sendable {
    /// The polynomial, reflected.
    public enum Polynomial: Sendable {
        /// 0xEDB88320: ZIP, gzip, PNG (check value of "123456789": 0xCBF43926).
        case isoHDLC
        /// 0x82F63B78: CRC-32C, iSCSI, ext4 (check value 0xE3069283).
        case castagnoli
    }

    private var state: UInt32 = 0xFFFF_FFFF
    private let tables: [UInt32]

    public init(_ polynomial: Polynomial = .isoHDLC) {
        tables = polynomial == .isoHDLC ? Self.isoHDLCTables : Self.castagnoliTables
    }

    /// The checksum of everything added so far.
    public var value: UInt32 { ~state }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        var crc = state
        tables.withUnsafeBufferPointer { t in
            var index = 0
            let count = bytes.count
            while count - index >= 8 {
                // Two little-endian words per step (one load each, not four byte loads).
                let low = crc ^ UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self))
                let high = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: index + 4, as: UInt32.self))
                crc = t[7 * 256 + Int(low & 0xFF)] ^ t[6 * 256 + Int((low >> 8) & 0xFF)] ^ t[5 * 256 + Int((low >> 16) & 0xFF)]
                    ^ t[4 * 256 + Int(low >> 24)] ^ t[3 * 256 + Int(high & 0xFF)] ^ t[2 * 256 + Int((high >> 8) & 0xFF)]
                    ^ t[256 + Int((high >> 16) & 0xFF)] ^ t[Int(high >> 24)]
                index += 8
            }
            while index < count {
                crc = t[Int((crc ^ UInt32(bytes[index])) & 0xFF)] ^ (crc >> 8)
                index += 1
            }
        }
        state = crc
    }

    public mutating func update(_ bytes: [UInt8]) { bytes.withUnsafeBytes { update($0) } }

    /// The CRC of `bytes`.
    public static func checksum(_ bytes: [UInt8], _ polynomial: Polynomial = .isoHDLC) -> UInt32 {
        bytes.withUnsafeBytes { checksum($0, polynomial) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer, _ polynomial: Polynomial = .isoHDLC) -> UInt32 {
        var crc = CRC32(polynomial)
        crc.update(bytes)
        return crc.value
    }

    private static let isoHDLCTables = tables(0xEDB8_8320)
    private static let castagnoliTables = tables(0x82F6_3B78)

    /// Eight 256-entry tables: table k gives the CRC of a byte followed by k zero bytes.
    private static func tables(_ polynomial: UInt32) -> [UInt32] {
        var tables = [UInt32](repeating: 0, count: 8 * 256)
        for byte in 0..<256 {
            var crc = UInt32(byte)
            for _ in 0..<8 { crc = crc & 1 != 0 ? (crc >> 1) ^ polynomial : crc >> 1 }
            tables[byte] = crc
        }
        for slice in 1..<8 {
            for byte in 0..<256 {
                let previous = tables[(slice - 1) * 256 + byte]
                tables[slice * 256 + byte] = tables[Int(previous & 0xFF)] ^ (previous >> 8)
            }
        }
        return tables
    }
}
