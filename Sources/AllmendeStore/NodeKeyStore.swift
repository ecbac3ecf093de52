// NodeKeyStore.swift: AllmendeStore. The node's Ed25519 key file: created once, mode 0600, checked on load.

import AllmendeCrypto
import AllmendeSystem
import Foundation

/// Loads and creates private key files.
public enum NodeKeyStore {
    /// Loads the node key of `home`; refuses a missing file or one other users can read.
    public static func load(_ home: NodeHome) throws(StoreError) -> Ed25519PrivateKey {
        let path = home.nodeKeyPath
        guard FileSystem.exists(path) else { throw .nodeKeyMissing(path: path) }
        let status: stat?
        do { status = try FileSystem.linkStatus(path) } catch { throw .system(error) }
        guard let info = status else { throw .nodeKeyMissing(path: path) }
        let mode = UInt32(info.st_mode) & 0o777
        guard mode & 0o077 == 0 else { throw .keyPermissionsTooOpen(path: path, mode: mode) }
        return try loadPrivateKey(path)
    }

    /// Loads the node key, creating home folder and key if they do not exist yet; `created` tells which.
    public static func loadOrCreate(_ home: NodeHome) throws(StoreError) -> (key: Ed25519PrivateKey, created: Bool) {
        try home.create()
        if FileSystem.exists(home.nodeKeyPath) { return (try load(home), false) }
        let key: Ed25519PrivateKey
        let pem: String
        do {
            key = try Ed25519PrivateKey()
            pem = try key.pemRepresentation()
        } catch {
            throw .crypto(error)
        }
        let isNew: Bool
        do { isNew = try FileSystem.writeExclusively(Array(pem.utf8), to: home.nodeKeyPath, mode: 0o600) } catch {
            throw .system(error)
        }
        // Another process created the key first: use theirs so both report the same node ID.
        return isNew ? (key, true) : (try load(home), false)
    }

    /// Loads any PEM private key file (PKCS#8, unencrypted, Ed25519).
    public static func loadPrivateKey(_ path: String) throws(StoreError) -> Ed25519PrivateKey {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 64 * 1024) } catch { throw .system(error) }
        do { return try Ed25519PrivateKey(pemRepresentation: bytes) } catch { throw .crypto(error) }
    }
}
