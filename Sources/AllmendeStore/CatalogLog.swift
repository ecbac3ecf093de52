// CatalogLog.swift: AllmendeStore. The append-only log of accepted catalog entries (signed statements).

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Foundation
import Synchronization

/// An append-only file of catalog entries: each record is `u32 length ‖ u32 CRC-32C of the payload ‖ payload`
/// (big-endian), the payload being a signed statement's canonical bytes. Opening the log reads every record;
/// a torn or corrupt tail (a crash in the middle of an append) is cut off, so a complete record is never lost
/// and a broken one is never read. Appends are written whole with one `write`, then `fdatasync`ed.
public final class CatalogLog: Sendable {
    /// Largest record payload (a signed statement is at most 64 KiB).
    public static let maximumRecordSize = SignedStatement.maximumSize

    public let path: String
    private let descriptor: FileDescriptor
    private let state: Mutex<(ids: [ContentID: Int], entries: [ContentID], size: Int)>
    /// Bytes cut from the end when the log was opened (0 if it was intact).
    public let recoveredBytes: Int

    /// Opens (creating) the log and cuts a torn tail.
    public init(path: String) throws(StoreError) {
        self.path = path
        do {
            try FileSystem.makeDirectories(FileSystem.parentDirectory(of: path))
            let file = try FileDescriptor.open(path, O_RDWR | O_CREAT | O_APPEND, mode: 0o644)
            descriptor = file
            // Under the append lock: another process in the middle of an append must not look like a torn tail.
            _ = try file.lockExclusive(wait: true)
            defer { _ = flock(file.rawValue, LOCK_UN) }
            let bytes = try FileSystem.readFile(path, limit: 1 << 34)
            var offset = 0
            var ids: [ContentID: Int] = [:]
            var order: [ContentID] = []
            while let (payload, next) = Self.record(in: bytes, at: offset) {
                let id = SHA256Hasher.hash(payload)
                if ids[id] == nil {
                    ids[id] = offset
                    order.append(id)
                }
                offset = next
            }
            recoveredBytes = bytes.count - offset
            if bytes.count - offset > 0 {
                try file.truncate(to: offset)
                try file.sync()
            }
            state = Mutex((ids, order, offset))
        } catch {
            throw .system(error)
        }
    }

    deinit { descriptor.close() }

    /// The record at `offset`: its payload and the next offset, or nil if it is incomplete or corrupt.
    static func record(in bytes: [UInt8], at offset: Int) -> ([UInt8], Int)? {
        guard bytes.count - offset >= 8 else { return nil }
        let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
        let checksum = bytes[offset + 4..<offset + 8].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard length > 0, length <= maximumRecordSize, bytes.count - offset - 8 >= length else { return nil }
        let payload = Array(bytes[offset + 8..<offset + 8 + length])
        guard CRC32C.checksum(payload) == checksum else { return nil }
        return (payload, offset + 8 + length)
    }

    /// Indexes records that other processes (the CLI beside a running daemon) appended since we last looked.
    private func refresh(_ state: inout (ids: [ContentID: Int], entries: [ContentID], size: Int)) {
        guard let size = try? Int(descriptor.status().st_size), size > state.size else { return }
        var bytes = [UInt8](repeating: 0, count: size - state.size)
        let read = bytes.withUnsafeMutableBytes { (try? descriptor.read(into: $0, atOffset: state.size)) ?? 0 }
        bytes.removeLast(bytes.count - read)
        var offset = 0
        while let (payload, next) = Self.record(in: bytes, at: offset) {
            let id = SHA256Hasher.hash(payload)
            if state.ids[id] == nil {
                state.ids[id] = state.size + offset
                state.entries.append(id)
            }
            offset = next
        }
        state.size += offset
    }

    /// The number of entries.
    public var count: Int { state.withLock { refresh(&$0); return $0.entries.count } }

    /// True if the entry with this statement ID is in the log.
    public func contains(_ id: ContentID) -> Bool { state.withLock { refresh(&$0); return $0.ids[id] != nil } }

    /// The canonical bytes of entry `id`, read from the log.
    public func entryBytes(_ id: ContentID) -> [UInt8]? {
        guard let offset = state.withLock({ refresh(&$0); return $0.ids[id] }) else { return nil }
        var header = [UInt8](repeating: 0, count: 8)
        guard header.withUnsafeMutableBytes({ (try? descriptor.read(into: $0, atOffset: offset)) ?? 0 }) == 8 else { return nil }
        let length = header[0..<4].reduce(0) { $0 << 8 | Int($1) }
        guard length > 0, length <= Self.maximumRecordSize else { return nil }
        var payload = [UInt8](repeating: 0, count: length)
        guard payload.withUnsafeMutableBytes({ (try? descriptor.read(into: $0, atOffset: offset + 8)) ?? 0 }) == length,
              SHA256Hasher.hash(payload) == id else { return nil }
        return payload
    }

    /// Entry IDs in the order they were accepted.
    public var ids: [ContentID] { state.withLock { refresh(&$0); return $0.entries } }

    /// Appends `statement` durably; returns false if it was already there.
    @discardableResult
    public func append(_ statement: SignedStatement) throws(StoreError) -> Bool {
        let payload: [UInt8]
        do { payload = try statement.canonicalBytes() } catch { throw .model(error) }
        guard payload.count <= Self.maximumRecordSize else { throw .model(.invalidField(path: "statement", reason: "too large for the catalog")) }
        let id = SHA256Hasher.hash(payload)
        var record: [UInt8] = []
        record.reserveCapacity(8 + payload.count)
        for shift in stride(from: 24, through: 0, by: -8) { record.append(UInt8(truncatingIfNeeded: payload.count >> shift)) }
        let checksum = CRC32C.checksum(payload)
        for shift in stride(from: 24, through: 0, by: -8) { record.append(UInt8(truncatingIfNeeded: checksum >> UInt32(shift))) }
        record += payload
        return try state.withLock { state throws(StoreError) -> Bool in
            // Appends from several processes (daemon and CLI) are serialised by an exclusive lock on the file.
            _ = try? descriptor.lockExclusive(wait: true)
            defer { _ = flock(descriptor.rawValue, LOCK_UN) }
            refresh(&state)
            guard state.ids[id] == nil else { return false }
            do throws(SystemError) {
                try descriptor.writeAll(record)
                try descriptor.syncData()
            } catch {
                // Never leave half a record: cut back to the last good end.
                try? descriptor.truncate(to: state.size)
                throw .system(error)
            }
            state.ids[id] = state.size
            state.entries.append(id)
            state.size += record.count
            return true
        }
    }

    /// Every entry, parsed, in log order.
    public func entries() throws(StoreError) -> [SignedStatement] {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 1 << 34) } catch { throw .system(error) }
        var result: [SignedStatement] = []
        var offset = 0
        while let (payload, next) = Self.record(in: bytes, at: offset) {
            if let statement = try? SignedStatement(parsing: payload) { result.append(statement) }
            offset = next
        }
        return result
    }
}

/// CRC-32C (Castagnoli), the checksum of catalog log records.
public enum CRC32C {
    private static let table: [UInt32] = (0..<256).map { index in
        var value = UInt32(index)
        for _ in 0..<8 { value = value & 1 == 1 ? (value >> 1) ^ 0x82F6_3B78 : value >> 1 }
        return value
    }

    public static func checksum(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
