// BlobStore+Verify.swift: AllmendeStore. Re-hashing stored blobs and checking the whole store (fsck).

import AllmendeCrypto
import AllmendeSystem
import Dispatch
import Foundation
import Synchronization

/// The state of one stored blob after re-hashing it.
public enum BlobCondition: Equatable, Sendable {
    /// The bytes hash to the ID and every chunk matches its index.
    case intact
    /// The blob is not in the store.
    case missing
    /// The bytes hash to something else; `badChunks` lists the chunk numbers that differ from the index.
    case corrupt(actual: ContentID, badChunks: [Int])
    /// The bytes are right but the saved chunk index is undecodable or wrong.
    case badChunkIndex(reason: String)
    /// The bytes are right and the chunk index was never saved: a crash between storing a blob and saving its
    /// index (the blob is renamed into place first). Not damage; `chunkIndex(of:)` rebuilds it.
    case missingChunkIndex
}

extension BlobStore {
    /// Re-hashes blob `id` and compares it with its ID and its saved chunk index.
    ///
    /// With a sound saved index every chunk is checked against it on its own (in parallel, one SHA-256 pass in
    /// total), which also names the damaged chunks; otherwise the blob is hashed from the start.
    public func verify(_ id: ContentID) throws(StoreError) -> BlobCondition {
        let descriptor: FileDescriptor
        do { descriptor = try open(id) } catch .blobNotFound { return .missing }
        defer { descriptor.close() }
        let indexProblem: String?
        switch Result(catching: { () throws(StoreError) in try storedChunkIndex(of: id) }) {
        case let .success(saved):
            let size: Int
            do { size = Int(try descriptor.status().st_size) } catch { throw .system(error) }
            if size == saved.blobSize {
                let bad = try Self.badChunks(in: descriptor, index: saved)
                if bad.isEmpty { return .intact }
                let actual = try BlobIngest.run(source: descriptor, destination: nil, chunkSize: saved.chunkSize).blobID
                return .corrupt(actual: actual, badChunks: bad)
            }
            indexProblem = "chunk index is for \(saved.blobSize) bytes, the blob has \(size)"
        case let .failure(.system(error)) where error.isNotFound:
            indexProblem = nil
        case let .failure(error):
            indexProblem = error.description
        }
        // Only positioned reads (pread) happened so far, so the descriptor is still at offset 0.
        let actual = try BlobIngest.run(source: descriptor, destination: nil, chunkSize: chunkSize).blobID
        if actual != id { return .corrupt(actual: actual, badChunks: []) }
        return indexProblem.map { .badChunkIndex(reason: $0) } ?? .missingChunkIndex
    }
}

/// One problem found by `fsck`.
public enum FsckProblem: Equatable, Sendable, CustomStringConvertible {
    /// A blob whose bytes no longer hash to its name.
    case corruptBlob(ContentID, actual: ContentID, badChunks: [Int])
    /// A chunk index whose blob is gone.
    case missingBlob(ContentID)
    /// A blob whose chunk index is missing or wrong.
    case badChunkIndex(ContentID, reason: String)
    /// A file that does not belong where it is.
    case strayFile(path: String)

    /// A short machine-readable kind.
    public var kind: String {
        switch self {
        case .corruptBlob: return "corrupt"
        case .missingBlob: return "missing"
        case .badChunkIndex: return "bad-chunk-index"
        case .strayFile: return "stray"
        }
    }

    public var description: String {
        switch self {
        case let .corruptBlob(id, actual, badChunks):
            let chunks = badChunks.isEmpty ? "" : "; bad chunks: " + badChunks.prefix(10).map(String.init).joined(separator: ", ")
                + (badChunks.count > 10 ? ", …" : "")
            return "corrupt blob \(id.hex): its bytes hash to \(actual.hex)\(chunks)"
        case let .missingBlob(id):
            return "missing blob \(id.hex): its chunk index is stored but the blob is not"
        case let .badChunkIndex(id, reason):
            return "blob \(id.hex): \(reason)"
        case let .strayFile(path):
            return "stray file \(path)"
        }
    }
}

/// What `fsck` checked and found.
public struct FsckReport: Sendable, Equatable {
    /// Blobs re-hashed.
    public var blobsChecked = 0
    /// Interrupted fetches in partial/ (their verified chunks are kept and checked again when the fetch resumes).
    public var partialFetches = 0
    /// Bytes re-hashed.
    public var bytesChecked = 0
    /// Problems, sorted by path/ID.
    public var problems: [FsckProblem] = []
    /// What `--repair` did, one line each.
    public var repairs: [String] = []
    /// What a crash had left and fsck cleaned on its own (temporary files of dead writers, chunk indexes never
    /// saved), one line each. Not problems: nothing was lost.
    public var cleaned: [String] = []

    /// True if nothing is wrong.
    public var isClean: Bool { problems.isEmpty }
}

extension BlobStore {
    /// Re-hashes every blob and looks for missing, corrupt and stray files. With `repair`, corrupt and stray
    /// files move to `quarantine/` (nothing is deleted but abandoned temporary files), chunk indexes are
    /// rebuilt, and orphaned indexes are removed, so the blobs can be fetched again.
    public func fsck(repair: Bool = false, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(StoreError) -> FsckReport {
        var report = FsckReport()
        report.cleaned = try removeCrashLeftovers()
        let ids = try list()
        let stray = try strayFiles(partialFetches: &report.partialFetches)
        let results = Mutex<[ContentID: Result<BlobCondition, StoreError>]>([:])
        let done = Mutex(0)
        let check = { @Sendable (id: ContentID) in
            let outcome = Result { () throws(StoreError) in try self.verify(id) }
            results.withLock { $0[id] = outcome }
            let finished = done.withLock { $0 += 1; return $0 }
            progress?(finished, ids.count)
        }
        // Blobs of several chunks one after another, each checked on several threads (a nested concurrentPerform
        // would run serially); single-chunk blobs side by side.
        let sizes = ids.map { (try? size(of: $0)) ?? 0 }
        let large = zip(ids, sizes).filter { $0.1 > chunkSize }.map(\.0)
        let small = zip(ids, sizes).filter { $0.1 <= chunkSize }.map(\.0)
        for id in large { check(id) }
        DispatchQueue.concurrentPerform(iterations: small.count) { check(small[$0]) }
        let conditions = results.withLock { $0 }
        for (id, size) in zip(ids, sizes) {
            report.blobsChecked += 1
            report.bytesChecked += size
            switch conditions[id] {
            case .success(.intact), .success(.missing), nil: break
            case .success(.missingChunkIndex):
                if (try? chunkIndex(of: id)) != nil {
                    report.cleaned.append("saved the chunk index of \(id.hex), which an interrupted write had not saved")
                } else {
                    report.problems.append(.badChunkIndex(id, reason: "its chunk index is missing and could not be saved"))
                }
            case let .success(.corrupt(actual, badChunks)): report.problems.append(.corruptBlob(id, actual: actual, badChunks: badChunks))
            case let .success(.badChunkIndex(reason)): report.problems.append(.badChunkIndex(id, reason: reason))
            case let .failure(error): report.problems.append(.badChunkIndex(id, reason: "could not be read: \(error)"))
            }
        }
        let stored = Set(ids)
        for indexed in try listIDs(in: chunksPath) where !stored.contains(indexed) { report.problems.append(.missingBlob(indexed)) }
        report.problems += stray
        if repair { report.repairs = try self.repair(report.problems) }
        return report
    }

    /// Files under blobs/ and chunks/ whose names are not content IDs in the right fan-out folder, and files in
    /// partial/ (interrupted fetches, named by the blob's ID) that are not.
    private func strayFiles(partialFetches: inout Int) throws(StoreError) -> [FsckProblem] {
        var stray: [FsckProblem] = []
        do {
            if FileSystem.exists(partialPath) {
                for name in try FileSystem.contentsOfDirectory(partialPath).sorted() {
                    let isRegular = try FileSystem.kind(of: partialPath + "/" + name) == .regular
                    if !isRegular || name.count != 64 || (try? ContentID(parsing: name))?.hex != name {
                        stray.append(.strayFile(path: partialPath + "/" + name))
                    } else {
                        partialFetches += 1
                    }
                }
            }
            for folder in [blobsPath, chunksPath] {
                for fanout in try FileSystem.contentsOfDirectory(folder).sorted() {
                    let fanoutPath = folder + "/" + fanout
                    guard fanout.count == 2, Hex.decode(fanout) != nil, fanout == fanout.lowercased(),
                          try FileSystem.kind(of: fanoutPath) == .directory else {
                        stray.append(.strayFile(path: fanoutPath))
                        continue
                    }
                    for name in try FileSystem.contentsOfDirectory(fanoutPath).sorted() where !name.hasPrefix(".tmp-") {
                        let isRegular = try FileSystem.kind(of: fanoutPath + "/" + name) == .regular
                        let isValid = name.count == 64 && name.hasPrefix(fanout) && (try? ContentID(parsing: name))?.hex == name
                        if !isValid || !isRegular {
                            stray.append(.strayFile(path: fanoutPath + "/" + name))
                        }
                    }
                }
            }
        } catch {
            throw .system(error)
        }
        return stray
    }

    private func repair(_ problems: [FsckProblem]) throws(StoreError) -> [String] {
        var repairs: [String] = []
        for problem in problems {
            switch problem {
            case let .corruptBlob(id, _, _):
                try wrapSystem { () throws(SystemError) in
                    try quarantine(path(of: id))
                    try FileSystem.removeFile(chunkIndexPath(of: id))
                }
                repairs.append("moved corrupt blob \(id.hex) to quarantine/; fetch it again to restore it")
            case let .missingBlob(id):
                try wrapSystem { () throws(SystemError) in try FileSystem.removeFile(chunkIndexPath(of: id)) }
                repairs.append("removed the chunk index of missing blob \(id.hex)")
            case let .badChunkIndex(id, _):
                try wrapSystem { () throws(SystemError) in try FileSystem.removeFile(chunkIndexPath(of: id)) }
                _ = try chunkIndex(of: id)
                repairs.append("rebuilt the chunk index of \(id.hex)")
            case let .strayFile(path):
                try wrapSystem { () throws(SystemError) in try quarantine(path) }
                repairs.append("moved stray \(path) to quarantine/")
            }
        }
        return repairs
    }

    /// Removes what writers that died left behind: their files in tmp/, and `.tmp-` files of atomic writes in the
    /// fan-out folders (written there by versions before 2026-12; a live writer's file is left alone).
    func removeCrashLeftovers() throws(StoreError) -> [String] {
        var cleaned: [String] = []
        do {
            for name in try TemporaryBlobFile.abandoned(in: temporaryPath) {
                try FileSystem.removeFile(temporaryPath + "/" + name)
                cleaned.append("removed \(temporaryPath)/\(name), left by an interrupted write")
            }
            for folder in [blobsPath, chunksPath] {
                for fanout in try FileSystem.contentsOfDirectory(folder) where fanout.count == 2 {
                    let fanoutPath = folder + "/" + fanout
                    guard (try? FileSystem.kind(of: fanoutPath)) == .directory else { continue }
                    for name in try FileSystem.contentsOfDirectory(fanoutPath) where name.hasPrefix(".tmp-") {
                        guard FileSystem.isAbandonedAtomicWrite(fanoutPath + "/" + name) else { continue }
                        try FileSystem.removeFile(fanoutPath + "/" + name)
                        cleaned.append("removed \(fanoutPath)/\(name), left by an interrupted write")
                    }
                }
            }
        } catch {
            throw .system(error)
        }
        return cleaned
    }

    private func wrapSystem(_ body: () throws(SystemError) -> Void) throws(StoreError) {
        do { try body() } catch { throw .system(error) }
    }

    private func quarantine(_ path: String) throws(SystemError) {
        try FileSystem.makeDirectories(quarantinePath)
        let name = FileSystem.lastComponent(of: path) + "." + String(Int(Date().timeIntervalSince1970))
        try FileSystem.rename(path, to: quarantinePath + "/" + name)
    }
}
