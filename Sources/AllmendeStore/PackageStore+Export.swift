// PackageStore+Export.swift: AllmendeStore. Writing a package into an ordinary folder: its files, verified, plus
// the manifest, the bill of materials and a NOTICE with licence and attribution. All or nothing.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON
import Glibc

/// What an export did.
public struct ExportResult: Sendable, Equatable {
    /// Files written (package files and, unless files only, `allmende.json`, `BOM.csv`, `NOTICE`).
    public var written: [String] = []
    /// Files already there with the same content (left as they were: an interrupted export can be run again).
    public var unchanged: [String] = []
}

extension PackageStore {
    /// Names of the files an export adds beside the package's own (unless a package file has that path).
    public static let exportManifestName = "allmende.json"
    public static let exportBOMName = "BOM.csv"
    public static let exportNoticeName = "NOTICE"

    /// Writes package `id` under `folder`: every file, checked chunk by chunk against the store, and (unless
    /// `filesOnly`) `allmende.json` (the manifest's canonical bytes: their SHA-256 is the package ID), `BOM.csv`
    /// (when the package has a bill of materials) and `NOTICE` (licence, licensors, authors, source).
    ///
    /// Never writes outside `folder` (symbolic links on the way are refused). A file that exists with the same
    /// content is left alone; one with other content is a conflict unless `force`. Everything is written to
    /// temporary files first and moved into place only when all of them checked out, so a damaged store or a
    /// conflict writes nothing.
    @discardableResult
    public func export(_ id: ContentID, to folder: String, force: Bool, filesOnly: Bool = false) throws(StoreError) -> ExportResult {
        let manifest = try self.manifest(id)
        do { try FileSystem.makeDirectories(folder) } catch { throw .system(error) }
        let root: String
        do { root = try FileSystem.resolvedPath(folder) } catch { throw .system(error) }
        var extras: [(path: PackagePath, bytes: [UInt8])] = []
        if !filesOnly {
            extras = try exportExtras(id, manifest: manifest).filter { extra in !manifest.files.contains { $0.path == extra.path } }
        }
        // Plan: what to write, what is already there; refuse before writing anything.
        var result = ExportResult()
        var files: [(file: FileEntry, target: String)] = []
        var others: [(bytes: [UInt8], target: String)] = []
        for file in manifest.files {
            guard blobs.has(file.sha256) else { throw .packageDamaged("\(file.path): not in the store (blob \(file.sha256.hex)); fetch the package again") }
            let target = try safeTarget(root: root, path: file.path)
            if FileSystem.exists(target) && !force {
                guard Self.contentID(ofFile: target) == file.sha256 else { throw .exportTargetExists(path: target) }
                result.unchanged.append(target)
                continue
            }
            files.append((file, target))
        }
        for extra in extras {
            let target = try safeTarget(root: root, path: extra.path)
            if FileSystem.exists(target) && !force {
                guard Self.contentID(ofFile: target) == SHA256Hasher.hash(extra.bytes) else { throw .exportTargetExists(path: target) }
                result.unchanged.append(target)
                continue
            }
            others.append((extra.bytes, target))
        }
        // Write every file to a temporary beside its target; only when all checked out, move them into place.
        var temporaries: [(temporary: String, target: String)] = []
        do {
            for (file, target) in files {
                temporaries.append((try writeVerified(file, beside: target, root: root, path: file.path), target))
            }
            for (bytes, target) in others {
                let temporary = Self.temporaryName(for: target)
                do { try FileSystem.writeAtomically(bytes, to: temporary, mode: 0o644) } catch { throw StoreError.system(error) }
                temporaries.append((temporary, target))
            }
            for (temporary, target) in temporaries {
                do { try FileSystem.rename(temporary, to: target) } catch { throw StoreError.system(error) }
                result.written.append(target)
            }
        } catch let error as StoreError {
            for (temporary, _) in temporaries { try? FileSystem.removeFile(temporary) }
            throw error
        } catch {
            for (temporary, _) in temporaries { try? FileSystem.removeFile(temporary) }
            throw .packageDamaged("\(error)")
        }
        return result
    }

    /// `allmende.json`, `BOM.csv` and `NOTICE` for `manifest`.
    private func exportExtras(_ id: ContentID, manifest: DesignManifest) throws(StoreError) -> [(path: PackagePath, bytes: [UInt8])] {
        var extras: [(PackagePath, [UInt8])] = []
        func path(_ name: String) throws(StoreError) -> PackagePath {
            do { return try PackagePath(validating: name) } catch { throw .model(error) }
        }
        let manifestBytes: [UInt8]
        do { manifestBytes = try manifest.canonicalBytes() } catch { throw .model(error) }
        extras.append((try path(Self.exportManifestName), manifestBytes))
        if !manifest.info.bom.isEmpty {
            let rollup = (try? BOMRollup(manifest: manifest, packageID: id, builds: 1, expand: true, resolve: { try? self.manifest($0) }))
                ?? (try? BOMRollup(manifest: manifest, packageID: id, builds: 1, expand: false, resolve: { _ in nil }))
            if let rollup { extras.append((try path(Self.exportBOMName), Array(BOMCSV.csv(rollup).utf8))) }
        }
        extras.append((try path(Self.exportNoticeName), Array(Self.notice(id, manifest: manifest).utf8)))
        return extras
    }

    /// The NOTICE text: what the design is, under which licence, by whom, from where.
    static func notice(_ id: ContentID, manifest: DesignManifest) -> String {
        let info = manifest.info
        func people(_ list: [Person]) -> String {
            list.map { person in
                ([person.name] + [person.email.map { "<\($0)>" }, person.url, person.role.map { "(\($0))" }].compactMap { $0 }).joined(separator: " ")
            }.joined(separator: "\n  ")
        }
        var lines = ["\(info.title) \(info.version)", "",
                     "Licence: \(info.license.description) (SPDX; texts at https://spdx.org/licenses/)",
                     "Licensors:\n  " + people(info.licensors)]
        if !info.authors.isEmpty { lines.append("Authors:\n  " + people(info.authors)) }
        for source in info.derivedFrom { lines.append("Derived from: urn:allmende:package:\(source.package.hex)" + (source.note.isEmpty ? "" : " (\(source.note))")) }
        if let homepage = info.homepage { lines.append("Homepage: \(homepage)") }
        if let safety = info.healthSafety { lines.append("Health and safety: \(safety)") }
        lines += ["", "Source: urn:allmende:package:\(id.hex)", "Published by node \(manifest.publisher.text) on \(manifest.created)",
                  "", "Exported by Allmende. allmende.json is the package's manifest: its SHA-256 is the package ID, and it",
                  "lists the SHA-256 of every file (check with `sha256sum`)."]
        return lines.joined(separator: "\n") + "\n"
    }

    /// SHA-256 of the file at `path`, or nil if it cannot be read.
    static func contentID(ofFile path: String) -> ContentID? {
        guard let descriptor = try? FileDescriptor.open(path, O_RDONLY) else { return nil }
        defer { descriptor.close() }
        let hasher = SHA256Hasher()
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        while true {
            guard let count = try? descriptor.readFully(into: buffer) else { return nil }
            hasher.update(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
            if count < buffer.count { break }
        }
        return hasher.finalize()
    }

    static func temporaryName(for target: String) -> String {
        FileSystem.parentDirectory(of: target) + "/.allmende-export-" + FileSystem.lastComponent(of: target)
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

    /// Copies a blob to a temporary file beside `target`, checking each chunk against the chained index (which
    /// proves the whole blob, see Protocol/chunk-index.md); returns the temporary's path.
    private func writeVerified(_ file: FileEntry, beside target: String, root: String, path: PackagePath) throws(StoreError) -> String {
        do { try FileSystem.makeDirectories(FileSystem.parentDirectory(of: target)) } catch { throw .system(error) }
        _ = try safeTarget(root: root, path: path)   // re-check: no link appeared while creating folders
        let index = try blobs.chunkIndex(of: file.sha256)
        let source = try blobs.open(file.sha256)
        defer { source.close() }
        let temporary = Self.temporaryName(for: target)
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
            return temporary
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
