// BundleCommands.swift: AllmendeCLI. `bundle create`, `bundle verify`, `bundle import`: packages on a USB stick
// between labs that are not online together, and the backup and restore of a node (Protocol/bundle.md).

import AllmendeCrypto
import AllmendeModel
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

enum BundleCommands {
    static let toOption = OptionSpec(name: "--to", valueName: "FILE", help: "the bundle file to write")
    static let publisherOption = OptionSpec(name: "--publisher", valueName: "LAB", help: "every stored package this lab (or node) published")
    static let tagOption = OptionSpec(name: "--tag", valueName: "TAG", help: "every stored package with this tag")
    static let allOption = OptionSpec(name: "--all", help: "every stored package and every catalog entry (a backup of this node)")
    static let sinceOption = OptionSpec(name: "--since", valueName: "DATE", help: "only what was published (signed) on or after DATE (2026-05-01)")
    static let forOption = OptionSpec(name: "--for", valueName: "NODE-ID", help: "leave out what that node holds (from its signed holdings)")
    static let forceOption = OptionSpec(name: "--force", help: "replace FILE if it exists")

    static let group = CommandSpec(
        name: "bundle",
        summary: "carry packages between labs without a network: create, verify and import bundle files",
        discussion: """
        A bundle is one file with design packages (manifests, files, statements), the lab revocations that judge
        them and, with --all, the whole catalog: for a USB stick, a workshop without internet, or a backup.
        Importing checks every byte and every package before anything becomes visible.
        """,
        subcommands: [create, verify, importCommand]
    )

    static let create = CommandSpec(
        name: "bundle create",
        summary: "write chosen packages (and what verifies them) into one bundle file",
        discussion: """
        Chooses packages by ID (a unique prefix is enough), --publisher, --tag or --all (every stored package and
        every catalog entry: a backup of this node), narrowed by --since; --for NODE-ID leaves out what that
        node holds, as its signed holdings told this node (an incremental bundle for a lab you meet again).
        Every blob is re-hashed while it is written: a damaged store is reported here, not at the other lab.
        The file is written under a temporary name and renamed when complete (an existing FILE only with
        --force). Streams: memory stays small for any size.

        example: allmende bundle create --to /media/usb/trailer.amb 69ad91
        example: allmende bundle create --to /media/usb/timber.amb --tag timber --since 2026-06-01
        example: allmende bundle create --to backup.amb --all
        example: allmende bundle create --to for-lab-b.amb --all --for bxrikgf7bfhd…
        """,
        options: [toOption, publisherOption, tagOption, allOption, sinceOption, forOption, forceOption],
        arguments: ArgumentsSpec(display: "[ID…]", minimum: 0, maximum: 10_000),
        run: { context in
            guard let path = context.arguments.value("--to") else {
                throw CLIError.usage("bundle create needs --to FILE", command: CommandTable.find("bundle create"))
            }
            if FileSystem.exists(path) && !context.arguments.has("--force") {
                throw CLIError.failure("\(path) already exists; use --force to replace it")
            }
            let store = try context.packageStore()
            var selection = BundleSelection()
            var words: [String] = []
            for text in context.arguments.positional { selection.packages.append(try context.resolvePackage(text, in: store)) }
            if !context.arguments.positional.isEmpty { words.append("\(context.arguments.positional.count) package(s) by ID") }
            if let text = context.arguments.value("--publisher") {
                do { selection.publisher = try NodeID(parsing: text) } catch {
                    throw CLIError.usage("--publisher: '\(text)' is not a node or lab ID", command: CommandTable.find("bundle create"))
                }
                words.append("--publisher \(text)")
            }
            if let tag = context.arguments.value("--tag") {
                selection.tag = tag.lowercased()
                words.append("--tag \(tag)")
            }
            if context.arguments.has("--all") {
                selection.all = true
                words.append("--all")
            }
            guard !words.isEmpty else {
                throw CLIError.usage("name packages by ID, or choose them with --publisher, --tag or --all", command: CommandTable.find("bundle create"))
            }
            if let text = context.arguments.value("--since") {
                guard let since = Timestamp(parsing: text) else {
                    throw CLIError.usage("--since: '\(text)' is not a date such as 2026-05-01", command: CommandTable.find("bundle create"))
                }
                selection.since = since
                words.append("--since \(text)")
            }
            if let text = context.arguments.value("--for") {
                let node: NodeID
                do { node = try NodeID(parsing: text) } catch {
                    throw CLIError.usage("--for: '\(text)' is not a node ID", command: CommandTable.find("bundle create"))
                }
                let table = (try? HolderFile.table(try context.home())) ?? nil
                guard let held = table?.state(of: node) else {
                    throw CLIError.failure("this node has no signed holdings of \(text) (it learns them while connected to it, or to nodes that heard them); "
                                           + "name the packages instead")
                }
                selection.alreadyHeld = Set(held.ids)
                words.append("--for \(text)")
            }
            let creator = try? NodeKeyStore.load(try context.home())
            let bar = ProgressBar(console: context.console, label: "bundle", total: nil, enabled: !context.isJSON)
            let written = try attemptBundle { () throws(BundleError) in
                defer { bar.finish() }
                return try store.createBundle(selection, describing: words.joined(separator: " "), creator: creator.map { NodeID(publicKey: $0.publicKey) },
                                              to: path, now: context.now) { done, total in bar.update(done, total: total) }
            }
            if context.isJSON {
                context.printJSON(["file": .string(path), "packages": .array(written.packages.map { .string($0.hex) }), "blobs": .integer(written.blobs),
                                   "statements": .integer(written.statements), "revocations": .integer(written.revocations), "bytes": .integer(written.bytes),
                                   "leftOut": .array(written.leftOut.map { ["package": .string($0.0.hex), "reason": .string($0.1)] })])
            } else {
                for (package, reason) in written.leftOut { context.console.errorLine("left out \(package.shortHex()): \(reason)") }
                context.console.line(path)
                context.console.errorLine("wrote \(written.packages.count) package(s), \(written.statements) statement(s), "
                                          + "\(written.revocations) revocation(s): \(ByteCount.format(written.bytes))")
            }
            return ExitCode.success
        }
    )

    static let verify = CommandSpec(
        name: "bundle verify",
        summary: "check every byte and every package of a bundle without importing it",
        discussion: """
        Reads the whole bundle: each record against its SHA-256, the end record against all of them, every
        signature, and every package whole (manifest, files — from the bundle or this store —, chunk indexes,
        a publish statement by its publisher). Stores nothing. Exit 3 if anything is damaged or missing, naming
        what and where.

        example: allmende bundle verify /media/usb/trailer.amb
        """,
        arguments: ArgumentsSpec(display: "FILE", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let bar = ProgressBar(console: context.console, label: "verify", total: nil, enabled: !context.isJSON)
            let report = try attemptBundle { () throws(BundleError) in
                defer { bar.finish() }
                return try store.verifyBundle(at: context.arguments.positional[0]) { done, total in bar.update(done, total: total) }
            }
            printReport(report, added: nil, context: context)
            return ExitCode.success
        }
    )

    static let importCommand = CommandSpec(
        name: "bundle import",
        summary: "import a bundle: everything checked first, then its packages stored and served like any other",
        discussion: """
        Checks the bundle as 'bundle verify' does, storing its blobs as they are read; if anything is wrong,
        the blobs are removed again and nothing becomes visible (exit 3, naming the problem). Then its lab
        revocations, statements and catalog entries are added: the packages are ordinary stored packages that
        a running daemon serves and announces. Importing the same bundle again adds nothing.

        example: allmende bundle import /media/usb/trailer.amb
        example: allmende bundle import backup.amb --json
        """,
        arguments: ArgumentsSpec(display: "FILE", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let bar = ProgressBar(console: context.console, label: "import", total: nil, enabled: !context.isJSON)
            let (report, added) = try attemptBundle { () throws(BundleError) in
                defer { bar.finish() }
                return try store.importBundle(at: context.arguments.positional[0]) { done, total in bar.update(done, total: total) }
            }
            for id in added.prefix(10_000) { context.announceToDaemon(id) }
            printReport(report, added: added.count, context: context)
            return ExitCode.success
        }
    )

    static func printReport(_ report: BundleReport, added: Int?, context: CommandContext) {
        if context.isJSON {
            var members: [String: JSONValue] = [
                "packages": .array(report.packages.map { .string($0.hex) }), "blobs": .integer(report.blobs), "statements": .integer(report.statements),
                "revocations": .integer(report.revocations), "bytes": .integer(report.bytes), "created": .string(report.created.description),
                "selection": .string(report.selection), "intact": true,
            ]
            if let creator = report.creator { members["creator"] = .string(creator.text) }
            if let added {
                members["newBlobs"] = .integer(report.newBlobs)
                members["newStatements"] = .integer(added)
            }
            context.printJSON(.object(members))
            return
        }
        for package in report.packages { context.console.line(package.hex) }
        let what = "\(report.packages.count) package(s), \(report.blobs) blob(s), \(report.statements) statement(s), \(report.revocations) revocation(s)"
        if let added {
            context.console.errorLine("imported \(what): \(report.newBlobs) new blob(s), \(added) new statement(s)")
        } else {
            context.console.errorLine("intact: \(what), \(ByteCount.format(report.bytes)), made \(report.created)")
        }
    }

    /// Runs `body`, turning bundle errors into exit codes: 3 for a damaged or incomplete bundle, 1 otherwise.
    static func attemptBundle<T>(_ body: () throws(BundleError) -> T) throws(CLIError) -> T {
        do { return try body() } catch {
            switch error {
            case .store: throw CLIError.failure(error.description)
            default: throw CLIError.damage(error.description)
            }
        }
    }
}
