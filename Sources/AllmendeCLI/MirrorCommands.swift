// MirrorCommands.swift: AllmendeCLI. `mirror add|ls|rm`: which packages this node fetches in full on arrival.

import AllmendeCrypto
import AllmendeStore
import CanonicalJSON

enum MirrorCommands {
    static let peerOption = OptionSpec(name: "--peer", valueName: "NODE-ID", help: "mirror everything that arrives from this peer")
    static let publisherOption = OptionSpec(name: "--publisher", valueName: "KEY", help: "mirror everything this publisher publishes")
    static let tagOption = OptionSpec(name: "--tag", valueName: "TAG", help: "mirror everything with this tag")
    static let allOption = OptionSpec(name: "--all", help: "mirror everything")
    static let quotaOption = OptionSpec(name: "--quota", valueName: "SIZE", help: "at most this much (e.g. 500MiB, 20GB); no limit if omitted")
    static let minHoldersOption = OptionSpec(name: "--min-holders", valueName: "N",
                                             help: "preservation: only packages fewer than N other nodes hold (alone: of everything)")

    static let group = CommandSpec(
        name: "mirror",
        summary: "mirror packages: fetch in full what matches a policy as soon as it is announced",
        discussion: "Policies live in config.json; a running daemon applies changes at once, to the catalog it has and to every new publish entry. Retracted packages are never mirrored.",
        subcommands: [add, list, remove]
    )

    static let add = CommandSpec(
        name: "mirror add",
        summary: "add a mirror policy: --peer, --publisher, --tag or --all, with an optional --quota and --min-holders",
        discussion: """
        Adds a policy to config.json; a running daemon applies it at once and scans the catalog for what it now
        matches. With --quota BYTES, mirrored packages beyond it evict the oldest ones no other policy pins —
        packages fewer than --min-holders (default 1) other nodes hold go last, so the last known copy of a design
        is dropped only when nothing else can be. With --min-holders N the policy preserves what is rare: it
        mirrors only packages that fewer than N other nodes are known to hold ('allmende holders ID'; a package
        is judged once it has been published for 10 minutes, so holdings had time to arrive), and looks again
        every 5 minutes as holders come and go.

        example: allmende mirror add --tag timber --quota 1000000000
        example: allmende mirror add --publisher 25njqamcweflpvkl73j4szahhihoc4xt3ktcgjnpaingr5yhkena
        example: allmende mirror add --min-holders 3 --quota 200GB
        """,
        options: [peerOption, publisherOption, tagOption, allOption, quotaOption, minHoldersOption],
        run: { context in
            var chosen = ["--peer", "--publisher", "--tag", "--all"].filter { context.arguments.has($0) }
            if chosen.isEmpty && context.arguments.has("--min-holders") { chosen = ["--all"] }
            guard chosen.count == 1 else {
                throw CLIError.usage("give exactly one of --peer, --publisher, --tag, --all (or --min-holders alone)", command: CommandTable.find("mirror add"))
            }
            var minHolders: Int?
            if let text = context.arguments.value("--min-holders") {
                guard let number = Int(text), number >= 1, number <= 1000 else {
                    throw CLIError.usage("--min-holders takes a whole number from 1 to 1000, not '\(text)'", command: CommandTable.find("mirror add"))
                }
                minHolders = number
            }
            let match: MirrorPolicy.Match
            do {
                switch chosen[0] {
                case "--peer": match = .peer(try NodeID(parsing: context.arguments.value("--peer") ?? ""))
                case "--publisher": match = .publisher(try NodeID(parsing: context.arguments.value("--publisher") ?? ""))
                case "--tag": match = .tag((context.arguments.value("--tag") ?? "").lowercased())
                default: match = .all
                }
            } catch {
                throw CLIError.failure("\(error)")
            }
            var quota: Int?
            if let text = context.arguments.value("--quota") {
                guard let bytes = ByteSize.parse(text) else {
                    throw CLIError.usage("'\(text)' is not a size such as 500MiB, 20GB or 1000000", command: CommandTable.find("mirror add"))
                }
                quota = bytes
            }
            let home = try context.home()
            var config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            let policy = MirrorPolicy(match: match, quota: quota, minHolders: minHolders)
            config.mirrors.removeAll { $0.match == match && $0.minHolders == minHolders }
            config.mirrors.append(policy)
            try attempt { () throws(StoreError) in try config.save(home) }
            let applied = ControlClient(home: home).reloadIfRunning()
            if context.isJSON {
                context.printJSON(["added": .string("\(policy)"), "quota": quota.map { .integer($0) } ?? .null,
                                   "minHolders": minHolders.map { .integer($0) } ?? .null, "appliedToDaemon": .bool(applied)])
            } else {
                context.console.line("mirroring \(policy)" + (applied ? "; the running daemon applies it now" : ""))
            }
            return ExitCode.success
        }
    )

    static let list = CommandSpec(
        name: "mirror ls",
        summary: "list the mirror policies, with what each holds against its quota",
        discussion: """
        Lists each policy with its number (for 'mirror rm'), its quota and how much of it the packages it
        mirrored use (packages matching several policies count against each).

        example: allmende mirror ls --json
        """,
        run: { context in
            let home = try context.home()
            let config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            let store = try context.packageStore()
            var entries: [JSONValue] = []
            for (index, (policy, usage)) in zip(config.mirrors, store.mirrorUsage(config.mirrors)).enumerated() {
                if context.isJSON {
                    entries.append(["number": .integer(index + 1), "policy": policy.json, "quota": policy.quota.map { .integer($0) } ?? .null,
                                    "usedBytes": .integer(usage.bytes), "packages": .integer(usage.packages)])
                } else {
                    let quota = policy.quota.map { "quota \(ByteCount.format($0)), " } ?? "no quota, "
                    context.console.line("\(index + 1)  \(policy)  (\(quota)\(ByteCount.format(usage.bytes)) in \(usage.packages) package\(usage.packages == 1 ? "" : "s"))")
                }
            }
            if context.isJSON { context.printJSON(.array(entries)) }
            return ExitCode.success
        }
    )

    static let remove = CommandSpec(
        name: "mirror rm",
        summary: "remove a mirror policy by its number in 'mirror ls'",
        discussion: """
        Removes the policy with that number (see 'allmende mirror ls'); a running daemon applies it at once.
        Packages already mirrored stay until 'allmende rm'.

        example: allmende mirror rm 2
        """,
        arguments: ArgumentsSpec(display: "N", minimum: 1, maximum: 1),
        run: { context in
            let home = try context.home()
            var config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            guard let number = Int(context.arguments.positional[0]) else {
                throw CLIError.usage("'\(context.arguments.positional[0])' is not a policy number; see 'allmende mirror ls'", command: CommandTable.find("mirror rm"))
            }
            guard number >= 1, number <= config.mirrors.count else {
                throw CLIError.failure("no mirror policy number \(number); see 'allmende mirror ls'")
            }
            let removed = config.mirrors.remove(at: number - 1)
            try attempt { () throws(StoreError) in try config.save(home) }
            let applied = ControlClient(home: home).reloadIfRunning()
            if context.isJSON {
                context.printJSON(["removed": .string("\(removed)"), "appliedToDaemon": .bool(applied)])
            } else {
                context.console.line("removed \(removed)")
            }
            return ExitCode.success
        }
    )
}

/// Sizes as people write them: 1000000, 500KB, 500KiB, 20GB, 1.5GiB.
enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let units: [(String, Double)] = [("tib", 1_099_511_627_776), ("gib", 1_073_741_824), ("mib", 1_048_576), ("kib", 1024),
                                         ("tb", 1e12), ("gb", 1e9), ("mb", 1e6), ("kb", 1e3), ("b", 1)]
        let lower = text.lowercased().filter { !$0.isWhitespace }
        for (suffix, factor) in units where lower.hasSuffix(suffix) {
            guard let number = Double(lower.dropLast(suffix.count)), number >= 0 else { return nil }
            return Int(number * factor)
        }
        return Int(lower).flatMap { $0 >= 0 ? $0 : nil }
    }
}
