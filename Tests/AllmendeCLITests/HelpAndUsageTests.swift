// HelpAndUsageTests.swift: golden --help text, usage errors and exit codes, in-process.

import AllmendeCLI
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("CLI help and usage")
struct HelpAndUsageTests {
    static let commands = [
        "init", "id", "new", "publish", "ls", "search", "show", "verify", "export", "bom", "attest", "retract", "okh", "lab", "lab init", "lab show",
        "lab delegate", "lab import", "lab revoke", "rm", "gc", "daemon", "status", "fetch", "peers", "peers add", "peers ls", "peers rm", "mirror", "mirror add", "mirror ls", "mirror rm", "demo", "hash", "store", "store add", "store cat", "store ls", "store rm", "fsck",
        "holders", "lineage", "import", "import okh", "bundle", "bundle create", "bundle verify", "bundle import",
        "lab profile", "lab profile init", "lab profile edit", "lab profile show", "lab profile publish", "lab profile retract", "makers", "labs",
    ]

    @Test("--help text matches its golden file", arguments: [
        ([String](["--help"]), "allmende.txt"), (["store", "add", "--help"], "store-add.txt"), (["fsck", "--help"], "fsck.txt"),
        (["hash", "-h"], "hash.txt"), (["store", "--help"], "store.txt"),
    ])
    func golden(arguments: [String], file: String) throws {
        let run = runCLI(arguments)
        #expect(run.status == ExitCode.success)
        #expect(run.error.isEmpty)
        if let mismatch = try goldenMismatch(run.output, name: file) { Issue.record(Comment(rawValue: mismatch)) }
    }

    @Test("every command explains itself with an example", arguments: commands.filter { !["lab", "peers", "mirror", "store", "import", "bundle", "lab profile"].contains($0) })
    func helpHasExample(command: String) {
        let run = runCLI(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(run.output.contains("example: allmende \(command)"), "\(command) --help has no example")
    }

    @Test("every command has --help that starts with its usage line", arguments: commands)
    func everyCommandHasHelp(command: String) {
        let run = runCLI(command.split(separator: " ").map(String.init) + ["--help"])
        #expect(run.status == 0)
        #expect(run.output.hasPrefix("usage: allmende \(command)"))
        #expect(run.output.contains("--home DIR"))
        #expect(run.output.contains("exit codes:"))
    }

    @Test("help COMMAND equals COMMAND --help")
    func helpCommand() {
        #expect(runCLI(["help", "store", "cat"]).output == runCLI(["store", "cat", "--help"]).output)
        #expect(runCLI(["help"]).output == runCLI(["--help"]).output)
        #expect(runCLI(["help", "nonsense"]).status == ExitCode.usage)
    }

    @Test("--version prints the version")
    func version() {
        let run = runCLI(["--version"])
        #expect(run.status == 0)
        #expect(run.output == "allmende \(AllmendeCommandLine.version)\n")
    }

    @Test("an unknown command is a one-line error plus usage, exit 2")
    func unknownCommand() {
        let run = runCLI(["frobnicate"])
        #expect(run.status == ExitCode.usage)
        #expect(run.output.isEmpty)
        #expect(run.error == """
            error: unknown command 'frobnicate'
            usage: allmende [--home DIR] [--json] COMMAND [ARGUMENTS]
            Run 'allmende --help' for more.

            """)
        #expect(runCLI(["store", "frobnicate"]).error.hasPrefix("error: unknown command 'store frobnicate'\n"))
    }

    @Test("unknown options, missing arguments and stray arguments are usage errors", arguments: [
        (["store", "add", "--fast", "x"], "error: unknown option '--fast' for 'allmende store add'"),
        (["store", "add"], "error: missing FILE… for 'allmende store add'"),
        (["store", "cat"], "error: missing ID for 'allmende store cat'"),
        (["store", "cat", "abcd", "ef01"], "error: unexpected argument 'ef01' for 'allmende store cat'"),
        (["init", "now"], "error: unexpected argument 'now' for 'allmende init'"),
        (["--home"], "error: option --home needs a value (DIR)"),
        (["--home", "/tmp/x"], "error: missing command"),
        (["--frob"], "error: unknown option '--frob'"),
        (["store", "ls", "--home"], "error: option --home needs a value (DIR)"),
        (["fsck", "--json=yes"], "error: option --json takes no value"),
        (["store"], "error: 'allmende store' needs a subcommand"),
    ])
    func usageErrors(arguments: [String], message: String) {
        let run = runCLI(arguments)
        #expect(run.status == ExitCode.usage)
        let lines = run.error.split(separator: "\n").map(String.init)
        #expect(lines.first == message)
        #expect(lines.count == 3)
        #expect(lines.dropFirst().first?.hasPrefix("usage: allmende") == true)
    }

    @Test("no arguments prints the overview and exits 2")
    func noArguments() {
        let run = runCLI([])
        #expect(run.status == ExitCode.usage)
        #expect(run.output.hasPrefix("usage: allmende"))
    }

    @Test("under --json an error is one line of JSON on standard error with the exit code", arguments: [
        (["store", "cat", "--json"], ExitCode.usage), (["store", "cat", "zzzz", "--json"], ExitCode.usage),
        (["show", "abcd", "--json"], ExitCode.failure),
    ])
    func jsonErrors(arguments: [String], code: Int32) throws {
        try withTempDirectory("cli-json-error") { folder throws in
            let run = runCLI(arguments, home: folder.file("home"))
            #expect(run.status == code)
            #expect(run.output.isEmpty)
            let error = try JSONParser.parse(run.error)
            #expect(error["code"]?.numberValue == Double(code))
            #expect(error["error"]?.stringValue?.isEmpty == false)
        }
    }
}
