// HoldersCommand.swift: AllmendeCLI. `holders ID`: which nodes hold a package, from the holder table the daemon
// keeps (signed holdings, Protocol/holders.md), and the holder counts `show`, `search` and `ls` print.

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeRuntime
import AllmendeStore
import CanonicalJSON
import Foundation

enum HoldersCommand {
    static let spec = CommandSpec(
        name: "holders",
        summary: "list the nodes that hold a package complete (from their signed holdings)",
        discussion: """
        Every public node announces, signed with its node key, which packages it holds complete; the daemon keeps
        what it hears (and saves it in the home folder), so this works without a running daemon, as of its last
        save. Lists each holder's node ID, when it last renewed its holdings and until when they count, how many
        packages it holds, the lab it signs for (and the lab's label for it) where its holdings carry the lab's
        delegation, and marks this node and the package's publisher; says whether this node stores it. A holder is counted until its
        holdings expire (72 hours unless renewed), so a node that went offline drops out by itself.
        `allmende fetch ID` dials holders it is not connected to. ID may be a unique prefix of 4 or more digits.

        example: allmende holders 3f2a9c
        example: allmende holders 3f2a9c --json
        """,
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let home = try context.home()
            let table: HolderTable
            do { table = try HolderFile.table(home) } catch {
                throw CLIError.failure("the saved holder table is damaged (\(error)); the daemon learns holders again from peers and saves them within a minute")
            }
            let me = try? NodeKeyStore.load(home)
            let thisNode = me.map { NodeID(publicKey: $0.publicKey) }
            let listing = store.catalogListing(id)
            // A lab that revoked a holder's key is not named for it.
            let revocations = LabIdentity.revocations(home)
            func lab(of node: NodeID) -> HolderLab? {
                guard let lab = table.state(of: node)?.update.lab else { return nil }
                return revocations.contains { $0.identity == lab.identity && $0.device == node } ? nil : lab
            }
            let now = Int64(Date().timeIntervalSince1970)
            let holders = table.holders(of: id, now: now)
            let storedHere = store.isStored(id)
            if context.isJSON {
                context.printJSON(["package": .string(id.hex), "holders": .integer(holders.count), "storedHere": .bool(storedHere),
                                   "nodes": .array(holders.map { holder in
                    var entry: [String: JSONValue] = ["node": .string(holder.node.text), "lastSeen": .string(Timestamp(secondsSinceEpoch: holder.time).description),
                                                      "packages": .integer(table.state(of: holder.node)?.ids.count ?? 0)]
                    entry["expires"] = .string(Timestamp(secondsSinceEpoch: holder.expires).description)
                    if let lab = lab(of: holder.node) {
                        entry["lab"] = .string(lab.identity.text)
                        if let label = lab.label { entry["labLabel"] = .string(label) }
                    }
                    if holder.node == thisNode { entry["thisNode"] = .bool(true) }
                    if holder.node == listing?.publisher { entry["publisher"] = .bool(true) }
                    return .object(entry)
                })])
                return ExitCode.success
            }
            let title = listing?.summary.title ?? (try? store.manifest(id).info.title) ?? ""
            context.console.line("\(id.shortHex())  \(title)  held by \(holders.count) node(s)" + (storedHere ? "; stored here" : ""))
            for holder in holders {
                var line = "  \(holder.node.text)" + (holder.node == thisNode ? " (this node)" : "")
                line += "  last seen \(Timestamp(secondsSinceEpoch: holder.time)), counts until \(Timestamp(secondsSinceEpoch: holder.expires))"
                line += ", holds \(table.state(of: holder.node)?.ids.count ?? 0) package(s)"
                if holder.node == listing?.publisher { line += "  (publisher)" }
                if let lab = lab(of: holder.node) {
                    line += "\n      signs for lab \(lab.identity.text)" + (lab.label.map { " (\($0.replacingOccurrences(of: "\n", with: " ")))" } ?? "")
                    if lab.identity == listing?.publisher { line += ", the publisher" }
                }
                context.console.line(line)
            }
            if holders.isEmpty && !storedHere {
                context.console.errorLine("no node is known to hold it: none announced it, or their holdings expired; 'allmende fetch \(id.shortHex(8)) --wait 10m' waits for one")
            }
            return ExitCode.success
        }
    )

    /// How many nodes the saved holder table says hold `package` (nil when there is no table or it is damaged).
    static func count(of package: ContentID, _ context: CommandContext) -> Int? {
        guard let home = try? context.home(), let table = try? HolderFile.table(home) else { return nil }
        let count = table.holderCount(of: package, now: Int64(Date().timeIntervalSince1970))
        return count > 0 ? count : nil
    }

    /// Holders per package as the saved holder table says (empty when there is none or it is damaged).
    static func counts(_ context: CommandContext) -> [ContentID: Int] {
        guard let home = try? context.home(), let table = try? HolderFile.table(home) else { return [:] }
        return table.holderCounts(now: Int64(Date().timeIntervalSince1970))
    }
}
