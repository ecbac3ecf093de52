// CLIError.swift: AllmendeCLI. Command failures and the exit codes they map to.

/// Exit codes of the `allmende` command.
public enum ExitCode {
    /// Success.
    public static let success: Int32 = 0
    /// The command failed (I/O error, missing blob, bad key, …).
    public static let failure: Int32 = 1
    /// The command line was wrong (unknown command or option, missing argument).
    public static let usage: Int32 = 2
    /// A check found damage: `fsck` found problems it did not repair, or a stored blob is corrupt.
    public static let damage: Int32 = 3
}

/// A failure the CLI reports as `error: …` on standard error.
struct CLIError: Error, CustomStringConvertible {
    let message: String
    let exitCode: Int32
    /// The command whose usage to print after the message (usage errors only).
    var usageOf: CommandSpec?

    static func usage(_ message: String, command: CommandSpec?) -> CLIError {
        CLIError(message: message, exitCode: ExitCode.usage, usageOf: command)
    }

    static func failure(_ message: String) -> CLIError { CLIError(message: message, exitCode: ExitCode.failure) }

    static func damage(_ message: String) -> CLIError { CLIError(message: message, exitCode: ExitCode.damage) }

    var description: String { message }
}
