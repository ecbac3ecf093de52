// TemporaryBlobFile.swift: AllmendeStore. A blob being written: a locked file in the store's tmp/ folder.

import AllmendeCrypto
import AllmendeSystem
import Foundation

/// A file in `tmp/` that a writer holds an exclusive `flock` on until it is renamed into place or removed.
///
/// Name: `put-<pid>-<random>`. A file whose lock is free and whose writer process is gone was left by a crash;
/// it is never read as a blob and is removed by `removeAbandoned(in:)` (on store open and by `fsck --repair`).
struct TemporaryBlobFile {
    let path: String
    let descriptor: FileDescriptor

    static let namePrefix = "put-"

    static func create(in folder: String) throws(StoreError) -> TemporaryBlobFile {
        let suffix: String
        do { suffix = Hex.encode(try SecureRandom.bytes(count: 8)) } catch { throw .crypto(error) }
        let path = folder + "/" + namePrefix + String(getpid()) + "-" + suffix
        do {
            let descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_EXCL, mode: 0o600)
            _ = try descriptor.lockExclusive(wait: true)
            return TemporaryBlobFile(path: path, descriptor: descriptor)
        } catch {
            throw .system(error)
        }
    }

    /// Closes the descriptor (releasing the lock) after the file was renamed away.
    func close() { descriptor.close() }

    /// Makes the fully written file durable and read-only, then moves it to `destination` and syncs that folder.
    func moveIntoPlace(at destination: String) throws(SystemError) {
        try descriptor.syncData()
        try descriptor.setMode(0o444)
        let folder = FileSystem.parentDirectory(of: destination)
        try FileSystem.makeDirectories(folder)
        try FileSystem.rename(path, to: destination)
        close()
        try FileSystem.syncDirectory(folder)
    }

    /// Removes the file and closes it.
    func discard() {
        try? FileSystem.removeFile(path)
        descriptor.close()
    }

    /// True if `name` in tmp/ belongs to a live writer: its lock is held, or its process still runs.
    static func isInUse(folder: String, name: String) -> Bool {
        let path = folder + "/" + name
        guard let descriptor = try? FileDescriptor.open(path, O_RDONLY) else { return false }
        defer { descriptor.close() }
        guard (try? descriptor.lockExclusive(wait: false)) == true else { return true }
        // Lock is free. A writer takes it right after creating the file, so only a file of a live process
        // (between its open and its flock) or a very young file can still be in use.
        let parts = name.dropFirst(namePrefix.count).split(separator: "-")
        if let pidText = parts.first, let pid = Int32(pidText), pid > 0, pid != getpid(), kill(pid, 0) == 0 || errno == EPERM {
            if let info = try? descriptor.status(), time(nil) - info.st_mtim.tv_sec < 3600 { return true }
        }
        return false
    }

    /// Temporary files in `folder` that no live writer holds.
    static func abandoned(in folder: String) throws(SystemError) -> [String] {
        try FileSystem.contentsOfDirectory(folder).filter { !isInUse(folder: folder, name: $0) }.sorted()
    }

    /// Removes abandoned temporary files; returns how many.
    static func removeAbandoned(in folder: String) throws(SystemError) -> Int {
        let names = try abandoned(in: folder)
        for name in names { try FileSystem.removeFile(folder + "/" + name) }
        return names.count
    }
}
