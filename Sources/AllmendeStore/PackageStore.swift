// PackageStore.swift: AllmendeStore. Design packages in the blob store: manifests, statements, lookup.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

/// Design packages kept in a blob store.
///
/// A manifest is stored as a blob (its blob ID is the package ID); so is each signed statement (its blob ID
/// is the statement ID). `packages/<package ID>/<statement ID>` records which statements belong to which
/// package; a package is listed once it has a verified publish statement.
public struct PackageStore: Sendable {
    public let blobs: BlobStore
    public let home: NodeHome
    /// Every accepted statement, in order (the catalog that gossip will exchange).
    public let catalog: CatalogLog
    let listingIndex: CatalogIndex

    public init(home: NodeHome) throws(StoreError) {
        self.home = home
        try home.create()
        blobs = try BlobStore(home: home)
        catalog = try CatalogLog(path: home.path + "/catalog", quarantinePath: blobs.quarantinePath, indexPath: home.path + "/catalog.index")
        listingIndex = CatalogIndex(path: home.path + "/catalog.index")
        // The listings cache of earlier versions (replaced by the index).
        try? FileSystem.removeFile(home.path + "/catalog.listings")
        do { try FileSystem.makeDirectories(indexPath) } catch { throw .system(error) }
        buildLineageIfNeeded(isNewStore: true)
    }

    var indexPath: String { blobs.root + "/packages" }

    /// The manifest of package `id`, checked against its ID.
    public func manifest(_ id: ContentID) throws(StoreError) -> DesignManifest {
        guard blobs.has(id) else { throw .packageNotFound(id) }
        let bytes = try blobs.read(id, limit: DesignManifest.maximumSize)
        guard SHA256Hasher.hash(bytes) == id else { throw .hashMismatch(expected: id, actual: SHA256Hasher.hash(bytes)) }
        do { return try DesignManifest(parsing: bytes) } catch { throw .model(error) }
    }

    /// True if the manifest of `id` is stored.
    public func hasManifest(_ id: ContentID) -> Bool { (try? manifest(id)) != nil }

    /// Stores manifest bytes; returns the package ID.
    @discardableResult
    public func putManifest(_ manifest: DesignManifest) throws(StoreError) -> ContentID {
        let bytes: [UInt8]
        do { bytes = try manifest.canonicalBytes() } catch { throw .model(error) }
        return try blobs.put(bytes: bytes).id
    }

    /// Verifies `signed` (signatures, delegation, known revocations) and stores it for its package.
    @discardableResult
    public func addStatement(_ signed: SignedStatement) throws(StoreError) -> VerifiedStatement {
        let verified: VerifiedStatement
        do { verified = try signed.verify(revocations: LabIdentity.revocations(home)) } catch { throw .model(error) }
        if verified.statement.kind == .publish {
            let manifest = try manifest(verified.statement.package)
            try recordLineage(of: verified.statement.package, manifest: manifest)
            guard manifest.publisher == verified.identity else {
                throw .model(.badSignature(what: "the publish statement is by \(verified.identity.text) but the manifest's publisher is \(manifest.publisher.text)"))
            }
            if let summary = verified.statement.summary, !summary.matches(manifest) {
                throw .model(.invalidField(path: "statement.summary", reason: "does not match the manifest"))
            }
        }
        let bytes: [UInt8]
        do { bytes = try signed.canonicalBytes() } catch { throw .model(error) }
        let stored = try blobs.put(bytes: bytes)
        try catalog.append(signed)
        let folder = indexPath + "/" + verified.statement.package.hex
        do {
            try FileSystem.makeDirectories(folder)
            try FileSystem.writeAtomically([], to: folder + "/" + stored.id.hex, mode: 0o644)
        } catch {
            throw .system(error)
        }
        return verified
    }

    /// The stored statements about package `id` that verify, oldest first.
    public func statements(about id: ContentID) -> [VerifiedStatement] {
        let folder = indexPath + "/" + id.hex
        let revocations = LabIdentity.revocations(home)
        let names = (try? FileSystem.contentsOfDirectory(folder)) ?? []
        return names.compactMap { name -> VerifiedStatement? in
            guard let statementID = try? ContentID(parsing: name), let bytes = try? blobs.read(statementID, limit: SignedStatement.maximumSize),
                  let signed = try? SignedStatement(parsing: bytes) else { return nil }
            return try? signed.verify(revocations: revocations)
        }.sorted { ($0.statement.time, $0.id) < ($1.statement.time, $1.id) }
    }

    /// The signed statement with this ID, as stored.
    public func signedStatement(_ id: ContentID) throws(StoreError) -> SignedStatement {
        let bytes = try blobs.read(id, limit: SignedStatement.maximumSize)
        do { return try SignedStatement(parsing: bytes) } catch { throw .model(error) }
    }

    /// IDs of packages with a verified publish statement, sorted.
    public func packageIDs() -> [ContentID] {
        let names = (try? FileSystem.contentsOfDirectory(indexPath)) ?? []
        return names.compactMap { try? ContentID(parsing: $0) }
            .filter { id in statements(about: id).contains { $0.statement.kind == .publish } }
            .sorted()
    }

    /// Resolves a full package ID or a unique prefix among known packages.
    public func resolvePackage(_ prefix: ContentIDPrefix) throws(StoreError) -> ContentID {
        if let id = prefix.completeID {
            guard hasManifest(id) || catalogListing(id) != nil else { throw .packageNotFound(id) }
            return id
        }
        var known = catalogPackages(withPrefix: prefix)
        if known.isEmpty {
            // A stored package the catalog does not list (its entry lost): look at the statements index.
            let names = (try? FileSystem.contentsOfDirectory(indexPath)) ?? []
            known = Set(names.filter { $0.hasPrefix(prefix.hex) }.compactMap { try? ContentID(parsing: $0) })
        }
        let matches = known.sorted()
        guard let first = matches.first else { throw .noPackageMatch(prefix: prefix.hex) }
        guard matches.count == 1 else { throw .ambiguousPrefix(prefix: prefix.hex, candidates: matches) }
        return first
    }

    /// The newest retraction of package `id`, if it was retracted by its publisher.
    public func retraction(of id: ContentID) -> VerifiedStatement? {
        guard let publisher = try? manifest(id).publisher else { return nil }
        return statements(about: id).last { $0.statement.kind == .retract && $0.identity == publisher }
    }
}
