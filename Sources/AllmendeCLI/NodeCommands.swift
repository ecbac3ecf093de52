// NodeCommands.swift: AllmendeCLI. `init` and `id`: the node's home folder and key.

import AllmendeCrypto
import AllmendeStore
import CanonicalJSON

enum NodeCommands {
    static let initCommand = CommandSpec(
        name: "init",
        summary: "create the home folder and this node's key (safe to run again)",
        discussion: """
        Creates the node home folder (mode 0700) with its store and a new Ed25519 node key in keys/node.pem
        (PKCS#8 PEM, mode 0600), then prints the node ID. Running it again changes nothing and prints the same ID.
        """,
        epilogue: "example: allmende init --json",
        run: { context in
            let home = try context.home()
            let result = try attempt { () throws(StoreError) in
                let result = try NodeKeyStore.loadOrCreate(home)
                _ = try BlobStore(home: home)
                return result
            }
            let nodeID = NodeID(publicKey: result.key.publicKey)
            if context.isJSON {
                context.printJSON(["home": .string(home.path), "nodeID": .string(nodeID.text), "created": .bool(result.created)])
            } else {
                context.console.line(result.created ? "Initialised node home \(home.path)" : "Node home \(home.path) already exists")
                context.console.line("node ID: \(nodeID.text)")
            }
            return ExitCode.success
        }
    )

    static let id = CommandSpec(
        name: "id",
        summary: "print this node's ID",
        discussion: """
        Prints the node ID: the node's Ed25519 public key as 52 base32 characters. Other nodes use it to
        recognise and authenticate this node.
        """,
        epilogue: "example: allmende id",
        run: { context in
            let home = try context.home()
            let key = try attempt { () throws(StoreError) in try NodeKeyStore.load(home) }
            let nodeID = NodeID(publicKey: key.publicKey)
            if context.isJSON {
                context.printJSON(["nodeID": .string(nodeID.text), "home": .string(home.path)])
            } else {
                context.console.line(nodeID.text)
            }
            return ExitCode.success
        }
    )
}
