// SearchCommand.swift: AllmendeCLI. `search TEXT`: the whole known catalog, before anything is downloaded.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON

enum SearchCommand {
    static let tagOption = OptionSpec(name: "--tag", valueName: "TAG", help: "only packages with this tag")
    static let licenseOption = OptionSpec(name: "--license", valueName: "EXPR", help: "only packages under one of the licenses in this SPDX expression")
    static let publisherOption = OptionSpec(name: "--publisher", valueName: "KEY", help: "only packages from this publisher (node or lab ID)")
    static let categoryOption = OptionSpec(name: "--category", valueName: "NAME", help: "only packages in this category (building, energy, …)")
    static let limitOption = OptionSpec(name: "--limit", valueName: "N", help: "show at most N packages (newest first)")
    static let allVersionsOption = OptionSpec(name: "--all-versions", help: "list every version of a design, not only the newest")
    static let afterOption = OptionSpec(name: "--after", valueName: "ID", help: "start after this package (the last one of the page before)")

    static let spec = CommandSpec(
        name: "search",
        summary: "search every package this node has heard of (title, tags, category, license)",
        discussion: """
        Searches the catalog (the signed entries gossiped between nodes), so it finds packages that are not
        downloaded yet; "held by N" counts the nodes known to hold one ('allmende holders ID'). Every word of TEXT must begin a word of the title, category, license or a tag ("wall
        bl" finds "Wall Block"). Newest first. Stored packages are marked *, retracted ones [RETRACTED], and
        licenses that are not open hardware [not open hardware], and packages signed by a revoked key [SIGNED BY
        A REVOKED KEY]. Versions of one design (a package its publisher marked as superseding another) are
        grouped: the newest one that matches is shown with "+N older versions" (--all-versions lists each). With
        no TEXT, lists everything that matches the options. Scripts page with --limit and --after (the last
        package of the page before).

        example: allmende search "wall block" --license CERN-OHL-S-2.0
        example: allmende search --tag timber --json
        example: allmende search --category energy
        example: allmende search timber --limit 20 --after 3f2a9c
        """,
        options: [tagOption, licenseOption, publisherOption, categoryOption, limitOption, afterOption, allVersionsOption],
        arguments: ArgumentsSpec(display: "[TEXT]", minimum: 0, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            var licenseIDs: Set<String>?
            if let expression = context.arguments.value("--license") {
                do { licenseIDs = try SPDXExpression(parsing: expression).licenseIDs } catch {
                    throw CLIError.usage("\(error)", command: CommandTable.find("search"))
                }
            }
            var query = CatalogQuery(text: context.arguments.positional.first, tag: context.arguments.value("--tag"), licenseIDs: licenseIDs,
                                     publisher: context.arguments.value("--publisher"))
            if let category = context.arguments.value("--category") {
                guard DesignCategory(rawValue: category.lowercased()) != nil else {
                    let known = DesignCategory.allCases.map(\.rawValue).joined(separator: ", ")
                    throw CLIError.usage("unknown category '\(category)'; one of: \(known)", command: CommandTable.find("search"))
                }
                query.category = category.lowercased()
            }
            let page = try context.page(in: store, command: "search")
            let matches = try attempt { () throws(StoreError) in try store.searchCatalog(query, after: page.after, limit: page.limit) }
            let holders = HoldersCommand.counts(context)
            let rows = context.arguments.has("--all-versions") ? matches.map { ($0, 0) } : store.groupingVersions(matches)
            if context.isJSON {
                context.printJSON(.array(rows.map { PackageJSON.listing($0, holders: holders[$0.package] ?? 0, olderVersions: $1) }))
                return ExitCode.success
            }
            for (listing, older) in rows {
                var marks = listing.isStored ? "* " : "  "
                marks += "\(listing.package.shortHex())  \(listing.summary.title)  \(listing.summary.version)  \(listing.summary.license)"
                marks += "  \(ByteCount.format(listing.summary.size))"
                if let count = holders[listing.package] { marks += "  held by \(count)" }
                if listing.attestations > 0 { marks += "  built by \(listing.attestations)" }
                if older > 0 { marks += "  +\(older) older version\(older == 1 ? "" : "s")" }
                if let reason = listing.retraction { marks += "  [RETRACTED: \(reason)]" }
                if listing.isSignerRevoked { marks += "  [SIGNED BY A REVOKED KEY]" }
                if listing.openHardwareProblem != nil { marks += "  [not open hardware]" }
                context.console.line(marks)
            }
            if matches.isEmpty && !context.isJSON { context.console.errorLine("no package in the catalog matches") }
            return ExitCode.success
        }
    )
}
