// CommandContext+Packages.swift: AllmendeCLI. The package store, signing identity and time for package commands.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON
import Foundation

extension CommandContext {
    /// The package store of the home folder (created on first use).
    func packageStore() throws(CLIError) -> PackageStore {
        let home = try home()
        return try attempt { () throws(StoreError) in try PackageStore(home: home) }
    }

    /// Resolves a package ID or unique prefix.
    func resolvePackage(_ text: String, in store: PackageStore) throws(CLIError) -> ContentID {
        let prefix: ContentIDPrefix
        // The form `okh` writes (urn:allmende:package:ID) is accepted too; a malformed ID is a usage error.
        let bare = text.hasPrefix("urn:allmende:package:") ? String(text.dropFirst("urn:allmende:package:".count)) : text
        do { prefix = try ContentIDPrefix(parsing: bare) } catch { throw .usage(error.description, command: nil) }
        return try attempt { () throws(StoreError) in try store.resolvePackage(prefix) }
    }

    /// `--limit N` and `--after ID` (paging through a list, newest first: the next page starts after the last
    /// package of the one before).
    func page(in store: PackageStore, command: String) throws(CLIError) -> (after: ContentID?, limit: Int?) {
        var limit: Int?
        if let text = arguments.value("--limit") {
            guard let value = Int(text), value > 0 else {
                throw .usage("--limit takes a positive whole number, got '\(text)'", command: CommandTable.find(command))
            }
            limit = value
        }
        let after = try arguments.value("--after").map { text throws(CLIError) in try resolvePackage(text, in: store) }
        return (after, limit)
    }

    /// Who signs: `--key PEM` (that key is its own identity), else this node (creating its key on first use).
    func signer() throws(CLIError) -> LabIdentity {
        if let keyPath = arguments.value("--key") {
            let key = try attempt { () throws(StoreError) in try NodeKeyStore.loadPrivateKey(keyPath) }
            return LabIdentity(deviceKey: key, delegation: nil)
        }
        let home = try home()
        let created = try attempt { () throws(StoreError) in try NodeKeyStore.loadOrCreate(home).created }
        if created && !isJSON { console.errorLine("note: created a node key in \(home.nodeKeyPath) (first use of this home folder)") }
        return try attempt { () throws(StoreError) in try LabIdentity.load(home) }
    }

    /// The current time, to the second.
    var now: Timestamp { Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)) }
}

/// The `--key` option shared by commands that sign.
let keyOption = OptionSpec(name: "--key", valueName: "PEM",
                           help: "sign with this Ed25519 key (PKCS#8 PEM) as its own identity instead of this node's identity")

extension CommandContext {
    /// Tells a running daemon about a new local catalog entry so it spreads at once (anti-entropy would find it later).
    func announceToDaemon(_ statement: ContentID) {
        guard let home = try? home() else { return }
        let client = ControlClient(home: home)
        guard client.isDaemonRunning else { return }
        try? client.send(["command": "announce", "entry": .string(statement.hex)]) { _ throws(CLIError) in false }
    }
}
