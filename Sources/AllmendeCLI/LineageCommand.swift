// LineageCommand.swift: AllmendeCLI. `lineage ID`: the family of a design from the catalog — ancestors, every
// derivative and version, by which lab, under which licence, how often built, what was retracted.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON

enum LineageCommand {
    static let dotOption = OptionSpec(name: "--dot", help: "print a Graphviz digraph (pipe it to 'dot -Tsvg')")

    static let spec = CommandSpec(
        name: "lineage",
        summary: "show a design's family from the catalog: ancestors, derivatives and versions, by lab and licence",
        discussion: """
        Reads the catalog (the signed entries gossiped between nodes), so nothing needs to be fetched: the
        ancestors of the design up to the first ones (packages it names in "derivedFrom", and their earlier
        versions), its own versions, and every derivative and version below them, each with the lab that
        published it, its licence, how many labs attested building it ("built by N") and whether its
        publisher retracted it. The package asked about is marked >; stored packages *; a package known only
        because another names it as a parent is shown by ID. Newer versions count only if the same publisher
        signed them. At most 500 packages.

        example: allmende lineage dffe5c
        example: allmende lineage dffe5c --json
        example: allmende lineage dffe5c --dot | dot -Tsvg > lineage.svg
        """,
        options: [dotOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let graph = store.lineage(of: id)
            if context.isJSON {
                context.printJSON(graph.json)
            } else if context.arguments.has("--dot") {
                context.console.write(Array(graph.dot.utf8))
            } else {
                for line in text(graph) { context.console.line(line) }
                if graph.isTruncated { context.console.errorLine("(the family has more than \(LineageGraph.maximumNodes) packages; the rest is not shown)") }
            }
            return ExitCode.success
        }
    )

    /// The graph as an indented tree from its roots; a package reached twice (two parents) is shown once, then
    /// referred to.
    static func text(_ graph: LineageGraph) -> [String] {
        var lines: [String] = []
        var shown: Set<ContentID> = []
        func describe(_ package: ContentID) -> String {
            guard let listing = graph.nodes[package]?.listing else { return "\(package.shortHex())  (known only as a parent; not in the catalog here)" }
            var text = "\(package.shortHex())  \(listing.summary.title) \(listing.summary.version)  \(listing.summary.license)"
            text += "  by \(listing.publisher.text.prefix(12))…  \(listing.publishedAt.date)"
            if listing.attestations > 0 { text += "  built by \(listing.attestations)" }
            if listing.isStored { text += "  *" }
            if let reason = listing.retraction { text += "  [RETRACTED: \(reason)]" }
            if listing.isSignerRevoked { text += "  [SIGNED BY A REVOKED KEY]" }
            return text
        }
        func walk(_ package: ContentID, prefix: String, link: String, depth: Int) {
            let mark = package == graph.focus ? "> " : "  "
            guard shown.insert(package).inserted else {
                lines.append(mark + prefix + link + "\(package.shortHex())  (shown above)")
                return
            }
            lines.append(mark + prefix + link + describe(package))
            let children = graph.children(of: package)
            let childPrefix = prefix + (link.isEmpty ? "" : (link.hasPrefix("└") ? "   " : "│  "))
            for (index, (child, kind)) in children.enumerated() where depth < 200 {
                let branch = index == children.count - 1 ? "└─ " : "├─ "
                walk(child, prefix: childPrefix, link: branch + (kind == .supersedes ? "new version: " : "derivative: "), depth: depth + 1)
            }
        }
        if let title = graph.nodes[graph.focus]?.listing?.summary.title {
            lines.append("lineage of \(graph.focus.shortHex(8)) (\(title)), as this node's catalog knows it:")
        } else {
            lines.append("lineage of \(graph.focus.shortHex(8)) (not in this node's catalog):")
        }
        for root in graph.roots { walk(root, prefix: "", link: "", depth: 0) }
        return lines
    }
}
