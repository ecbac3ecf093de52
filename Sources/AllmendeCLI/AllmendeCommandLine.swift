// AllmendeCommandLine.swift: AllmendeCLI. Entry point: finds the command, parses options, runs it, maps errors.

import AllmendeSystem
import CanonicalJSON
#if canImport(Glibc)
import Glibc
#endif

/// The `allmende` command line.
public enum AllmendeCommandLine {
    /// The version printed by `--version`.
    public static let version = "0.1.0"

    /// Runs the process's own command line and exits with its code.
    public static func main() -> Never {
        signal(SIGPIPE, SIG_IGN)
        // A write past a file-size limit fails with EFBIG (handled as a local storage fault) instead of killing us.
        signal(SIGXFSZ, SIG_IGN)
        var environment: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                environment[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        let code = run(Array(CommandLine.arguments.dropFirst()), environment: environment, console: .standard())
        exit(code)
    }

    /// Runs one command line and returns its exit code; all output goes to `console`.
    public static func run(_ arguments: [String], environment: [String: String], console: Console) -> Int32 {
        // Under --json, errors are one line of JSON on standard error too: {"code": N, "error": "…"}.
        if arguments.prefix(while: { $0 != "--" }).contains("--json") { console.reportErrorsAsJSON() }
        var command = CommandTable.root
        var rest = arguments
        // Walk down the command tree while the next word names a subcommand.
        while !command.subcommands.isEmpty, let position = firstWord(in: rest, for: command) {
            let word = rest[position]
            guard let sub = command.subcommands.first(where: { $0.name.split(separator: " ").last.map(String.init) == word }) else {
                if command.name == "" && word == "help" { break }
                return report(.usage("unknown command '\(command.name.isEmpty ? "" : command.name + " ")\(word)'",
                                     command: command), console: console)
            }
            command = sub
            rest.remove(at: position)
        }
        if command.name.isEmpty {
            return runRoot(Array(rest), environment: environment, console: console)
        }
        do {
            let parsed = try ParsedArguments.parse(Array(rest), for: command)
            if parsed.has("--help") || command.run == nil {
                if command.run == nil && !parsed.has("--help") {
                    throw CLIError.usage("'allmende \(command.name)' needs a subcommand", command: command)
                }
                console.line(HelpText.render(command))
                return ExitCode.success
            }
            return try command.run?(CommandContext(arguments: parsed, environment: environment, console: console)) ?? ExitCode.success
        } catch let error as CLIError {
            return report(error, console: console)
        } catch {
            return report(.failure("\(error)"), console: console)
        }
    }

    private static func runRoot(_ tokens: [String], environment: [String: String], console: Console) -> Int32 {
        if tokens.contains("--version") {
            console.line("allmende \(version)")
            return ExitCode.success
        }
        if tokens.first == "help" {
            let topic = tokens.dropFirst().joined(separator: " ")
            guard !topic.isEmpty else {
                console.line(HelpText.render(CommandTable.root))
                return ExitCode.success
            }
            guard let command = CommandTable.find(topic) else {
                return report(.usage("no help for unknown command '\(topic)'", command: CommandTable.root), console: console)
            }
            console.line(HelpText.render(command))
            return ExitCode.success
        }
        do {
            let parsed = try ParsedArguments.parse(tokens, for: CommandTable.root)
            if tokens.isEmpty || parsed.has("--help") {
                console.line(HelpText.render(CommandTable.root))
                return tokens.isEmpty ? ExitCode.usage : ExitCode.success
            }
            throw CLIError.usage("missing command", command: CommandTable.root)
        } catch let error as CLIError {
            return report(error, console: console)
        } catch {
            return report(.failure("\(error)"), console: console)
        }
    }

    /// The index of the first token that is neither an option nor an option's value.
    private static func firstWord(in tokens: [String], for command: CommandSpec) -> Int? {
        var index = 0
        while index < tokens.count {
            let token = tokens[index]
            if token == "--" { return index + 1 < tokens.count ? index + 1 : nil }
            if !token.hasPrefix("-") || token == "-" { return index }
            if command.allOptions.contains(where: { $0.takesValue && $0.name == token }) { index += 1 }
            index += 1
        }
        return nil
    }

    /// Prints `error: …` (and usage for usage errors) to standard error; returns the exit code.
    static func report(_ error: CLIError, console: Console) -> Int32 {
        if console.reportsErrorsAsJSON {
            let line = (try? CanonicalEncoder.string(["error": .string(error.message), "code": .integer(Int(error.exitCode))])) ?? "{}"
            console.errorLine(line)
            return error.exitCode
        }
        console.errorLine("error: \(error.message)")
        if let command = error.usageOf {
            console.errorLine(command.usageLine)
            let helpHint = command.name.isEmpty ? "allmende --help" : "allmende \(command.name) --help"
            console.errorLine("Run '\(helpHint)' for more.")
        }
        return error.exitCode
    }
}
