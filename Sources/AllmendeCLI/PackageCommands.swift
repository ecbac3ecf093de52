// PackageCommands.swift: AllmendeCLI. `publish`, `ls` and `show`: design packages for people.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON

enum PackageCommands {
    static let allowNonOpen = OptionSpec(name: "--allow-non-open",
                                         help: "publish even if the license forbids commercial use or derived works (marked as not open)")

    static let allowIncompatible = OptionSpec(name: "--allow-incompatible", valueName: "REASON",
                                              help: "publish although a parent's licence does not allow this one (REASON is recorded in the manifest)")

    static let checkOption = OptionSpec(name: "--check", help: "check only: report every problem at once, store nothing")

    static let publish = CommandSpec(
        name: "publish",
        summary: "publish a folder as a signed design package and print its ID",
        discussion: """
        Reads the draft manifest DIR/allmende.json (title, license, bill of materials, …), stores every file in
        DIR (hidden files, the draft and paths in .allmendeignore left out), fills in sizes, hashes and media
        types, checks everything, signs a publish statement and prints the package ID. The same content from the
        same publisher always gets the same ID. Nothing is stored when a check fails: a missing or invalid
        license, a license that is not open hardware (unless --allow-non-open), symbolic links that leave DIR,
        names that are not UTF-8 or not valid package paths, or an empty folder. --check stores and signs
        nothing: it reports every problem at once, each with its line and column in allmende.json, and exits 1
        if there is any.
        A derivative's licence is compared with each parent's ("derivedFrom") by the table in
        Protocol/licenses/compatibility.tsv: a clearly incompatible one (a CC-BY-SA-4.0 parent, a CC-BY-4.0
        child) is refused, naming the rule and its source; where it depends on use, a warning. With
        --allow-incompatible "REASON" (say, the parent's licensor agreed in writing) it is published and the rule
        and the reason are recorded in the manifest beside that parent, for everyone to see.
        """,
        options: [allowNonOpen, allowIncompatible, keyOption, checkOption],
        arguments: ArgumentsSpec(display: "DIR", minimum: 1, maximum: 1),
        epilogue: "example: allmende publish Examples/packages/timber-wall-block",
        run: { context in
            let folder = context.arguments.positional[0]
            if context.arguments.has("--check") { return try check(folder, context: context) }
            // Check the folder before anything is created (a first use would otherwise make a node key for nothing).
            _ = try attempt { () throws(StoreError) in try PackageFolder(scanning: folder) }
            let store = try context.packageStore()
            let signer = try context.signer()
            var options = PublishOptions(now: context.now, allowNonOpen: context.arguments.has("--allow-non-open"))
            options.allowIncompatible = try allowIncompatibleReason(context)
            // Storing large files takes a while: a progress bar on a terminal.
            let bar = ProgressBar(console: context.console, label: "publish", total: nil, enabled: !context.isJSON)
            options.progress = { done, total in bar.update(done, total: total) }
            let result = try attempt { () throws(StoreError) in
                defer { bar.finish() }
                return try store.publish(folder: folder, as: signer, options: options)
            }
            context.announceToDaemon(result.statementID)
            if context.isJSON {
                context.printJSON([
                    "package": .string(result.packageID.hex), "statement": .string(result.statementID.hex),
                    "title": .string(result.manifest.info.title), "version": .string(result.manifest.info.version),
                    "files": .integer(result.manifest.files.count), "size": .integer(result.manifest.totalSize),
                    "publisher": .string(result.manifest.publisher.text), "warnings": .array(result.warnings.map { .string($0) }),
                ])
            } else {
                for warning in result.warnings { context.console.errorLine("warning: \(warning)") }
                context.console.line(result.packageID.hex)
                context.console.errorLine("published '\(result.manifest.info.title)' \(result.manifest.info.version): "
                    + "\(result.manifest.files.count) files, \(ByteCount.format(result.manifest.totalSize)), license \(result.manifest.info.license)")
            }
            return ExitCode.success
        }
    )

    static let list = CommandSpec(
        name: "ls",
        summary: "list the design packages in the local store",
        discussion: """
        Lists the packages stored here, newest first: ID, title, version and license; retracted packages, licenses
        that are not open hardware and packages signed by a revoked key are marked. Versions of one design stored
        here are grouped: the newest is shown with "+N older versions" (--all-versions lists each). Reads the
        catalog index, so it costs what it shows; scripts page with --limit and --after (the last package of the
        page before).
        """,
        options: [SearchCommand.limitOption, SearchCommand.afterOption, SearchCommand.allVersionsOption],
        epilogue: """
        example: allmende ls --json
        example: allmende ls --limit 50 --after 3f2a9c
        """,
        run: { context in
            let store = try context.packageStore()
            let page = try context.page(in: store, command: "ls")
            let (listed, unlisted) = try attempt { () throws(StoreError) in try store.storedListings(after: page.after, limit: page.limit) }
            let grouped = context.arguments.has("--all-versions") ? listed.map { ($0, 0) } : store.groupingVersions(listed)
            var rows: [(id: ContentID, summary: PackageSummary, retraction: String?, revoked: Bool, older: Int)] =
                grouped.map { ($0.package, $0.summary, $0.retraction, $0.isSignerRevoked, $1) }
            // Stored packages whose catalog entry was lost: read from the store.
            for id in unlisted {
                guard let manifest = try? store.manifest(id), store.statements(about: id).contains(where: { $0.statement.kind == .publish }) else { continue }
                rows.append((id, PackageSummary(manifest: manifest), store.retraction(of: id).map { $0.statement.reason ?? "" }, false, 0))
            }
            var entries: [JSONValue] = []
            var problems: [String: String?] = [:]
            let holders = HoldersCommand.counts(context)
            for row in rows {
                let notOpen = problems[row.summary.license] ?? {
                    let problem = (try? SPDXExpression(parsing: row.summary.license))?.openHardwareProblem
                    problems[row.summary.license] = .some(problem)
                    return problem
                }()
                if context.isJSON {
                    var entry: [String: JSONValue] = ["package": .string(row.id.hex), "title": .string(row.summary.title),
                                                      "version": .string(row.summary.version), "license": .string(row.summary.license),
                                                      "size": .integer(row.summary.size), "openHardware": .bool(notOpen == nil),
                                                      "holders": .integer(holders[row.id] ?? 0), "olderVersions": .integer(row.older)]
                    if let supersedes = row.summary.supersedes { entry["supersedes"] = .string(supersedes.hex) }
                    if let reason = row.retraction { entry["retracted"] = .string(reason) }
                    if row.revoked { entry["signerRevoked"] = .bool(true) }
                    entries.append(.object(entry))
                } else {
                    var marks = ""
                    if row.retraction != nil { marks += "  [RETRACTED]" }
                    if notOpen != nil { marks += "  [not open hardware]" }
                    if row.revoked { marks += "  [SIGNED BY A REVOKED KEY]" }
                    if row.older > 0 { marks += "  +\(row.older) older version\(row.older == 1 ? "" : "s")" }
                    let held = holders[row.id].map { "  held by \($0)" } ?? ""
                    context.console.line("\(row.id.shortHex())  \(row.summary.title)  \(row.summary.version)  \(row.summary.license)\(held)\(marks)")
                }
            }
            if context.isJSON { context.printJSON(.array(entries)) }
            return ExitCode.success
        }
    )

    static let show = CommandSpec(
        name: "show",
        summary: "show a package: summary, license, files, bill of materials, lineage, statements",
        discussion: """
        Shows a stored package: title, version, license (and whether it is open hardware), licensors, files with
        sizes and roles, the bill of materials, lineage and every statement about it (attestations, retractions; a
        retraction by anyone but the publisher is marked advisory). A package known only from the catalog shows
        its publisher's signed summary, marked not fetched. ID may be a unique prefix of 4 or more digits.

        example: allmende show dffe5c
        example: allmende show dffe5c --json
        """,
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            // Known only from the catalog: what its signed summary says, marked as not fetched.
            if !store.hasManifest(id), let listing = store.catalogListing(id) {
                showListing(listing, store: store, context: context)
                return ExitCode.success
            }
            let manifest = try attempt { () throws(StoreError) in try store.manifest(id) }
            let statements = store.statements(about: id)
            let versions = store.versions(of: id)
            if context.isJSON {
                context.printJSON(PackageJSON.package(id, manifest: manifest, statements: statements, holders: HoldersCommand.count(of: id, context) ?? 0,
                                                      versions: versions))
            } else {
                PackageReport.print(manifest: manifest, id: id, statements: statements, store: store, versions: versions, console: context.console)
                if let count = HoldersCommand.count(of: id, context) { context.console.line("held by    \(count) node(s) ('allmende holders \(id.shortHex(8))')") }
            }
            return ExitCode.success
        }
    )

    /// The reason given with --allow-incompatible (refused if empty: the point is to record one).
    static func allowIncompatibleReason(_ context: CommandContext) throws(CLIError) -> String? {
        guard let reason = context.arguments.value("--allow-incompatible") else { return nil }
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty, trimmed.count <= 2000 else {
            throw CLIError.usage("--allow-incompatible needs a reason of 1 to 2000 characters (it is recorded in the manifest)", command: CommandTable.find("publish"))
        }
        return trimmed
    }

    /// `show` of a package this node knows only from a catalog entry: the publisher's signed summary.
    static func showListing(_ listing: CatalogListing, store: PackageStore, context: CommandContext) {
        let summary = listing.summary
        // One walk over the version claims for both the banner and the list.
        let versions = store.versions(of: listing.package)
        if context.isJSON {
            context.printJSON(PackageJSON.unfetched(listing, holders: HoldersCommand.count(of: listing.package, context) ?? 0,
                                                    versions: versions))
            return
        }
        let console = context.console
        PackageReport.printNewer(versions, of: listing.package, console: console)
        console.line("\(summary.title) \(summary.version)  (not fetched: this node knows it from the catalog; 'allmende fetch \(listing.package.shortHex(8))' gets it)")
        console.line("package   \(listing.package.hex)")
        console.line("license   \(summary.license)")
        console.line("category  \(summary.category)" + (summary.tags.isEmpty ? "" : "  tags: \(summary.tags.joined(separator: ", "))"))
        console.line("size      \(ByteCount.format(summary.size)) in \(summary.files) file(s)")
        var seen = Set<String>()
        let processes = summary.fabrication.map(\.process.rawValue).filter { seen.insert($0).inserted }
        if !processes.isEmpty { console.line("processes \(processes.joined(separator: ", "))") }
        PackageReport.printNeeds(summary.fabrication, label: "needs     ", console: console)
        console.line("publisher \(listing.publisher.text), \(listing.publishedAt)")
        if let count = HoldersCommand.count(of: listing.package, context) { console.line("held by   \(count) node(s) ('allmende holders \(listing.package.shortHex(8))')") }
        if listing.attestations > 0 { console.line("built by  \(listing.attestations) lab(s)") }
        if let reason = listing.retraction { console.line("RETRACTED by its publisher: \(reason)") }
        PackageReport.printVersions(versions, current: (summary.version, listing.package), console: console)
    }

    static func statementJSON(_ verified: VerifiedStatement, publisher: NodeID? = nil) -> JSONValue {
        PackageJSON.statement(verified, publisher: publisher)
    }
}
