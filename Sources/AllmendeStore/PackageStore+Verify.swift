// PackageStore+Verify.swift: AllmendeStore. Checking a stored package byte by byte, and exporting its files.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import Foundation

/// The outcome of `verifyPackage`.
public struct PackageVerification: Sendable {
    public let packageID: ContentID
    /// Every problem found, each naming the file or statement.
    public var problems: [String] = []
    /// Statements that verified.
    public var statements: [VerifiedStatement] = []
    public var filesChecked = 0
    public var bytesChecked = 0

    public var isIntact: Bool { problems.isEmpty }
}

extension PackageStore {
    /// Re-hashes every file of package `id` and checks every signature.
    public func verifyPackage(_ id: ContentID) throws(StoreError) -> PackageVerification {
        var report = PackageVerification(packageID: id)
        let manifest: DesignManifest
        do { manifest = try self.manifest(id) } catch let .hashMismatch(_, actual) {
            report.problems.append("manifest: its bytes hash to \(actual.hex), not to the package ID")
            return report
        }
        for file in manifest.files {
            report.filesChecked += 1
            let condition = try blobs.verify(file.sha256)
            switch condition {
            case .missing:
                report.problems.append("\(file.path): missing from the store (blob \(file.sha256.hex))")
            case let .corrupt(actual, badChunks):
                let chunks = badChunks.isEmpty ? "" : " (bad chunks: \(badChunks.prefix(10).map(String.init).joined(separator: ", ")))"
                report.problems.append("\(file.path): content hashes to \(actual.hex), expected \(file.sha256.hex)\(chunks)")
            case let .badChunkIndex(reason):
                report.problems.append("\(file.path): \(reason)")
            case .intact, .missingChunkIndex:
                report.bytesChecked += file.size
                if let index = try? blobs.chunkIndex(of: file.sha256) {
                    if index.id != file.chunkIndex { report.problems.append("\(file.path): chunk index does not match the manifest") }
                    if index.blobSize != file.size { report.problems.append("\(file.path): size \(index.blobSize), manifest says \(file.size)") }
                }
            }
        }
        let revocations = LabIdentity.revocations(home)
        let names = (try? FileSystem.contentsOfDirectory(indexPath + "/" + id.hex)) ?? []
        for name in names.sorted() {
            guard let statementID = try? ContentID(parsing: name) else { continue }
            do {
                let signed = try signedStatement(statementID)
                guard try signed.statementID() == statementID else {
                    report.problems.append("statement \(statementID.shortHex()): stored bytes do not match its ID")
                    continue
                }
                report.statements.append(try signed.verify(revocations: revocations))
            } catch let error as StoreError {
                report.problems.append("statement \(statementID.shortHex()): \(error)")
            } catch {
                report.problems.append("statement \(statementID.shortHex()): \(error)")
            }
        }
        if !report.statements.contains(where: { $0.statement.kind == .publish && $0.identity == manifest.publisher }) {
            report.problems.append("no valid publish statement by the publisher \(manifest.publisher.text)")
        }
        return report
    }

    /// Writes package `id`'s files under `folder`, verifying every chunk; never writes outside `folder` and
    /// never overwrites unless `force`. Returns the paths written.
    @discardableResult
    public func export(_ id: ContentID, to folder: String, force: Bool) throws(StoreError) -> [String] {
        let manifest = try self.manifest(id)
        do { try FileSystem.makeDirectories(folder) } catch { throw .system(error) }
        let root: String
        do { root = try FileSystem.resolvedPath(folder) } catch { throw .system(error) }
        // Check everything first, so a refused export writes nothing.
        for file in manifest.files {
            guard blobs.has(file.sha256) else { throw .packageDamaged("\(file.path): not in the store (blob \(file.sha256.hex)); fetch the package again") }
            let target = try safeTarget(root: root, path: file.path)
            if !force && FileSystem.exists(target) { throw .exportTargetExists(path: target) }
        }
        var written: [String] = []
        for file in manifest.files {
            let target = try safeTarget(root: root, path: file.path)
            do { try FileSystem.makeDirectories(FileSystem.parentDirectory(of: target)) } catch { throw .system(error) }
            _ = try safeTarget(root: root, path: file.path)   // re-check: no link appeared while creating folders
            try writeVerified(file, to: target)
            written.append(target)
        }
        return written
    }

    /// The absolute target of `path` under `root`, refusing symbolic links and non-folders on the way.
    private func safeTarget(root: String, path: PackagePath) throws(StoreError) -> String {
        var current = root
        let components = path.components
        for (index, component) in components.enumerated() {
            current += "/" + component
            let kind: FileKind?
            do { kind = try FileSystem.kind(of: current) } catch { throw .system(error) }
            if kind == .symbolicLink { throw .unsafeExportPath(path: current, reason: "it is a symbolic link, which could lead outside the folder") }
            if index < components.count - 1, let kind, kind != .directory {
                throw .unsafeExportPath(path: current, reason: "it is a file where the package needs a folder")
            }
            if index == components.count - 1, let kind, kind != .regular {
                throw .unsafeExportPath(path: current, reason: "it is not a regular file")
            }
        }
        return current
    }

    /// Copies a blob to `target` through a temporary file, checking each chunk against the chained index (which
    /// proves the whole blob, see Protocol/chunk-index.md).
    private func writeVerified(_ file: FileEntry, to target: String) throws(StoreError) {
        let index = try blobs.chunkIndex(of: file.sha256)
        let source = try blobs.open(file.sha256)
        defer { source.close() }
        let temporary = FileSystem.parentDirectory(of: target) + "/.allmende-export-" + FileSystem.lastComponent(of: target)
        do {
            let output = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            defer { output.close() }
            guard index.blobID == file.sha256 else { throw StoreError.packageDamaged("\(file.path): the chunk index is for another blob; run 'allmende fsck --repair'") }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: index.chunkSize, alignment: 4096)
            defer { buffer.deallocate() }
            for chunk in 0..<index.chunkCount {
                let range = index.byteRange(ofChunk: chunk)
                let count = try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count]))
                let bytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
                guard index.verify(chunk: chunk, bytes) else {
                    throw StoreError.packageDamaged("\(file.path): chunk \(chunk) in the store is corrupt; run 'allmende fsck'")
                }
                try output.writeAll(bytes)
            }
            try output.sync()
            try FileSystem.rename(temporary, to: target)
        } catch let error as StoreError {
            try? FileSystem.removeFile(temporary)
            throw error
        } catch let error as SystemError {
            try? FileSystem.removeFile(temporary)
            throw .system(error)
        } catch {
            try? FileSystem.removeFile(temporary)
            throw .packageDamaged("\(error)")
        }
    }
}
