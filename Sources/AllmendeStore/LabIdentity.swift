// LabIdentity.swift: AllmendeStore. Which identity this node signs for: its own key, or a lab key via a delegation.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON

/// The keys a node signs statements with.
///
/// Without a lab identity the node key speaks for itself. After `allmende lab init` (or importing a delegation
/// made elsewhere with the lab key) the node's key signs for the lab identity and every statement carries
/// the delegation. The lab key itself may then be moved offline: it is only needed to delegate, rotate and revoke.
public struct LabIdentity: Sendable {
    /// The node (device) key that signs.
    public let deviceKey: Ed25519PrivateKey
    /// The delegation from the lab identity, if any.
    public let delegation: Delegation?

    public init(deviceKey: Ed25519PrivateKey, delegation: Delegation?) {
        self.deviceKey = deviceKey
        self.delegation = delegation
    }

    /// The identity statements are made for.
    public var identity: NodeID { delegation?.identity ?? NodeID(publicKey: deviceKey.publicKey) }
    /// The device key's ID.
    public var device: NodeID { NodeID(publicKey: deviceKey.publicKey) }

    /// Where the delegation of this node's key is kept.
    public static func delegationPath(_ home: NodeHome) -> String { home.keysPath + "/delegation.json" }
    /// Where the lab identity key is kept when it lives on this machine.
    public static func labKeyPath(_ home: NodeHome) -> String { home.keysPath + "/lab.pem" }
    /// Folder of revocations this node knows.
    public static func revocationsPath(_ home: NodeHome) -> String { home.path + "/revocations" }

    /// Loads the node key and, if present, its delegation (which must be valid and for this key).
    public static func load(_ home: NodeHome) throws(StoreError) -> LabIdentity {
        let key = try NodeKeyStore.load(home)
        let path = delegationPath(home)
        guard FileSystem.exists(path) else { return LabIdentity(deviceKey: key, delegation: nil) }
        let delegation = try readDelegation(path)
        guard delegation.device == NodeID(publicKey: key.publicKey) else {
            throw .model(.badSignature(what: "keys/delegation.json delegates device \(delegation.device.text), not this node's key"))
        }
        return LabIdentity(deviceKey: key, delegation: delegation)
    }

    /// Reads and checks a delegation file.
    public static func readDelegation(_ path: String) throws(StoreError) -> Delegation {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 64 * 1024) } catch { throw .system(error) }
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch { throw .model(.invalidJSON(error)) }
        let delegation: Delegation
        do { delegation = try Delegation.parse(value) } catch { throw .model(error) }
        guard delegation.isValid else { throw .model(.badSignature(what: "the delegation in '\(path)' is not signed by its lab identity")) }
        return delegation
    }

    /// Saves a delegation for this node (atomically, replacing an older one, e.g. after rotation).
    public static func saveDelegation(_ delegation: Delegation, home: NodeHome) throws(StoreError) {
        do {
            let bytes = try CanonicalEncoder.encode(delegation.json)
            try FileSystem.writeAtomically(bytes + [0x0A], to: delegationPath(home), mode: 0o644)
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .model(.notCanonical("\(error)"))
        }
    }

    /// All valid revocations this node knows.
    public static func revocations(_ home: NodeHome) -> [Revocation] {
        let folder = revocationsPath(home)
        guard let names = try? FileSystem.contentsOfDirectory(folder) else { return [] }
        return names.sorted().compactMap { name in
            guard let bytes = try? FileSystem.readFile(folder + "/" + name, limit: 64 * 1024),
                  let value = try? JSONParser.parse(bytes), let revocation = try? Revocation.parse(value), revocation.isValid else { return nil }
            return revocation
        }
    }

    /// Stores a (valid) revocation.
    public static func saveRevocation(_ revocation: Revocation, home: NodeHome) throws(StoreError) {
        guard revocation.isValid else { throw .model(.badSignature(what: "the revocation is not signed by its lab identity")) }
        do {
            let bytes = try CanonicalEncoder.encode(revocation.json)
            try FileSystem.makeDirectories(revocationsPath(home))
            let name = SHA256Hasher.hash(bytes).hex + ".json"
            try FileSystem.writeAtomically(bytes + [0x0A], to: revocationsPath(home) + "/" + name, mode: 0o644)
        } catch let error as SystemError {
            throw .system(error)
        } catch {
            throw .model(.notCanonical("\(error)"))
        }
    }
}
