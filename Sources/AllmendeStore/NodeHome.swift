// NodeHome.swift: AllmendeStore. Where a node keeps its files, and how that folder is found.

import AllmendeSystem

/// A node's home folder and the layout inside it.
///
/// Chosen by `--home`, else `$ALLMENDE_HOME`, else `~/.allmende`. Created (mode 0700) on first use.
public struct NodeHome: Sendable, Equatable {
    /// Absolute path of the home folder.
    public let path: String

    public init(path: String) { self.path = FileSystem.absolutePath(path) }

    /// Resolves the home folder from a command-line flag and the environment.
    public static func resolve(flag: String?, environment: [String: String]) throws(StoreError) -> NodeHome {
        if let flag {
            guard !flag.isEmpty else { throw .homeUnavailable(reason: "--home was given an empty path") }
            return NodeHome(path: flag)
        }
        if let variable = environment["ALLMENDE_HOME"], !variable.isEmpty { return NodeHome(path: variable) }
        guard let user = FileSystem.userHomeDirectory(environment: environment) else {
            throw .homeUnavailable(reason: "neither --home, $ALLMENDE_HOME nor $HOME is set")
        }
        return NodeHome(path: user + "/.allmende")
    }

    /// The content store: blobs, chunk indexes, temporary files.
    public var storePath: String { path + "/store" }
    /// The folder holding key files (mode 0700).
    public var keysPath: String { path + "/keys" }
    /// The node's private key (PKCS#8 PEM, mode 0600).
    public var nodeKeyPath: String { keysPath + "/node.pem" }

    /// True once `create()` has run here.
    public var exists: Bool { (try? FileSystem.kind(of: path)) == .directory }

    /// Creates the home folder and its sub-folders if missing.
    public func create() throws(StoreError) {
        do {
            try FileSystem.makeDirectories(path, mode: 0o700)
            try FileSystem.makeDirectories(keysPath, mode: 0o700)
            try FileSystem.makeDirectories(storePath, mode: 0o755)
        } catch {
            throw .system(error)
        }
    }
}
