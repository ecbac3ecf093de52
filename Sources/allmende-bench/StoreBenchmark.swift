// StoreBenchmark.swift: allmende-bench. Storing a large file versus openssl dgst and sha256sum on the same file.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import Foundation

struct StoreBenchmark {
    let options: BenchOptions

    func run() throws {
        let folder = options.directory + "/allmende-bench-\(getpid())"
        try FileSystem.makeDirectories(folder)
        defer { try? FileSystem.removeTree(folder) }
        let file = folder + "/input.bin"
        let bytes = options.sizeMiB << 20
        print("## store: \(options.sizeMiB) MiB file, \(options.runs) runs each, median reported")
        print("machine: \(machineSummary())")
        try generateFile(file, bytes: bytes)
        _ = try runCommand("cat", [file])   // warm the page cache so every tool reads from memory

        // Rounds alternate the tools, so drift on a shared machine (other tenants, a busy disk) hits all alike.
        var storeTimes: [Double] = [], verifyTimes: [Double] = [], hashTimes: [Double] = [], indexTimes: [Double] = [], opensslTimes: [Double] = [], sumTimes: [Double] = []
        var storedID: ContentID?, hashedID: ContentID?, indexedID: ContentID?
        var opensslOutput = "", sumOutput = ""
        for run in 0..<options.runs {
            let root = folder + "/store-\(run)"
            let store = try BlobStore(root: root)
            storeTimes.append(try measure { storedID = try store.put(contentsOf: file).id })
            var condition = BlobCondition.missing
            let stored = storedID
            if let stored { _ = try runCommand("cat", [store.path(of: stored)]) }   // written with O_DIRECT: warm it like the others
            verifyTimes.append(try measure { if let stored { condition = try store.verify(stored) } })
            guard condition == .intact else { throw BenchError(message: "the stored blob did not verify: \(condition)") }
            try FileSystem.removeTree(root)
            hashTimes.append(try measure { hashedID = try hashOnly(file) })
            indexTimes.append(try measure { indexedID = try indexOnly(file) })
            opensslTimes.append(try measure { opensslOutput = try runCommand("openssl", ["dgst", "-sha256", "-r", file]) })
            sumTimes.append(try measure { sumOutput = try runCommand("sha256sum", [file]) })
        }

        let opensslHex = String(opensslOutput.prefix(64))
        let sumHex = String(sumOutput.prefix(64))
        guard let storedID, storedID.hex == opensslHex, storedID.hex == sumHex, hashedID == storedID, indexedID == storedID else {
            throw BenchError(message: "hashes disagree: allmende \(storedID?.hex ?? "-"), openssl \(opensslHex), sha256sum \(sumHex)")
        }
        print("all three agree: \(storedID.hex)")
        printTable([
            BenchRow(name: "allmende store put", seconds: storeTimes, bytes: bytes),
            BenchRow(name: "allmende verify (fsck of the blob)", seconds: verifyTimes, bytes: bytes),
            BenchRow(name: "SHA-256 only, one thread (floor)", seconds: hashTimes, bytes: bytes),
            BenchRow(name: "chunk index only, one thread (no write)", seconds: indexTimes, bytes: bytes),
            BenchRow(name: "openssl dgst -sha256", seconds: opensslTimes, bytes: bytes),
            BenchRow(name: "sha256sum", seconds: sumTimes, bytes: bytes),
        ], reference: "openssl dgst -sha256")
    }

    /// The whole-file SHA-256 alone, read(2) in 1 MiB pieces: the sequential floor that storing cannot beat.
    private func hashOnly(_ path: String) throws -> ContentID {
        let hasher = SHA256Hasher()
        try forEachPiece(of: path) { hasher.update($0) }
        return hasher.finalize()
    }

    /// The chunk index (and with it the ID) alone, one thread: what storing computes, without the write.
    private func indexOnly(_ path: String) throws -> ContentID {
        var builder = ChunkIndexBuilder()
        try forEachPiece(of: path) { builder.add($0) }
        return builder.finish().blobID
    }
}
