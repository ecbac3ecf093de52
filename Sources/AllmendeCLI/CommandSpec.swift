// CommandSpec.swift: AllmendeCLI. The description of a command: name, help, options, arguments, action.

/// One option a command accepts.
struct OptionSpec: Sendable {
    /// The long name including dashes, e.g. "--home".
    let name: String
    /// A one-letter alias such as "-h", if any.
    var shortName: String?
    /// The placeholder for its value ("DIR"), or `nil` for a flag.
    var valueName: String?
    /// One line of help.
    let help: String

    var takesValue: Bool { valueName != nil }
}

/// How many positional arguments a command takes.
struct ArgumentsSpec: Sendable {
    /// Placeholder shown in usage, e.g. "FILE…".
    let display: String
    let minimum: Int
    let maximum: Int

    static let none = ArgumentsSpec(display: "", minimum: 0, maximum: 0)
}

/// What a command's action receives.
struct CommandContext {
    let arguments: ParsedArguments
    let environment: [String: String]
    let console: Console

    var isJSON: Bool { arguments.has("--json") }
}

/// A command or a group of subcommands.
struct CommandSpec: Sendable {
    /// Full name as typed, e.g. "store add".
    let name: String
    /// One line for the command list.
    let summary: String
    /// Paragraphs shown under the usage line.
    var discussion: String = ""
    var options: [OptionSpec] = []
    var arguments: ArgumentsSpec = .none
    /// Extra lines at the end of help (examples, exit codes).
    var epilogue: String = ""
    var subcommands: [CommandSpec] = []
    /// The action; `nil` for a group.
    var run: (@Sendable (CommandContext) throws -> Int32)?

    /// The options this command accepts, including the global ones.
    var allOptions: [OptionSpec] { options + GlobalOptions.all }

    var usageLine: String {
        if name.isEmpty { return "usage: allmende [--home DIR] [--json] COMMAND [ARGUMENTS]" }
        if !subcommands.isEmpty { return "usage: allmende \(name) SUBCOMMAND [OPTIONS]" }
        let optionPart = allOptions.contains { $0.name != "--help" } ? " [OPTIONS]" : ""
        let argumentPart = arguments.display.isEmpty ? "" : " " + arguments.display
        return "usage: allmende \(name)\(optionPart)\(argumentPart)"
    }
}

/// Options every command accepts.
enum GlobalOptions {
    static let home = OptionSpec(name: "--home", valueName: "DIR", help: "node home folder (default: $ALLMENDE_HOME, else ~/.allmende)")
    static let json = OptionSpec(name: "--json", help: "print machine-readable JSON instead of text")
    static let help = OptionSpec(name: "--help", shortName: "-h", help: "show this help")
    static let all = [home, json, help]
}
