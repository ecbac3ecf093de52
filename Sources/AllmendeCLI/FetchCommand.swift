// FetchCommand.swift: AllmendeCLI. `fetch ID`: a package and its sub-assemblies, through the running daemon.

import AllmendeCrypto
import AllmendeStore
import CanonicalJSON

enum FetchCommand {
    static let toOption = OptionSpec(name: "--to", valueName: "DIR", help: "also write the package's files into DIR")
    static let noPartsOption = OptionSpec(name: "--no-parts", help: "do not fetch the sub-assembly packages its bill of materials names")
    /// Most sub-assembly packages fetched for one package (nested BOMs included).
    static let maximumParts = 64

    static let latestOption = OptionSpec(name: "--latest", help: "fetch the newest version of the design that ID is a version of (see 'allmende show ID')")
    static let detachOption = OptionSpec(name: "--detach", help: "start the fetch in the daemon and return at once")
    static let waitOption = OptionSpec(name: "--wait", valueName: "DURATION",
                                       help: "when no node holding it is known or reachable, wait up to DURATION (30s, 10m, 2h) for one")

    static let spec = CommandSpec(
        name: "fetch",
        summary: "fetch a package by ID, and the sub-assemblies its BOM names, from the peers that have them (needs a running daemon)",
        discussion: """
        Asks the daemon to find connected peers that have package ID, download the manifest and every file from
        several of them at once, verifying each chunk before it is written; then the same for every sub-assembly
        package its bill of materials names (--no-parts to skip them), so that 'allmende bom ID' works at once.
        An interrupted fetch resumes: chunks already verified on disk are not downloaded again. A package already
        stored here is not fetched again. A progress bar is drawn on a terminal. Ctrl-C stops the daemon's fetch
        too (unless another command waits for the same package); --detach leaves it running in the daemon
        ('allmende status' shows it). A second fetch of a package being fetched joins the running one.
        When no connected peer has it, the daemon dials the nodes whose signed holdings list it ('allmende holders
        ID') and those that published it; with --wait it keeps looking until one appears. --latest fetches
        the newest version the catalog knows of (a newer package by the same publisher that names ID as the
        version it supersedes, followed on; retracted versions skipped) instead of ID itself.

        example: allmende fetch 69ad91 --to garden-studio
        example: allmende fetch 69ad91 --latest
        example: allmende fetch 69ad91 --wait 10m
        """,
        options: [toOption, noPartsOption, detachOption, waitOption, latestOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let text = context.arguments.positional[0]
            let bare = text.hasPrefix("urn:allmende:package:") ? String(text.dropFirst("urn:allmende:package:".count)) : text
            let store = try context.packageStore()
            var id: ContentID
            do { id = try ContentID(parsing: bare) } catch { id = try context.resolvePackage(text, in: store) }
            let requested = id
            if context.arguments.has("--latest"), let newest = store.latestVersion(of: id) {
                id = newest.package
                if !context.isJSON { context.console.errorLine("fetching version \(newest.summary.version) (\(id.shortHex(8))), the newest of \(requested.shortHex(8))") }
            }
            let wasStored = store.isStoredComplete(id)
            let wait = try context.arguments.value("--wait").map { text throws(CLIError) in
                guard let seconds = parseDuration(text) else {
                    throw CLIError.usage("--wait takes a duration such as 30s, 10m or 2h (at most 7d), not '\(text)'", command: CommandTable.find("fetch"))
                }
                return seconds
            } ?? 0
            if context.arguments.has("--detach") && !wasStored {
                var answer: JSONValue = .null
                try ControlClient(home: try context.home()).send(["command": "fetch", "package": .string(id.hex), "detach": true]) { value throws(CLIError) in
                    answer = value
                    return false
                }
                if answer["event"]?.stringValue == "error" { throw CLIError.failure(answer["message"]?.stringValue ?? "the daemon refused the fetch") }
                if context.isJSON {
                    context.printJSON(["event": "started", "package": .string(id.hex)])
                } else {
                    context.console.errorLine("the daemon is fetching \(id.hex) (no sub-assemblies); 'allmende status' shows how far it is")
                }
                return ExitCode.success
            }
            let final: JSONValue? = wasStored ? nil : try fetch(id, context: context, wait: wait)
            // Sub-assemblies named by the BOM (nested ones too), each at most once.
            var parts: [ContentID] = []
            var failedParts: [(ContentID, String)] = []
            if !context.arguments.has("--no-parts") {
                var queue = subAssemblies(of: id, in: store)
                var seen: Set<ContentID> = [id]
                while let part = queue.popLast(), seen.count <= maximumParts {
                    guard seen.insert(part).inserted else { continue }
                    if !store.isStoredComplete(part) {
                        do throws(CLIError) {
                            _ = try fetch(part, context: context, wait: wait)
                            parts.append(part)
                        } catch {
                            failedParts.append((part, error.message))
                            continue
                        }
                    }
                    queue += subAssemblies(of: part, in: store)
                }
            }
            let manifest = try attempt { () throws(StoreError) in try store.manifest(id) }
            if let folder = context.arguments.value("--to") {
                try attempt { () throws(StoreError) in _ = try store.export(id, to: folder, force: false) }
            }
            if context.isJSON {
                var members: [String: JSONValue]?
                if case let .object(answer)? = final { members = answer }
                var report: [String: JSONValue] = members ?? [
                    "event": "done", "package": .string(id.hex), "title": .string(manifest.info.title), "size": .integer(manifest.totalSize),
                    "downloaded": 0, "reused": 0]
                report["alreadyStored"] = .bool(wasStored)
                if requested != id { report["requested"] = .string(requested.hex) }
                report["parts"] = .array(parts.map { .string($0.hex) })
                report["partsMissing"] = .array(failedParts.map { ["package": .string($0.0.hex), "error": .string($0.1)] })
                context.printJSON(.object(report))
            } else {
                let written = context.arguments.value("--to").map { ", written to \($0)" } ?? ""
                if wasStored {
                    context.console.line("\(id.hex)  \(manifest.info.title) is already stored here\(written)")
                } else {
                    let sources = final?["sources"]?.arrayValue?.count ?? 0
                    context.console.line("fetched \(id.hex)  \(manifest.info.title)  \(ByteCount.format(manifest.totalSize)) "
                                         + "from \(sources) peer\(sources == 1 ? "" : "s")\(written)")
                }
                if !parts.isEmpty { context.console.line("and \(parts.count) sub-assembl\(parts.count == 1 ? "y" : "ies") its BOM names") }
            }
            if let (part, reason) = failedParts.first {
                throw CLIError.failure("sub-assembly \(part.hex) could not be fetched: \(reason) ('allmende bom ID --flat' works without it)")
            }
            return ExitCode.success
        }
    )

    /// Seconds in "45", "30s", "10m", "2h" or "7d" (at most 7 days); nil if malformed.
    static func parseDuration(_ text: String) -> Int? {
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86400]
        let unit = text.last.flatMap { units[$0] }
        let digits = unit == nil ? Substring(text) : text.dropLast()
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy(\.isASCII), let number = Int(digits), number >= 0 else { return nil }
        let seconds = number * (unit ?? 1)
        return seconds <= 7 * 86400 ? seconds : nil
    }

    /// The packages `id`'s BOM names as sub-assemblies (empty if its manifest is not here).
    static func subAssemblies(of id: ContentID, in store: PackageStore) -> [ContentID] {
        ((try? store.manifest(id))?.info.bom ?? []).compactMap(\.package)
    }

    /// Fetches one package through the daemon, with a progress bar; returns the daemon's final answer.
    static func fetch(_ id: ContentID, context: CommandContext, wait: Int = 0) throws(CLIError) -> JSONValue {
        let bar = ProgressBar(console: context.console, label: "fetch \(id.shortHex(8))", total: nil, enabled: !context.isJSON)
        defer { bar.finish() }
        var final: JSONValue = .null
        var lastConnected = -1
        var saidWaiting = false
        try ControlClient(home: try context.home()).send(["command": "fetch", "package": .string(id.hex), "wait": .integer(wait)]) { value throws(CLIError) in
            if value["event"]?.stringValue == "progress" {
                if value["waitingForHolder"]?.boolValue == true && !saidWaiting && !context.isJSON {
                    saidWaiting = true
                    context.console.errorLine("no node known to hold \(id.shortHex(8)) is reachable yet; waiting up to \(wait) s for one")
                }
                let known = Int(value["holdersKnown"]?.numberValue ?? 0), connected = Int(value["holdersConnected"]?.numberValue ?? 0)
                if known > 0 && connected != lastConnected && !context.isJSON {
                    lastConnected = connected
                    context.console.errorLine("no connected peer has \(id.shortHex(8)): \(known) holder(s) known, connected to \(connected)")
                }
                bar.update(Int(value["done"]?.numberValue ?? 0), total: Int(value["total"]?.numberValue ?? 0))
                return true
            }
            final = value
            return false
        }
        return final
    }
}
