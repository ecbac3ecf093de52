// CLITestSupport.swift: running the CLI in-process (captured output) and as the built binary.

import AllmendeCLI
import AllmendeTestSupport
import Foundation

/// The outcome of one in-process CLI run.
struct CLIRun {
    let status: Int32
    let output: String
    let error: String
    let outputBytes: [UInt8]
}

/// Runs `allmende ARGS` in this process with `home` as `$ALLMENDE_HOME`.
func runCLI(_ arguments: [String], home: String? = nil, environment: [String: String] = [:]) -> CLIRun {
    var env = environment
    env["HOME"] = env["HOME"] ?? "/nonexistent-home-for-tests"
    if let home { env["ALLMENDE_HOME"] = home }
    let console = Console.capturing()
    let status = AllmendeCommandLine.run(arguments, environment: env, console: console)
    return CLIRun(status: status, output: console.capturedOutput, error: console.capturedError,
                  outputBytes: console.capturedOutputBytes)
}

/// Runs the built `allmende` binary with `home` as `$ALLMENDE_HOME`.
func runBinary(_ arguments: [String], home: String, input: [UInt8] = []) throws -> ProcessOutput {
    var environment = ProcessInfo.processInfo.environment
    environment["ALLMENDE_HOME"] = home
    return try ProcessRunner.run(Repository.allmendeBinary, arguments, input: input, environment: environment)
}

/// Compares `text` with `Tests/AllmendeCLITests/Golden/<name>`; `ALLMENDE_UPDATE_GOLDEN=1` rewrites the file.
func goldenMismatch(_ text: String, name: String) throws -> String? {
    let path = Repository.root + "/Tests/AllmendeCLITests/Golden/" + name
    if ProcessInfo.processInfo.environment["ALLMENDE_UPDATE_GOLDEN"] == "1" {
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return nil
    }
    let expected = try String(contentsOfFile: path, encoding: .utf8)
    guard expected != text else { return nil }
    return "output differs from Golden/\(name) (set ALLMENDE_UPDATE_GOLDEN=1 to accept):\n--- expected\n\(expected)\n--- actual\n\(text)"
}
