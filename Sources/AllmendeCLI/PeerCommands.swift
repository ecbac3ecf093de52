// PeerCommands.swift: AllmendeCLI. `peers add|ls|rm`: the peers in config.json that the daemon keeps connected.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

enum PeerCommands {
    static let group = CommandSpec(
        name: "peers",
        summary: "manage the peers this node dials",
        discussion: "Peers are kept in config.json in the home folder; a running daemon picks up added peers at once.",
        subcommands: [add, list, remove]
    )

    static let add = CommandSpec(
        name: "peers add",
        summary: "add a peer to dial: HOST:PORT and, to authenticate it, its node ID",
        discussion: """
        Adds HOST:PORT to config.json; with NODE-ID the peer must present that key (recommended: get it with
        'allmende id' on the other node). A running daemon dials it at once.

        example: allmende peers add 192.0.2.10:7310 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena
        """,
        arguments: ArgumentsSpec(display: "HOST:PORT [NODE-ID]", minimum: 1, maximum: 2),
        run: { context in
            let home = try context.home()
            let addressText = context.arguments.positional[0]
            guard SocketAddress(parsing: addressText) != nil else {
                throw CLIError.usage("'\(addressText)' is not HOST:PORT (IPv6: [::1]:7310)", command: CommandTable.find("peers add"))
            }
            var node: NodeID?
            if context.arguments.positional.count > 1 {
                do { node = try NodeID(parsing: context.arguments.positional[1]) } catch { throw CLIError.failure("\(error)") }
            }
            var config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            let entry = PeerEntry(address: addressText, node: node)
            config.peers.removeAll { $0.address == addressText }
            config.peers.append(entry)
            try attempt { () throws(StoreError) in try config.save(home) }
            let applied = ControlClient(home: home).reloadIfRunning()
            if context.isJSON {
                context.printJSON(["added": .string(addressText), "node": node.map { .string($0.text) } ?? .null, "appliedToDaemon": .bool(applied)])
            } else {
                context.console.line("added peer \(addressText)" + (node.map { " (\($0.text))" } ?? " (any node ID; give one to authenticate it)"))
            }
            return ExitCode.success
        }
    )

    static let list = CommandSpec(
        name: "peers ls",
        summary: "list the configured peers",
        discussion: """
        Lists the peers in config.json. 'allmende status' shows which are connected.

        example: allmende peers ls --json
        """,
        run: { context in
            let home = try context.home()
            let config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            if context.isJSON {
                context.printJSON(.array(config.peers.map { peer in
                    var entry: [String: JSONValue] = ["address": .string(peer.address)]
                    if let node = peer.node { entry["node"] = .string(node.text) }
                    return .object(entry)
                }))
            } else {
                for peer in config.peers { context.console.line(peer.address + "  " + (peer.node?.text ?? "(any node)")) }
            }
            return ExitCode.success
        }
    )

    static let remove = CommandSpec(
        name: "peers rm",
        summary: "remove a configured peer by HOST:PORT or node ID",
        discussion: """
        Removes a peer from config.json; a running daemon closes its connection.

        example: allmende peers rm 192.0.2.10:7310
        """,
        arguments: ArgumentsSpec(display: "HOST:PORT|NODE-ID", minimum: 1, maximum: 1),
        run: { context in
            let home = try context.home()
            let target = context.arguments.positional[0]
            var config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            let before = config.peers.count
            config.peers.removeAll { $0.address == target || $0.node?.text == target }
            guard config.peers.count < before else { throw CLIError.failure("no configured peer matches '\(target)'") }
            try attempt { () throws(StoreError) in try config.save(home) }
            let applied = ControlClient(home: home).reloadIfRunning()
            if context.isJSON {
                context.printJSON(["removed": .string(target), "appliedToDaemon": .bool(applied)])
            } else {
                context.console.line("removed \(target)" + (applied ? "; the running daemon disconnected it" : ""))
            }
            return ExitCode.success
        }
    )
}
