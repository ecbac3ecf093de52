// PackageStore+BundleCreate.swift: AllmendeStore. `bundle create`: chosen packages (manifests, files, statements),
// the lab revocations that judge them and, for a whole-node bundle, every catalog entry, streamed into one file
// (Protocol/bundle.md). Every blob is re-hashed on the way out: a damaged store is named here, not at the far end.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON
import Glibc

/// Which packages a bundle carries.
public struct BundleSelection: Sendable {
    /// Packages named by ID.
    public var packages: [ContentID] = []
    /// Every stored package this lab (or node) published.
    public var publisher: NodeID?
    /// Every stored package with this tag.
    public var tag: String?
    /// Every stored package, and every catalog entry (a backup of the node).
    public var all = false
    /// Only packages published (and, with `all`, catalog entries signed) at or after this time.
    public var since: Timestamp?
    /// Packages left out because the node the bundle is for holds them (`--for`).
    public var alreadyHeld: Set<ContentID> = []

    public init() {}
}

/// What `bundle create` wrote.
public struct BundleWritten: Sendable {
    public let packages: [ContentID]
    public let blobs: Int
    public let statements: Int
    public let revocations: Int
    public let bytes: Int
    /// Chosen packages left out: held by the node the bundle is for, or not complete here.
    public let leftOut: [(ContentID, String)]
}

extension PackageStore {
    /// The stored, complete packages `selection` names, and those it names that are left out (with why).
    public func bundlePackages(_ selection: BundleSelection) throws(BundleError) -> (chosen: [ContentID], leftOut: [(ContentID, String)]) {
        var candidates = selection.packages
        var filtered: [CatalogListing] = []
        if selection.all || selection.publisher != nil || selection.tag != nil {
            var query = CatalogQuery(tag: selection.tag, publisher: selection.publisher?.text)
            if selection.all { query = CatalogQuery() }
            do { filtered = try searchCatalog(query).filter(\.isStored) } catch { throw .store(error) }
            candidates += filtered.map(\.package)
        }
        var chosen: [ContentID] = []
        var leftOut: [(ContentID, String)] = []
        var seen: Set<ContentID> = []
        for package in candidates where seen.insert(package).inserted {
            if let since = selection.since, let listing = catalogListing(package), listing.publishedAt < since { continue }
            if selection.alreadyHeld.contains(package) {
                leftOut.append((package, "the node the bundle is for holds it"))
            } else if !isStoredComplete(package) {
                guard !selection.packages.contains(package) else {
                    throw .invalid("package \(package.hex) is not stored complete here; 'allmende fetch \(package.shortHex(8))' first")
                }
                leftOut.append((package, "not stored complete here"))
            } else {
                chosen.append(package)
            }
        }
        return (chosen.sorted(), leftOut)
    }

    /// Writes the bundle for `selection` to `path` (through a temporary file renamed into place: a failed or
    /// interrupted create leaves nothing). `progress` hears bytes written of the total.
    public func createBundle(_ selection: BundleSelection, describing: String, creator: NodeID?, to path: String, now: Timestamp,
                             progress: (@Sendable (Int, Int) -> Void)? = nil) throws(BundleError) -> BundleWritten {
        let (packages, leftOut) = try bundlePackages(selection)
        // Blobs in order: each package's files, then its manifest; statements after them.
        var blobIDs: [ContentID] = []
        var seenBlobs: Set<ContentID> = []
        var statements: [(ContentID, [UInt8])] = []
        var seenStatements: Set<ContentID> = []
        var total = 0
        for package in packages {
            let manifest: DesignManifest
            do { manifest = try self.manifest(package) } catch { throw .store(error) }
            for id in manifest.files.map(\.sha256) + [package] where seenBlobs.insert(id).inserted {
                blobIDs.append(id)
                total += (try? blobs.size(of: id)) ?? 0
            }
            for verified in self.statements(about: package) where seenStatements.insert(verified.id).inserted {
                guard let bytes = try? blobs.read(verified.id, limit: SignedStatement.maximumSize) else { continue }
                statements.append((verified.id, bytes))
            }
        }
        if selection.all {
            for (id, bytes) in catalog.entryPayloads(from: 0) where !seenStatements.contains(id) {
                // Statements and lab profiles; revocations travel in their own records (from revocations/).
                let time: Timestamp
                switch try? CatalogEntry(parsingStored: bytes) {
                case let .statement(signed)?: time = signed.statement.time
                case let .profile(signed)?: time = signed.profile.time
                case .revocation?, nil: continue
                }
                if let since = selection.since, time < since { continue }
                seenStatements.insert(id)
                statements.append((id, bytes))
            }
        }
        var revocations: [[UInt8]] = []
        for revocation in LabIdentity.revocations(home) {
            if let bytes = try? CanonicalEncoder.encode(revocation.json) { revocations.append(bytes) }
        }
        let directory = FileSystem.parentDirectory(of: path)
        let temporary = directory + "/.tmp-bundle-" + String(getpid()) + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let out: FileDescriptor
        do { out = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode: 0o644) } catch { throw .store(.system(error)) }
        var finished = false
        defer {
            out.close()
            if !finished { _ = unlink(temporary) }
        }
        var writer = try BundleWriter(out: out, header: BundleHeader(created: now, packages: packages, selection: describing, creator: creator))
        for bytes in revocations { try writer.record(.revocation, bytes) }
        var done = 0
        let grandTotal = total
        for id in blobIDs {
            let base = done
            done += try copyBlob(id, into: &writer) { progress?(base + $0, grandTotal) }
            progress?(done, grandTotal)
        }
        for (_, bytes) in statements { try writer.record(.statement, bytes) }
        try writer.finish()
        do throws(SystemError) {
            try out.syncData()
            try FileSystem.rename(temporary, to: path)
        } catch {
            throw .store(.system(error))
        }
        finished = true
        return BundleWritten(packages: packages, blobs: blobIDs.count, statements: statements.count, revocations: revocations.count,
                             bytes: writer.offset, leftOut: leftOut)
    }

    /// One blob record, streamed from the store and hashed on the way (read, hash and write on three threads, as
    /// publish does): a blob that no longer matches its ID is an error naming it (nothing damaged leaves this node).
    private func copyBlob(_ id: ContentID, into writer: inout BundleWriter, progress: @escaping @Sendable (Int) -> Void) throws(BundleError) -> Int {
        let size: Int
        let source: FileDescriptor
        do {
            size = try blobs.size(of: id)
            source = try blobs.open(id)
        } catch {
            throw .store(error)
        }
        defer { source.close() }
        try writer.write(writer.recordHead(.blob, length: 32 + size) + id.bytes)
        let index: ChunkIndex
        do { index = try BlobIngest.run(source: source, destination: writer.out, chunkSize: blobs.chunkSize, progress: progress) } catch {
            throw .store(error)
        }
        writer.advance(by: index.blobSize)
        guard index.blobSize == size, index.blobID == id else {
            throw .invalid("blob \(id.hex) in the local store is damaged (it no longer matches its ID); run 'allmende fsck --repair' and fetch it again")
        }
        writer.note(.blob, length: 32 + size, digest: id)
        return size
    }
}
