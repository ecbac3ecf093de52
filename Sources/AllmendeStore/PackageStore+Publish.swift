// PackageStore+Publish.swift: AllmendeStore. `publish DIR`: draft + files → verified, signed, stored package.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON
import Synchronization

/// Choices for one publish.
public struct PublishOptions: Sendable {
    /// Publish even if the license forbids commercial use or derived works.
    public var allowNonOpen = false
    /// The time of the publish statement.
    public var now: Timestamp
    /// Publish although the licence compatibility table says a parent's licence does not allow this package's:
    /// the publisher's reason, recorded in the manifest beside that parent (`derivedFrom[].licenseNote`).
    public var allowIncompatible: String?
    /// Hears the bytes stored so far of all the folder's files (for a progress bar).
    public var progress: (@Sendable (_ done: Int, _ total: Int) -> Void)?

    public init(now: Timestamp, allowNonOpen: Bool = false) {
        self.now = now
        self.allowNonOpen = allowNonOpen
    }
}

/// What a publish did.
public struct PublishResult: Sendable {
    public let packageID: ContentID
    public let manifest: DesignManifest
    public let statementID: ContentID
    /// Things worth telling the publisher that did not stop the publish.
    public let warnings: [String]
}

extension PackageStore {
    /// Publishes the folder at `path`: reads `allmende.json`, checks everything, then stores the files, the
    /// manifest and a signed publish statement. Nothing is stored when a check fails.
    public func publish(folder path: String, as signer: LabIdentity, options: PublishOptions) throws(StoreError) -> PublishResult {
        let (folder, draft, checkWarnings) = try checkPublishable(folder: path, options: options, publisher: signer.identity)
        var warnings = checkWarnings
        return try store(folder, draft: draft, as: signer, options: options, warnings: &warnings)
    }

    /// Every check `publish` makes before it stores anything: the folder, the draft, the licence, the files the
    /// draft describes, the BOM's sub-assemblies, and (given the publisher) the version it supersedes. Returns the
    /// scanned folder, the draft and warnings.
    public func checkPublishable(folder path: String, options: PublishOptions,
                                 publisher: NodeID?) throws(StoreError) -> (PackageFolder, PackageDraft, [String]) {
        let folder = try PackageFolder(scanning: path)
        let draftPath = folder.root + "/" + PackageDraft.fileName
        guard FileSystem.exists(draftPath) else {
            throw .badPackageFolder(path: path, reason: "there is no \(PackageDraft.fileName) draft in it; write one with 'allmende new \(path) --license SPDX-ID'")
        }
        let parsed: PackageDraft
        do {
            parsed = try PackageDraft(parsing: try FileSystem.readFile(draftPath, limit: DesignManifest.maximumSize)) { prefix in
                (try? ContentIDPrefix(parsing: prefix)).flatMap { try? self.resolvePackage($0) }
            }
        } catch let error as ModelError {
            throw .badPackageFolder(path: path, reason: "\(PackageDraft.fileName): \(error)")
        } catch {
            throw .badPackageFolder(path: path, reason: "\(PackageDraft.fileName): \(error)")
        }
        var draft = parsed
        var warnings = try checkLicense(draft.info, allowNonOpen: options.allowNonOpen)
        warnings += try checkDerivativeLicenses(&draft.info, allowIncompatible: options.allowIncompatible)
        if let publisher { warnings += try checkSupersedes(draft.info, publisher: publisher, folder: path) }
        // A file the draft describes but the folder lacks would be published without it: refuse, naming it.
        let missing = draft.fileHints.keys.sorted().filter { hinted in !folder.files.contains(where: { $0.path.text == hinted }) }
        if !missing.isEmpty {
            throw .badPackageFolder(path: path, reason: "\(PackageDraft.fileName) describes \(missing.map { "'\($0)'" }.joined(separator: ", ")), "
                                    + "which \(missing.count == 1 ? "is" : "are") not in the folder (add \(missing.count == 1 ? "it" : "them") or remove the entry)")
        }
        for line in draft.info.bom {
            if let package = line.package, !hasManifest(package) {
                warnings.append("BOM line '\(line.item)' refers to package \(package.shortHex()), which is not in the local store")
            }
        }
        // A spreadsheet BOM that never made it into the draft: published as a file, but 'allmende bom' shows nothing.
        if draft.info.bom.isEmpty, let sheet = folder.files.first(where: { $0.path.text.lowercased() == "bom.csv" }) {
            warnings.append("\(sheet.path.text) is in the folder but \(PackageDraft.fileName) has no \"bom\": it would be published as a file only, "
                            + "and 'allmende bom' would show nothing; copy its rows into \"bom\" ('allmende new' reads it when it writes a draft)")
        }
        // Makers find labs by what a design needs: offer the needs the bill of materials shows.
        for (need, line, drawing) in FabricationSuggestion.needs(for: draft.info, drawings: Self.cuttingDrawings(folder)) {
            let json = (try? CanonicalEncoder.string(need.jsonValue)) ?? ""
            let source = line.map { "BOM line '\($0.item)' (\($0.dimensions ?? ""))" } ?? "the cutting file \(drawing ?? "")"
            warnings.append("fabrication: \(need.process.rawValue) names no part size; from \(source) add "
                            + "\"fabrication\": [\(json)] so 'allmende makers' can find labs whose machines are big enough")
        }
        return (folder, draft, warnings)
    }

    /// The DXF files of a folder and the size of what each draws (at most 64 files of at most 16 MiB are read).
    public static func cuttingDrawings(_ folder: PackageFolder) -> [(path: String, size: [Int])] {
        folder.files.filter { $0.path.text.lowercased().hasSuffix(".dxf") }.prefix(64).compactMap { file in
            guard let bytes = try? FileSystem.readFile(file.source, limit: 16 << 20),
                  let size = DXFExtents.size(of: String(decoding: bytes, as: UTF8.self)) else { return nil }
            return (file.path.text, size)
        }
    }

    private func store(_ folder: PackageFolder, draft: PackageDraft, as signer: LabIdentity, options: PublishOptions,
                       warnings: inout [String]) throws(StoreError) -> PublishResult {
        // Every check passed: store the files. If anything fails from here on, the blobs this publish added
        // are removed again unless a stored package uses them (a full disk leaves no orphans behind).
        var added: [ContentID] = []
        do throws(StoreError) {
            var entries: [FileEntry] = []
            var newest: Int64 = 0
            let total = folder.files.reduce(0) { $0 + ((try? FileSystem.size(of: $1.source)) ?? 0) }
            // Files smaller than a chunk go in one pass from memory, several at once, made durable together
            // (BlobStore+Batch); larger ones stream through the chunked pipeline, one at a time.
            let doneSmall = Mutex(0)
            let report = options.progress
            let (small, smallError) = blobs.putSmallFiles(folder.files.map(\.source)) { size in
                let done = doneSmall.withLock { value -> Int in
                    value += size
                    return value
                }
                report?(done, total)
            }
            added += small.compactMap { $0 }.filter { !$0.wasAlreadyStored }.map(\.id)
            if let smallError { throw smallError }
            var done = doneSmall.withLock { $0 }
            for (position, file) in folder.files.enumerated() {
                let stored: StoredBlob
                if let blob = small[position] {
                    stored = blob
                } else {
                    let base = done
                    stored = try blobs.put(contentsOf: file.source, progress: report.map { report in { @Sendable bytes in report(base + bytes, total) } })
                    done += stored.size
                    options.progress?(done, total)
                    if !stored.wasAlreadyStored { added.append(stored.id) }
                }
                let hint = draft.fileHints[file.path.text]
                entries.append(FileEntry(path: file.path, size: stored.size, sha256: stored.id, chunkIndex: stored.chunkIndex.id,
                                         mediaType: hint?.mediaType ?? MediaType.guess(forPath: file.path.text),
                                         role: hint?.role ?? MediaType.guessRole(forPath: file.path.text)))
                newest = max(newest, (try? FileSystem.modificationTime(of: file.source)) ?? 0)
            }
            if draft.created == nil {
                warnings.append("no 'created' in \(PackageDraft.fileName): using the newest file time; set it to keep the package ID stable")
            }
            let manifest = DesignManifest(info: draft.info, publisher: signer.identity,
                                          created: draft.created ?? Timestamp(secondsSinceEpoch: newest), files: entries)
            let manifestBytes: [UInt8]
            do { manifestBytes = try manifest.canonicalBytes() } catch { throw .model(error) }
            let storedManifest = try blobs.put(bytes: manifestBytes)
            if !storedManifest.wasAlreadyStored { added.append(storedManifest.id) }
            let packageID = storedManifest.id
            // The same content published again by the same identity: nothing new to sign (no second catalog entry).
            if let existing = statements(about: packageID).first(where: { $0.statement.kind == .publish && $0.identity == signer.identity }) {
                return PublishResult(packageID: packageID, manifest: manifest, statementID: existing.id,
                                     warnings: warnings + ["already published on \(existing.statement.time); nothing new was signed"])
            }
            let statement = Statement(kind: .publish, package: packageID, identity: signer.identity, time: options.now,
                                      summary: PackageSummary(manifest: manifest))
            let signed: SignedStatement
            do { signed = try SignedStatement.sign(statement, with: signer.deviceKey, delegation: signer.delegation) } catch { throw .model(error) }
            let verified = try addStatement(signed)
            return PublishResult(packageID: packageID, manifest: manifest, statementID: verified.id, warnings: warnings)
        } catch {
            removeUnreferenced(added)
            throw error
        }
    }

    /// Removes those of `blobs` that no stored package's manifest or files use (best effort: this runs after a
    /// failure, and what cannot be removed now is only unreferenced data).
    private func removeUnreferenced(_ candidates: [ContentID]) {
        guard !candidates.isEmpty else { return }
        var used: Set<ContentID> = []
        for package in packageIDs() {
            guard let manifest = try? manifest(package) else { continue }
            used.insert(package)
            used.formUnion(manifest.files.map(\.sha256))
        }
        for id in candidates where !used.contains(id) { _ = try? blobs.remove(id) }
    }

    /// License checks: refuses non-open licenses unless allowed; warns about deprecated IDs and unknown
    /// references (the parents' licences: `checkDerivativeLicenses`).
    func checkLicense(_ info: DesignInfo, allowNonOpen: Bool) throws(StoreError) -> [String] {
        var warnings = info.license.deprecationWarnings
        if let problem = info.license.openHardwareProblem {
            guard allowNonOpen else { throw .licenseNotOpen(problem) }
            warnings.append("published as NOT open hardware: \(problem)")
        }
        for reference in info.license.unknownReferences {
            warnings.append("\(reference) is not on the SPDX list; Allmende cannot tell whether it is open")
        }
        return warnings
    }
}
