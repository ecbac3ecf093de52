// FirstSeenLog.swift: AllmendeStore. When this node first saw each catalog entry (for revocations).
// Spec: Protocol/catalog-log.md "First-seen times".

import AllmendeCrypto
import AllmendeSystem
import Foundation
import Synchronization

/// `catalog.seen` beside the catalog: fixed 44-byte records `entry ID (32) ‖ u64 unix seconds ‖ u32 CRC-32C of
/// the 40 bytes before`, appended after the entry itself. A record with a bad checksum is skipped (the entry
/// then counts as seen at an unknown time); bytes that do not fill a record are cut by the next append.
final class FirstSeenLog: Sendable {
    static let recordSize = 44
    let path: String
    private let state: Mutex<(descriptor: FileDescriptor?, times: [ContentID: Int64], size: Int)>

    init(path: String) {
        self.path = path
        let descriptor = try? FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o600)
        state = Mutex((descriptor, [:], 0))
    }

    deinit { state.withLock { _ = $0.descriptor?.close() } }

    /// When entry `id` was first seen, if recorded.
    func time(of id: ContentID) -> Int64? { state.withLock { refresh(&$0); return $0.times[id] } }

    /// Records that `id` was first seen at `seconds` (called when the entry is appended to the catalog, so once;
    /// should a record exist already, the first one wins when read). Without `durable`, `syncPending()` makes it
    /// durable later.
    func record(_ id: ContentID, at seconds: Int64, durable: Bool = true) throws(SystemError) {
        try state.withLock { state throws(SystemError) in
            guard let descriptor = state.descriptor else { throw SystemError(operation: "open", path: path, errno: EBADF) }
            _ = try descriptor.lockExclusive(wait: true)
            defer { _ = flock(descriptor.rawValue, LOCK_UN) }
            let size = Int(try descriptor.status().st_size)
            if size % Self.recordSize != 0 { try descriptor.truncate(to: size - size % Self.recordSize) }
            var bytes = id.bytes
            for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seconds >> Int64(shift))) }
            let checksum = CRC32C.checksum(bytes)
            for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
            try descriptor.writeAll(bytes)
            if durable { try descriptor.syncData() }
        }
    }

    /// Makes records written without `durable` durable.
    func sync() throws(SystemError) {
        try state.withLock { state throws(SystemError) in try state.descriptor?.syncData() }
    }

    /// Reads records appended since the last look (by this or another process).
    private func refresh(_ state: inout (descriptor: FileDescriptor?, times: [ContentID: Int64], size: Int)) {
        guard let descriptor = state.descriptor, let size = try? Int(descriptor.status().st_size) else { return }
        if size < state.size { state.size = 0 }
        let whole = size - size % Self.recordSize
        guard whole > state.size else { return }
        var bytes = [UInt8](repeating: 0, count: whole - state.size)
        let read = bytes.withUnsafeMutableBytes { (try? descriptor.readFully(into: $0, atOffset: state.size)) ?? 0 }
        var offset = 0
        while offset + Self.recordSize <= read {
            let record = Array(bytes[offset..<offset + Self.recordSize])
            let checksum = record[40..<44].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            if CRC32C.checksum(Array(record[0..<40])) == checksum, let id = try? ContentID(validatingDigest: record[0..<32]) {
                let seconds = record[32..<40].reduce(Int64(0)) { $0 << 8 | Int64($1) }
                if state.times[id] == nil { state.times[id] = seconds }
            }
            offset += Self.recordSize
        }
        state.size += offset
    }
}
