// HelpText.swift: AllmendeCLI. Renders `--help` text from a CommandSpec. Pure.

enum HelpText {
    static func render(_ command: CommandSpec) -> String {
        var lines: [String] = []
        lines.append(command.usageLine)
        lines.append("")
        lines.append(command.discussion.isEmpty ? command.summary : command.discussion)
        let leaves = command.name.isEmpty ? CommandTable.leaves : command.subcommands
        if !leaves.isEmpty {
            lines.append("")
            lines.append(command.name.isEmpty ? "commands:" : "subcommands:")
            let width = leaves.map(\.name.count).max() ?? 0
            for leaf in leaves { lines.append("  " + pad(leaf.name, width) + "  " + leaf.summary) }
        }
        let options = command.name.isEmpty ? GlobalOptions.all + [versionOption] : command.allOptions
        lines.append("")
        lines.append(command.name.isEmpty ? "global options:" : "options:")
        let labels = options.map(label)
        let width = labels.map(\.count).max() ?? 0
        for (option, text) in zip(options, labels) { lines.append("  " + pad(text, width) + "  " + option.help) }
        if !command.epilogue.isEmpty {
            lines.append("")
            lines.append(command.epilogue)
        }
        lines.append("")
        lines.append("exit codes: 0 ok, 1 failure, 2 usage error, 3 damage found (corrupt or missing data)")
        return lines.joined(separator: "\n")
    }

    private static let versionOption = OptionSpec(name: "--version", help: "print the version and exit")

    private static func label(_ option: OptionSpec) -> String {
        let names = [option.shortName, option.name].compactMap { $0 }.joined(separator: ", ")
        return option.valueName.map { names + " " + $0 } ?? names
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        text + String(repeating: " ", count: max(0, width - text.count))
    }
}
