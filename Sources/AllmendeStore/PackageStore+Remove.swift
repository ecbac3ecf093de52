// PackageStore+Remove.swift: AllmendeStore. Removing a stored package (for mirror quotas), and the list of
// packages a mirror fetched.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

extension PackageStore {
    /// Removes package `id` from the store: its manifest, its statements index, and (unless `keepFiles`) every
    /// file blob that no other stored package uses. Its catalog entries stay, so it is still listed (as not
    /// stored). Returns the blobs removed.
    @discardableResult
    public func removePackage(_ id: ContentID, keepFiles: Bool = false) throws(StoreError) -> [ContentID] {
        let manifest = try self.manifest(id)
        var stillUsed: Set<ContentID> = []
        for other in packageFolderIDs() where other != id {
            if let otherManifest = try? self.manifest(other) { stillUsed.formUnion(otherManifest.files.map(\.sha256) + [other]) }
        }
        var removed: [ContentID] = []
        if !keepFiles {
            for file in manifest.files where !stillUsed.contains(file.sha256) {
                if try blobs.remove(file.sha256) { removed.append(file.sha256) }
            }
        }
        if try blobs.remove(id) { removed.append(id) }
        do { try FileSystem.removeTree(indexPath + "/" + id.hex) } catch { throw .system(error) }
        return removed
    }

    /// How many packages are stored here (folders in the statements index; nothing is read or verified).
    public func storedPackageCount() -> Int { packageFolderIDs().count }

    /// Package IDs with a folder in the statements index (whether or not their statements verify).
    /// The packages stored here (their statements are filed), sorted.
    public func packageFolderIDs() -> [ContentID] {
        ((try? FileSystem.contentsOfDirectory(indexPath)) ?? []).compactMap { try? ContentID(parsing: $0) }.sorted()
    }

    /// Every blob a stored package uses: manifests, files, and the statements about them.
    public func referencedBlobs() -> Set<ContentID> {
        var used: Set<ContentID> = []
        for package in packageFolderIDs() {
            used.insert(package)
            if let manifest = try? manifest(package) { used.formUnion(manifest.files.map(\.sha256)) }
            let names = (try? FileSystem.contentsOfDirectory(indexPath + "/" + package.hex)) ?? []
            used.formUnion(names.compactMap { try? ContentID(parsing: $0) })
        }
        return used
    }

    /// Blobs no stored package uses (added by hand, or left by removed packages), sorted.
    public func unreferencedBlobs() throws(StoreError) -> [ContentID] {
        let used = referencedBlobs()
        return try blobs.list().filter { !used.contains($0) }
    }

    /// Published packages whose manifest or files are missing from the store: package → missing blob IDs.
    public func incompletePackages() -> [ContentID: [ContentID]] {
        var incomplete: [ContentID: [ContentID]] = [:]
        for package in packageIDs() {
            guard blobs.has(package) else {
                incomplete[package] = [package]
                continue
            }
            guard let manifest = try? manifest(package) else { continue }
            let missing = manifest.files.map(\.sha256).filter { !blobs.has($0) }
            if !missing.isEmpty { incomplete[package] = missing }
        }
        return incomplete
    }

    private var mirroredPath: String { home.path + "/mirrored" }

    /// Packages fetched by mirror policies, oldest first (the only ones a quota may evict).
    public func mirroredPackages() -> [ContentID] {
        guard let bytes = try? FileSystem.readFile(mirroredPath, limit: 16 << 20) else { return [] }
        return String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { try? ContentID(parsing: String($0)) }
    }

    /// Records that a mirror fetched `id`.
    public func recordMirrored(_ id: ContentID) throws(StoreError) {
        try saveMirrored(mirroredPackages().filter { $0 != id } + [id])
    }

    /// Forgets a mirrored package (after eviction).
    public func forgetMirrored(_ id: ContentID) throws(StoreError) {
        try saveMirrored(mirroredPackages().filter { $0 != id })
    }

    private func saveMirrored(_ ids: [ContentID]) throws(StoreError) {
        do { try FileSystem.writeAtomically(Array(ids.map { $0.hex + "\n" }.joined().utf8), to: mirroredPath) } catch { throw .system(error) }
    }
}
