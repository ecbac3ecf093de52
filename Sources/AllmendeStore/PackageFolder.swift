// PackageFolder.swift: AllmendeStore. The files of a folder to publish, checked before anything is stored.

import AllmendeModel
import AllmendeSystem

/// The publishable files in a folder: hidden files, the draft and ignored paths left out; every name valid
/// UTF-8 and a valid package path; symbolic links only to files inside the folder.
public struct PackageFolder: Sendable {
    /// One file to publish.
    public struct File: Sendable, Equatable {
        /// Path inside the package.
        public let path: PackagePath
        /// Where to read it (the link target for a symbolic link).
        public let source: String
    }

    /// The folder's resolved absolute path.
    public let root: String
    /// The files, sorted by path.
    public let files: [File]

    /// Name of the ignore file in the folder's root.
    public static let ignoreFileName = ".allmendeignore"

    /// Scans `folder`; throws `.badPackageFolder` naming the first offending path.
    public init(scanning folder: String) throws(StoreError) {
        let resolvedRoot: String
        do { resolvedRoot = try FileSystem.resolvedPath(folder) } catch {
            throw .badPackageFolder(path: folder, reason: error.isNotFound ? "no such folder" : error.description)
        }
        guard (try? FileSystem.kind(of: resolvedRoot)) == .directory else { throw .badPackageFolder(path: folder, reason: "not a folder") }
        root = resolvedRoot
        let ignoreText = (try? FileSystem.readFile(resolvedRoot + "/" + Self.ignoreFileName, limit: 1 << 20))
            .map { String(decoding: $0, as: UTF8.self) } ?? ""
        var found: [File] = []
        try Self.walk(relative: "", root: resolvedRoot, display: folder, rules: IgnoreRules(ignoreText), into: &found)
        files = found.sorted { $0.path < $1.path }
        guard !files.isEmpty else {
            throw .badPackageFolder(path: folder, reason: "there are no files to publish besides \(PackageDraft.fileName) (an empty package)")
        }
    }

    private static func walk(relative: String, root: String, display: String, rules: IgnoreRules, into files: inout [File]) throws(StoreError) {
        let absolute = relative.isEmpty ? root : root + "/" + relative
        let names: [[UInt8]]
        do { names = try FileSystem.rawContentsOfDirectory(absolute) } catch { throw .system(error) }
        for raw in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let name = String(validating: raw, as: UTF8.self) else {
                let shown = String(decoding: raw, as: UTF8.self)
                throw .badPackageFolder(path: display, reason: "the name '\(shown)' in '\(relative.isEmpty ? "." : relative)' is not valid UTF-8; rename it")
            }
            if name.hasPrefix(".") { continue }   // hidden files and folders, including .allmendeignore and .git
            if relative.isEmpty && name == PackageDraft.fileName { continue }
            let path = relative.isEmpty ? name : relative + "/" + name
            let full = root + "/" + path
            let kind: FileKind?
            do { kind = try FileSystem.kind(of: full) } catch { throw .system(error) }
            switch kind {
            case .directory:
                if rules.isIgnored(path, isDirectory: true) { continue }
                try walk(relative: path, root: root, display: display, rules: rules, into: &files)
            case .regular:
                if rules.isIgnored(path, isDirectory: false) { continue }
                files.append(File(path: try packagePath(path, display: display), source: full))
            case .symbolicLink:
                if rules.isIgnored(path, isDirectory: false) { continue }
                let target: String
                do { target = try FileSystem.resolvedPath(full) } catch {
                    throw .badPackageFolder(path: display, reason: "symbolic link '\(path)' points to nothing")
                }
                guard target.hasPrefix(root + "/") else {
                    throw .badPackageFolder(path: display, reason: "symbolic link '\(path)' leads outside the folder (to \(target))")
                }
                guard (try? FileSystem.kind(of: target)) == .regular else {
                    throw .badPackageFolder(path: display, reason: "symbolic link '\(path)' points to a folder; links to folders are not followed")
                }
                files.append(File(path: try packagePath(path, display: display), source: target))
            case .other, nil:
                throw .badPackageFolder(path: display, reason: "'\(path)' is not a regular file (a device, socket or pipe)")
            }
        }
    }

    private static func packagePath(_ path: String, display: String) throws(StoreError) -> PackagePath {
        do { return try PackagePath(validating: path) } catch { throw .badPackageFolder(path: display, reason: error.description) }
    }
}
