// HolderTableCodec.swift: AllmendeNode. The holder table on disk (`holders` in the node's home): every kept
// state whole, with its signature, so a restarted node and the CLI know the holders at once. Pure.
// Spec: Protocol/holders.md "On disk".

import AllmendeCrypto

/// Encodes and decodes the states of a holder table: `AMHOLD03` · count u32 · per state: node key (32) · address
/// count u8 · each address as length u16 + UTF-8 · lab: delegation length u16 (0: none), then lab key (32), label
/// length u8 + UTF-8 and the delegation's JSON · seq u64 · time i64 · expires i64 · signature (64) · count u32 · IDs
/// (32 each, sorted) · then SHA-256 of all before.
public enum HolderTableCodec {
    static let magic = Array("AMHOLD03".utf8)

    public enum DecodeError: Error, Equatable, CustomStringConvertible {
        case notAHolderFile
        case damaged(String)
        public var description: String {
            switch self {
            case .notAHolderFile: return "not a holder table (wrong magic)"
            case let .damaged(what): return "damaged holder table: \(what)"
            }
        }
    }

    public static func encode(_ states: [HolderUpdate]) -> [UInt8] {
        var bytes = magic
        append(UInt32(states.count), to: &bytes)
        for state in states {
            bytes += state.node.publicKey.rawRepresentation
            let addresses = state.addresses.prefix(4).map { Array($0.utf8.prefix(1024)) }
            bytes.append(UInt8(addresses.count))
            for address in addresses {
                append(UInt16(address.count), to: &bytes)
                bytes += address
            }
            if let lab = state.lab, lab.delegation.count <= 4096, !lab.delegation.isEmpty {
                append(UInt16(lab.delegation.count), to: &bytes)
                bytes += lab.identity.publicKey.rawRepresentation
                let label = Array((lab.label ?? "").utf8.prefix(255))
                bytes.append(UInt8(label.count))
                bytes += label
                bytes += lab.delegation
            } else {
                append(UInt16(0), to: &bytes)
            }
            append(state.seq, to: &bytes)
            append(UInt64(bitPattern: state.time), to: &bytes)
            append(UInt64(bitPattern: state.expires), to: &bytes)
            bytes += state.signature
            append(UInt32(state.added.count), to: &bytes)
            for id in state.added { bytes += id.bytes }
        }
        bytes += SHA256Hasher.hash(bytes).bytes
        return bytes
    }

    /// The states, whole (`base` 0), each checked against its own count and digest; throws on any damage.
    public static func decode(_ bytes: [UInt8]) throws(DecodeError) -> [HolderUpdate] {
        guard bytes.count >= magic.count + 4 + 32, Array(bytes.prefix(magic.count)) == magic else { throw .notAHolderFile }
        let body = bytes[..<(bytes.count - 32)]
        guard SHA256Hasher.hash(body).bytes == Array(bytes.suffix(32)) else { throw .damaged("checksum does not match") }
        var offset = magic.count
        func take(_ count: Int) throws(DecodeError) -> ArraySlice<UInt8> {
            guard count >= 0, body.count - offset >= count else { throw .damaged("cut short at byte \(offset)") }
            defer { offset += count }
            return body[offset..<offset + count]
        }
        func integer(_ size: Int) throws(DecodeError) -> UInt64 { try take(size).reduce(UInt64(0)) { $0 << 8 | UInt64($1) } }
        let count = Int(try integer(4))
        var states: [HolderUpdate] = []
        states.reserveCapacity(min(count, 100_000))
        for index in 0..<count {
            guard let key = try? Ed25519PublicKey(rawRepresentation: Array(try take(32))) else { throw .damaged("state \(index): not a node key") }
            let addressCount = Int(try integer(1))
            guard addressCount <= 4 else { throw .damaged("state \(index): \(addressCount) addresses") }
            var addresses: [String] = []
            for _ in 0..<addressCount {
                let length = Int(try integer(2))
                guard length <= 1024, let address = String(validating: Array(try take(length)), as: UTF8.self) else {
                    throw .damaged("state \(index): an address that is not UTF-8")
                }
                addresses.append(address)
            }
            var lab: HolderLab?
            let delegationLength = Int(try integer(2))
            if delegationLength > 0 {
                guard delegationLength <= 4096, let identity = try? Ed25519PublicKey(rawRepresentation: Array(try take(32))) else {
                    throw .damaged("state \(index): a lab that is not a key")
                }
                let labelLength = Int(try integer(1))
                guard let label = String(validating: Array(try take(labelLength)), as: UTF8.self) else { throw .damaged("state \(index): a label that is not UTF-8") }
                lab = HolderLab(identity: NodeID(publicKey: identity), label: label.isEmpty ? nil : label, delegation: Array(try take(delegationLength)))
            }
            let seq = try integer(8)
            let time = Int64(bitPattern: try integer(8)), expires = Int64(bitPattern: try integer(8))
            let signature = Array(try take(64))
            let idCount = Int(try integer(4))
            guard idCount <= 10_000 else { throw .damaged("state \(index): \(idCount) packages") }
            let raw = try take(32 * idCount)
            let ids = (0..<idCount).map { ContentID(digest: raw[raw.startIndex + 32 * $0 ..< raw.startIndex + 32 * ($0 + 1)]) }
            guard zip(ids, ids.dropFirst()).allSatisfy({ $0 < $1 }) else { throw .damaged("state \(index): IDs not sorted") }
            states.append(HolderUpdate(node: NodeID(publicKey: key), addresses: addresses, seq: seq, time: time, expires: expires, count: idCount,
                                       digest: ContentID.setDigest(ids), signature: signature, base: 0, added: ids, removed: [], lab: lab))
        }
        guard offset == body.count else { throw .damaged("\(body.count - offset) bytes after the last state") }
        return states
    }

    private static func append<T: FixedWidthInteger>(_ value: T, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { bytes += $0 }
    }
}
