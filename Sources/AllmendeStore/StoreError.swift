// StoreError.swift: AllmendeStore. Everything that can go wrong in a node's home folder.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem

/// A store failure with the offending data and a human message.
public enum StoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed.
    case system(SystemError)
    /// Hashing or key handling failed.
    case crypto(CryptoError)
    /// No blob with this ID is stored.
    case blobNotFound(ContentID)
    /// No stored blob starts with this prefix.
    case noMatch(prefix: String)
    /// Several stored blobs start with this prefix.
    case ambiguousPrefix(prefix: String, candidates: [ContentID])
    /// Content did not hash to the ID it was promised to have.
    case hashMismatch(expected: ContentID, actual: ContentID)
    /// A chunk index file could not be decoded.
    case malformedChunkIndex(reason: String)
    /// A stored chunk does not match the blob's chunk index.
    case corruptChunk(blob: ContentID, chunk: Int)
    /// The home folder could not be determined or is not usable.
    case homeUnavailable(reason: String)
    /// The node has no key yet.
    case nodeKeyMissing(path: String)
    /// The node key file can be read by other users.
    case keyPermissionsTooOpen(path: String, mode: UInt32)
    /// A file to add is not a regular file.
    case notARegularFile(path: String)
    /// A manifest, statement or key document is invalid.
    case model(ModelError)
    /// No package with this ID is in the store.
    case packageNotFound(ContentID)
    /// No known package (stored or in the catalog) starts with this prefix.
    case noPackageMatch(prefix: String)
    /// A folder cannot be published as it is.
    case badPackageFolder(path: String, reason: String)
    /// The license does not meet the Open Source Hardware Definition (and that was not explicitly allowed).
    case licenseNotOpen(String)
    /// A parent's licence does not allow the derivative's (Protocol/licenses/compatibility.tsv).
    case licenseIncompatible([CompatibilityFinding])
    /// Export would overwrite a file.
    case exportTargetExists(path: String)
    /// Export would write through a symbolic link or outside the target folder.
    case unsafeExportPath(path: String, reason: String)
    /// Stored data does not match what the manifest pins.
    case packageDamaged(String)

    public var description: String {
        switch self {
        case let .system(error):
            if error.isOutOfSpace {
                return "disk full: \(error); nothing partial was kept, free some space and try again"
            }
            return error.description
        case let .crypto(error):
            return error.description
        case let .blobNotFound(id):
            return "no blob \(id.hex) in the store"
        case let .noMatch(prefix):
            return "no stored blob starts with '\(prefix)'"
        case let .ambiguousPrefix(prefix, candidates):
            let shown = candidates.prefix(5).map { $0.shortHex(16) }.joined(separator: ", ")
            return "'\(prefix)' matches \(candidates.count) blobs (\(shown)\(candidates.count > 5 ? ", …" : "")); type more digits"
        case let .hashMismatch(expected, actual):
            return "content hashes to \(actual.hex), expected \(expected.hex)"
        case let .corruptChunk(blob, chunk):
            return "chunk \(chunk) of blob \(blob.hex) in the store is corrupt; run 'allmende fsck --repair' and fetch it again"
        case let .malformedChunkIndex(reason):
            return "malformed chunk index: \(reason)"
        case let .homeUnavailable(reason):
            return "cannot use the home folder: \(reason)"
        case let .nodeKeyMissing(path):
            return "no node key at '\(path)'; run 'allmende init' first"
        case let .keyPermissionsTooOpen(path, mode):
            return "permissions 0\(String(mode, radix: 8)) on '\(path)' are too open: other users could read the node key; "
                + "run: chmod 600 '\(path)'"
        case let .notARegularFile(path):
            return "'\(path)' is not a regular file"
        case let .model(error):
            return error.description
        case let .packageNotFound(id):
            return "no package \(id.hex) in the store"
        case let .noPackageMatch(prefix):
            return "no package known here starts with '\(prefix)' (see 'allmende ls' and 'allmende search'; fetch needs the full ID of a package not yet in the catalog)"
        case let .badPackageFolder(path, reason):
            return "cannot publish '\(path)': \(reason); nothing was stored"
        case let .licenseNotOpen(reason):
            return "the license is not open hardware: \(reason). Open source hardware must allow commercial use and derived "
                + "works (OSHW Definition 1.0). Choose an open license such as CERN-OHL-S-2.0 or CC-BY-SA-4.0, or publish "
                + "anyway with --allow-non-open (it will be marked as not open wherever it is listed); nothing was stored"
        case let .licenseIncompatible(findings):
            let rules = findings.map { "\($0.parent) → \($0.child): \($0.rule) [source: \($0.source)]" }.joined(separator: "; ")
            return "the licence does not fit a parent's: \(rules). License the derivative under a licence the parent allows "
                + "(e.g. the parent's own), or, if you have the right to (the parent's licensor agreed, say), publish with "
                + "--allow-incompatible \"REASON\" (the rule and your reason are recorded in the manifest); nothing was stored"
        case let .exportTargetExists(path):
            return "'\(path)' already exists; use --force to overwrite"
        case let .unsafeExportPath(path, reason):
            return "refusing to write '\(path)': \(reason)"
        case let .packageDamaged(reason):
            return reason
        }
    }
}
