// PackageStore+BundleImport.swift: AllmendeStore. `bundle verify` and `bundle import`: every byte checked, then
// every package checked whole (manifest, files, chunk indexes, a publish statement by its publisher), and only
// then anything made visible. Spec: Protocol/bundle.md "Reading".

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON

/// What a bundle held and what importing it did.
public struct BundleReport: Sendable {
    public let created: Timestamp
    public let selection: String
    public let creator: NodeID?
    public let packages: [ContentID]
    public let blobs: Int
    /// Blobs that were new to this store (0 for verify).
    public let newBlobs: Int
    public let statements: Int
    /// Statements this store did not have (0 for verify).
    public let newStatements: Int
    public let revocations: Int
    public let bytes: Int
}

extension PackageStore {
    /// Checks every byte and every package of the bundle at `path`; stores nothing.
    public func verifyBundle(at path: String, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(BundleError) -> BundleReport {
        let contents = try BundleReader(store: self, storing: false, progress: progress).read(path)
        _ = try check(contents)
        return report(contents, newBlobs: 0, newStatements: 0)
    }

    /// Imports the bundle at `path`: nothing becomes visible unless every byte and every package checks; blobs
    /// stored on the way are removed again if anything fails. Returns what was added.
    public func importBundle(at path: String, progress: (@Sendable (Int, Int) -> Void)? = nil) throws(BundleError) -> (BundleReport, [ContentID]) {
        let contents = try BundleReader(store: self, storing: true, progress: progress).read(path)
        let checked: CheckedBundle
        do { checked = try check(contents) } catch {
            for id in contents.added { _ = try? blobs.remove(id) }
            throw error
        }
        // Visible from here on: revocations first (they judge the statements), then each package's publish
        // statement before its other statements, then catalog entries about packages not carried.
        var added: [ContentID] = []
        do throws(StoreError) {
            for revocation in checked.revocations { try LabIdentity.saveRevocation(revocation, home: home) }
            let known = Set(catalog.ids)
            let carried = Set(contents.header.packages)
            for signed in checked.statements.sorted(by: { Self.applyOrder($0, $1) }) {
                let id = signed.id
                if carried.contains(signed.statement.package) || isStored(signed.statement.package) {
                    let wasStored = statements(about: signed.statement.package).contains { $0.id == id }
                    _ = try addStatement(signed.signed)
                    if !wasStored { added.append(id) }
                } else if !known.contains(id) {
                    // Catalog entries of a backup: written as a batch, made durable together below.
                    let bytes: [UInt8]
                    do { bytes = try signed.signed.canonicalBytes() } catch { throw StoreError.model(error) }
                    if try catalog.append(entryBytes: bytes, durable: false) { added.append(id) }
                }
            }
            for (id, bytes) in checked.profiles where !known.contains(id) {
                if try catalog.append(entryBytes: bytes, durable: false) { added.append(id) }
            }
            try catalog.syncPending()
        } catch {
            throw .store(error)
        }
        return (report(contents, newBlobs: contents.added.count, newStatements: added.count), added)
    }

    private struct CheckedStatement {
        let id: ContentID
        let signed: SignedStatement
        var statement: Statement { signed.statement }
    }

    private struct CheckedBundle {
        var revocations: [Revocation] = []
        var statements: [CheckedStatement] = []
        /// Lab profiles of a backup's catalog (checked like statements), with their entry IDs.
        var profiles: [(ContentID, [UInt8])] = []
    }

    /// Publish statements first, then by time.
    private static func applyOrder(_ a: CheckedStatement, _ b: CheckedStatement) -> Bool {
        let (pa, pb) = (a.statement.kind == .publish, b.statement.kind == .publish)
        if pa != pb { return pa }
        return (a.statement.time, a.id) < (b.statement.time, b.id)
    }

    /// Everything but the bytes: revocations and statements verify, each carried package is whole and published by
    /// its manifest's publisher.
    private func check(_ contents: BundleContents) throws(BundleError) -> CheckedBundle {
        var checked = CheckedBundle()
        for bytes in contents.revocations {
            guard let value = try? JSONParser.parse(bytes), let revocation = try? Revocation.parse(value), revocation.isValid else {
                throw .invalid("a revocation in it is not validly signed by its lab")
            }
            checked.revocations.append(revocation)
        }
        let revocations = LabIdentity.revocations(home) + checked.revocations
        var publishes: [ContentID: [VerifiedStatement]] = [:]
        for bytes in contents.statements {
            let verified: VerifiedStatement
            let signed: SignedStatement
            do {
                switch try CatalogEntry(parsing: bytes) {
                case let .statement(statement): signed = statement
                case let .profile(profile):
                    try profile.verify(revocations: revocations)
                    checked.profiles.append((SHA256Hasher.hash(bytes), bytes))
                    continue
                case .revocation: throw ModelError.invalidField(path: "statement", reason: "a revocation belongs in a revocation record")
                }
                verified = try signed.verify(revocations: revocations)
            } catch {
                throw .invalid("a statement in it does not verify: \(error)")
            }
            checked.statements.append(CheckedStatement(id: verified.id, signed: signed))
            if verified.statement.kind == .publish { publishes[verified.statement.package, default: []].append(verified) }
        }
        for package in contents.header.packages {
            let bytes: [UInt8]
            if let carried = contents.manifests[package] { bytes = carried } else {
                guard let stored = try? blobs.read(package, limit: DesignManifest.maximumSize) else {
                    throw .invalid("it lists package \(package.hex) but carries no manifest for it")
                }
                bytes = stored
            }
            let manifest: DesignManifest
            do { manifest = try DesignManifest(parsing: bytes) } catch { throw .invalid("the manifest of \(package.hex) is not valid: \(error)") }
            for file in manifest.files {
                let chunkIndex: ContentID
                if let carried = contents.blobs[file.sha256] {
                    guard carried.size == file.size else { throw .invalid("\(package.shortHex()): '\(file.path)' has \(carried.size) bytes, the manifest says \(file.size)") }
                    chunkIndex = carried.chunkIndex
                } else if let index = try? blobs.chunkIndex(of: file.sha256) {
                    chunkIndex = index.id
                } else {
                    throw .invalid("\(package.shortHex()): the file '\(file.path)' (\(file.sha256.hex)) is neither in the bundle nor in this store")
                }
                guard chunkIndex == file.chunkIndex else {
                    throw .invalid("\(package.shortHex()): the chunk index of '\(file.path)' does not match the manifest")
                }
            }
            let stored = statements(about: package).filter { $0.statement.kind == .publish }
            let candidates = (publishes[package] ?? []) + stored
            guard let publish = candidates.first(where: { $0.identity == manifest.publisher }) else {
                throw .invalid("\(package.shortHex()): no publish statement by its publisher \(manifest.publisher.text) is in the bundle or this store")
            }
            if let summary = publish.statement.summary, !summary.matches(manifest) {
                throw .invalid("\(package.shortHex()): the publish statement's summary does not match the manifest")
            }
        }
        return checked
    }

    private func report(_ contents: BundleContents, newBlobs: Int, newStatements: Int) -> BundleReport {
        BundleReport(created: contents.header.created, selection: contents.header.selection, creator: contents.header.creator,
                     packages: contents.header.packages, blobs: contents.blobs.count, newBlobs: newBlobs, statements: contents.statements.count,
                     newStatements: newStatements, revocations: contents.revocations.count, bytes: contents.bytes)
    }
}
