// LabCommands.swift: AllmendeCLI. `lab …`: a lab identity key that delegates to node keys, rotates and revokes them.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

enum LabCommands {
    static let labKeyOption = OptionSpec(name: "--lab-key", valueName: "PEM", help: "the lab identity key (default: keys/lab.pem in the home folder)")
    static let deviceOption = OptionSpec(name: "--device", valueName: "NODE-ID", help: "the node key to delegate to or revoke")
    static let labelOption = OptionSpec(name: "--label", valueName: "TEXT", help: "a name for the device, e.g. \"workshop node\"")
    static let reasonOption = OptionSpec(name: "--reason", valueName: "TEXT", help: "why the key is revoked")

    static let group = CommandSpec(
        name: "lab",
        summary: "manage the lab identity: delegate node keys, rotate and revoke them",
        discussion: """
        A lab identity key names the lab across all its nodes. It signs a delegation for each node key; the node key
        then signs statements for the lab, carrying the delegation. Keep the lab key offline once nodes are delegated:
        a node key that is copied or lost is revoked with the lab key, and the lab keeps its identity.
        """,
        subcommands: [initCommand, show, delegate, importCommand, revoke, LabProfileCommands.group]
    )

    static let initCommand = CommandSpec(
        name: "lab init",
        summary: "create a lab identity key and delegate this node's key to it",
        discussion: "Creates keys/lab.pem (mode 0600) and keys/delegation.json for this node. Move lab.pem somewhere offline afterwards.",
        options: [labelOption],
        epilogue: "example: allmende lab init --label \"workshop node\"",
        run: { context in
            let home = try context.home()
            let node = try attempt { () throws(StoreError) in try NodeKeyStore.loadOrCreate(home).key }
            let labPath = LabIdentity.labKeyPath(home)
            guard !FileSystem.exists(labPath) else { throw CLIError.failure("a lab key already exists at \(labPath)") }
            let labKey: Ed25519PrivateKey
            let pem: String
            do {
                labKey = try Ed25519PrivateKey()
                pem = try labKey.pemRepresentation()
            } catch { throw CLIError.failure("\(error)") }
            do { _ = try FileSystem.writeExclusively(Array(pem.utf8), to: labPath, mode: 0o600) } catch { throw CLIError.failure("\(error)") }
            let delegation = try makeDelegation(device: NodeID(publicKey: node.publicKey), labKey: labKey, context: context)
            try attempt { () throws(StoreError) in try LabIdentity.saveDelegation(delegation, home: home) }
            if context.isJSON {
                context.printJSON(["lab": .string(delegation.identity.text), "device": .string(delegation.device.text), "labKey": .string(labPath)])
            } else {
                context.console.line("lab identity: \(delegation.identity.text)")
                context.console.line("this node (\(delegation.device.text)) now signs for the lab.")
                context.console.line("Keep \(labPath) safe and preferably offline: it is needed only to delegate, rotate and revoke.")
            }
            return ExitCode.success
        }
    )

    static let show = CommandSpec(
        name: "lab show",
        summary: "show which identity this node signs for",
        discussion: """
        Prints the lab identity this node signs for (from its delegation), or that it signs as itself, and the
        device keys this node knows to be revoked.

        example: allmende lab show --json
        """,
        run: { context in
            let home = try context.home()
            let identity = try attempt { () throws(StoreError) in try LabIdentity.load(home) }
            let revocations = LabIdentity.revocations(home).filter { $0.identity == identity.identity }
            if context.isJSON {
                context.printJSON(["identity": .string(identity.identity.text), "device": .string(identity.device.text),
                                   "delegated": .bool(identity.delegation != nil),
                                   "revokedDevices": .array(revocations.map { .string($0.device.text) })])
            } else {
                context.console.line("identity  \(identity.identity.text)")
                context.console.line("device    \(identity.device.text)" + (identity.delegation == nil ? " (the node key is its own identity)" : ""))
                if let delegation = identity.delegation {
                    context.console.line("delegated \(delegation.validFrom)" + (delegation.label.map { " (\($0))" } ?? ""))
                }
                for revocation in revocations {
                    context.console.line("revoked   \(revocation.device.text) from \(revocation.revokedFrom): \(revocation.reason)")
                }
            }
            return ExitCode.success
        }
    )

    static let delegate = CommandSpec(
        name: "lab delegate",
        summary: "sign a delegation for another node's key (prints it; import it there with 'lab import')",
        options: [labKeyOption, deviceOption, labelOption],
        epilogue: "example: allmende lab delegate --device 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena --label \"laser room\"",
        run: { context in
            guard let deviceText = context.arguments.value("--device") else {
                throw CLIError.usage("lab delegate needs --device NODE-ID", command: CommandTable.find("lab delegate"))
            }
            let device: NodeID
            do { device = try NodeID(parsing: deviceText) } catch { throw CLIError.failure("\(error)") }
            let delegation = try makeDelegation(device: device, labKey: try labKey(context), context: context)
            context.printJSON(delegation.json)
            return ExitCode.success
        }
    )

    static let importCommand = CommandSpec(
        name: "lab import",
        summary: "install a delegation for this node's key, or record a revocation, made with the lab key",
        arguments: ArgumentsSpec(display: "FILE", minimum: 1, maximum: 1),
        epilogue: "example: allmende lab import delegation.json",
        run: { context in
            let home = try context.home()
            let path = context.arguments.positional[0]
            let text = (try? FileSystem.readFile(path, limit: 64 * 1024)).map { String(decoding: $0, as: UTF8.self) } ?? ""
            if text.contains(Revocation.schema) {
                let revocation: Revocation
                do { revocation = try Revocation.parse(try JSONParser.parse(text)) } catch { throw CLIError.failure("\(path): \(error)") }
                try attempt { () throws(StoreError) in try LabIdentity.saveRevocation(revocation, home: home) }
                try spread(revocation, context: context)
                context.console.line("recorded the revocation of \(revocation.device.text) by \(revocation.identity.text) from \(revocation.revokedFrom)")
                return ExitCode.success
            }
            let node = try attempt { () throws(StoreError) in try NodeKeyStore.loadOrCreate(home).key }
            let delegation = try attempt { () throws(StoreError) in try LabIdentity.readDelegation(path) }
            guard delegation.device == NodeID(publicKey: node.publicKey) else {
                throw CLIError.failure("the delegation is for node \(delegation.device.text), but this node is \(NodeID(publicKey: node.publicKey).text)")
            }
            try attempt { () throws(StoreError) in try LabIdentity.saveDelegation(delegation, home: home) }
            context.console.line("this node now signs for lab \(delegation.identity.text)")
            return ExitCode.success
        }
    )

    static let revoke = CommandSpec(
        name: "lab revoke",
        summary: "revoke a node key from now on (e.g. lost or copied); every node learns it and refuses what the key signs",
        options: [labKeyOption, deviceOption, reasonOption],
        epilogue: "example: allmende lab revoke --device 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena --reason \"laptop stolen\"",
        run: { context in
            guard let deviceText = context.arguments.value("--device"), let reason = context.arguments.value("--reason") else {
                throw CLIError.usage("lab revoke needs --device NODE-ID and --reason TEXT", command: CommandTable.find("lab revoke"))
            }
            let device: NodeID
            do { device = try NodeID(parsing: deviceText) } catch { throw CLIError.failure("\(error)") }
            let key = try labKey(context)
            let revocation: Revocation
            do { revocation = try Revocation.sign(device: device, revokedFrom: context.now, reason: reason, with: key) } catch {
                throw CLIError.failure("\(error)")
            }
            let home = try context.home()
            try attempt { () throws(StoreError) in try LabIdentity.saveRevocation(revocation, home: home) }
            try spread(revocation, context: context)
            context.printJSON(revocation.json)
            return ExitCode.success
        }
    )

    /// Puts a revocation in the catalog, so it travels to every node by gossip and reconciliation, and tells a
    /// running daemon to announce it now.
    private static func spread(_ revocation: Revocation, context: CommandContext) throws(CLIError) {
        let store = try context.packageStore()
        let bytes: [UInt8]
        do { bytes = try revocation.canonicalBytes() } catch { throw .failure(error.description) }
        if try attempt({ () throws(StoreError) in try store.catalog.append(entryBytes: bytes) }) {
            context.announceToDaemon(SHA256Hasher.hash(bytes))
        }
    }

    private static func labKey(_ context: CommandContext) throws(CLIError) -> Ed25519PrivateKey {
        let home = try context.home()
        let path = context.arguments.value("--lab-key") ?? LabIdentity.labKeyPath(home)
        return try attempt { () throws(StoreError) in try NodeKeyStore.loadPrivateKey(path) }
    }

    private static func makeDelegation(device: NodeID, labKey: Ed25519PrivateKey, context: CommandContext) throws(CLIError) -> Delegation {
        do { return try Delegation.sign(device: device, validFrom: context.now, label: context.arguments.value("--label"), with: labKey) } catch {
            throw .failure(error.description)
        }
    }
}
