// PackageStore+Lineage.swift: AllmendeStore. Which stored packages say they derive from a package, without
// reading every manifest: `store/lineage/<parent>/<child>` is written when a child is filed.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

extension PackageStore {
    var lineagePath: String { blobs.root + "/lineage" }

    /// Records that `child` (being filed now) derives from the packages its manifest names.
    func recordLineage(of child: ContentID, manifest: DesignManifest) throws(StoreError) {
        do {
            for parent in manifest.info.derivedFrom where parent.package != child {
                let folder = lineagePath + "/" + parent.package.hex
                try FileSystem.makeDirectories(folder)
                if !FileSystem.exists(folder + "/" + child.hex) { try FileSystem.writeAtomically([], to: folder + "/" + child.hex, mode: 0o644) }
            }
        } catch {
            throw .system(error)
        }
    }

    /// Stored packages whose manifest says they derive from `parent`, sorted.
    public func derivedPackages(of parent: ContentID) -> [ContentID] {
        buildLineageIfNeeded()
        let names = (try? FileSystem.contentsOfDirectory(lineagePath + "/" + parent.hex)) ?? []
        return names.compactMap { try? ContentID(parsing: $0) }.filter { isStored($0) }.sorted()
    }

    /// Stores from before lineage was recorded: read every stored manifest once, then mark it done. A new store
    /// (nothing filed yet) is marked done when it is created.
    func buildLineageIfNeeded(isNewStore: Bool = false) {
        let done = lineagePath + "/.complete"
        guard !FileSystem.exists(done) else { return }
        if isNewStore {
            guard (try? FileSystem.isEmptyDirectory(indexPath)) == true else { return }
            try? FileSystem.makeDirectories(lineagePath)
            try? FileSystem.writeAtomically([], to: done, mode: 0o644)
            return
        }
        for package in packageFolderIDs() {
            if let manifest = try? manifest(package) { try? recordLineage(of: package, manifest: manifest) }
        }
        try? FileSystem.makeDirectories(lineagePath)
        try? FileSystem.writeAtomically([], to: done, mode: 0o644)
    }
}
