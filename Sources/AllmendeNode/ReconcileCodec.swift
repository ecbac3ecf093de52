// ReconcileCodec.swift: AllmendeNode. Bytes of a reconciliation message. Pure. Spec: Protocol/reconciliation.md.

import AllmendeCrypto

/// Encodes reconciliation messages: version byte 0x01, then per range: bound (u8 length 0…32 + prefix, or 0xFF
/// for "to the end"), mode (0 skip, 1 fingerprint + 16 bytes, 2 ID list + u16 count + 32 bytes each).
public enum ReconcileCodec {
    public static let version: UInt8 = 1

    public static func encode(_ ranges: [ReconcileRange]) -> [UInt8] {
        var output: [UInt8] = [version]
        for range in ranges {
            if let bound = range.upperBound {
                output.append(UInt8(bound.count))
                output += bound
            } else {
                output.append(0xFF)
            }
            switch range.mode {
            case .skip: output.append(0)
            case let .fingerprint(bytes):
                output.append(1)
                output += bytes
            case let .idList(ids):
                output.append(2)
                output.append(UInt8(ids.count >> 8))
                output.append(UInt8(ids.count & 0xFF))
                for id in ids { output += id.bytes }
            }
        }
        return output
    }

    /// Why a reconciliation message was refused.
    public struct DecodingError: Error, Equatable, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { "malformed reconciliation message: \(reason)" }
    }

    public static func decode(_ bytes: [UInt8]) throws(DecodingError) -> [ReconcileRange] {
        guard bytes.first == version else { throw DecodingError(reason: "unknown version \(bytes.first.map(String.init) ?? "none")") }
        var index = 1
        var ranges: [ReconcileRange] = []
        func take(_ count: Int) throws(DecodingError) -> ArraySlice<UInt8> {
            guard index + count <= bytes.count else { throw DecodingError(reason: "truncated at byte \(index)") }
            defer { index += count }
            return bytes[index..<index + count]
        }
        func byte() throws(DecodingError) -> UInt8 { try take(1).reduce(0) { $0 | $1 } }
        var previous: [UInt8] = []
        while index < bytes.count {
            guard ranges.count < 100_000 else { throw DecodingError(reason: "too many ranges") }
            let length = Int(try byte())
            var bound: [UInt8]?
            if length != 0xFF {
                guard length <= 32 else { throw DecodingError(reason: "bound of \(length) bytes") }
                let value = Array(try take(length))
                guard previous.lexicographicallyPrecedes(value) || previous.isEmpty else { throw DecodingError(reason: "bounds out of order") }
                previous = value
                bound = value
            }
            let mode: RangeMode
            switch try byte() {
            case 0: mode = .skip
            case 1: mode = .fingerprint(Array(try take(16)))
            case 2:
                let count = Int(try byte()) << 8 | Int(try byte())
                var ids: [ContentID] = []
                ids.reserveCapacity(count)
                for _ in 0..<count { ids.append(ContentID(digest: try take(32))) }
                mode = .idList(ids)
            case let other: throw DecodingError(reason: "unknown mode \(other)")
            }
            ranges.append(ReconcileRange(upperBound: bound, mode: mode))
            if bound == nil && index < bytes.count { throw DecodingError(reason: "ranges after the final range") }
        }
        guard let last = ranges.last else { throw DecodingError(reason: "no ranges") }
        guard last.upperBound == nil else { throw DecodingError(reason: "the last range does not reach the end (0xFF bound)") }
        return ranges
    }
}
