// CommandTable.swift: AllmendeCLI. Every command the `allmende` binary knows, in the order help lists them.

enum CommandTable {
    static let root = CommandSpec(
        name: "",
        summary: "Allmende keeps open-source hardware designs in a content-addressed store and shares them between labs.",
        subcommands: [
            NodeCommands.initCommand,
            NodeCommands.id,
            NewCommand.spec,
            PackageCommands.publish,
            PackageCommands.list,
            SearchCommand.spec,
            PackageCommands.show,
            LineageCommand.spec,
            PackageCheckCommands.verify,
            PackageCheckCommands.export,
            PackageCheckCommands.bom,
            StatementCommands.attest,
            StatementCommands.retract,
            PackageCheckCommands.okh,
            RemoveCommands.rm,
            RemoveCommands.gc,
            LabCommands.group,
            MakersCommand.spec,
            MakersCommand.labs,
            NetworkCommands.daemon,
            NetworkCommands.status,
            NetworkCommands.web,
            FetchCommand.spec,
            HoldersCommand.spec,
            ImportCommands.group,
            BundleCommands.group,
            PeerCommands.group,
            MirrorCommands.group,
            DemoCommand.spec,
            HashCommand.spec,
            StoreCommands.group,
            FsckCommand.spec,
        ]
    )

    /// Runnable commands, flattened (groups replaced by their subcommands).
    static var leaves: [CommandSpec] {
        func leaves(of command: CommandSpec) -> [CommandSpec] {
            command.subcommands.isEmpty ? [command] : command.subcommands.flatMap(leaves)
        }
        return root.subcommands.flatMap(leaves)
    }

    /// The command or group named `name` ("store add").
    static func find(_ name: String) -> CommandSpec? {
        func search(_ commands: [CommandSpec]) -> CommandSpec? {
            for command in commands {
                if command.name == name { return command }
                if let found = search(command.subcommands) { return found }
            }
            return nil
        }
        return search(root.subcommands)
    }
}
