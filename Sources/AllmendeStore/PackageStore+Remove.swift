// PackageStore+Remove.swift: AllmendeStore. Removing a stored package (for mirror quotas), and the list of
// packages a mirror fetched.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

extension PackageStore {
    /// Removes package `id` from the store: its manifest, its statements index, and every file blob that no other
    /// stored package uses. Its catalog entries stay, so it is still listed (as not stored).
    public func removePackage(_ id: ContentID) throws(StoreError) {
        let manifest = try self.manifest(id)
        var stillUsed: Set<ContentID> = []
        for other in packageIDs() where other != id {
            if let otherManifest = try? self.manifest(other) { stillUsed.formUnion(otherManifest.files.map(\.sha256)) }
        }
        for file in manifest.files where !stillUsed.contains(file.sha256) { try blobs.remove(file.sha256) }
        try blobs.remove(id)
        do { try FileSystem.removeTree(indexPath + "/" + id.hex) } catch { throw .system(error) }
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
