// RemoveCommands.swift: AllmendeCLI. `rm ID` removes a package; `gc` removes blobs no package uses.

import AllmendeCrypto
import AllmendeStore
import CanonicalJSON

enum RemoveCommands {
    static let keepFilesOption = OptionSpec(name: "--keep-files", help: "keep the package's file blobs (remove only its manifest and statements)")
    static let dryRunOption = OptionSpec(name: "--dry-run", help: "only list what would be removed")

    static let rm = CommandSpec(
        name: "rm",
        summary: "remove a stored package and the blobs no other package uses",
        discussion: """
        Removes the package's manifest, its statements and every file blob that no other stored package uses
        (with --keep-files, the file blobs stay). The package stays in the catalog, listed as not stored, so
        'allmende fetch ID' gets it back. A running daemon stops offering it at once.

        example: allmende rm 69ad91
        """,
        options: [keepFilesOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            guard store.hasManifest(id) else { throw CLIError.failure("package \(id.hex) is not stored here (it is only in the catalog)") }
            let sizes = Dictionary(uniqueKeysWithValues: ((try? store.manifest(id).files) ?? []).map { ($0.sha256, $0.size) })
            let removed = try attempt { () throws(StoreError) in try store.removePackage(id, keepFiles: context.arguments.has("--keep-files")) }
            ControlClient(home: try context.home()).reloadIfRunning()
            let freed = removed.reduce(0) { $0 + (sizes[$1] ?? 0) }
            if context.isJSON {
                context.printJSON(["package": .string(id.hex), "removedBlobs": .array(removed.map { .string($0.hex) }), "bytesFreed": .integer(freed)])
            } else {
                context.console.line("removed package \(id.hex): \(removed.count) blob\(removed.count == 1 ? "" : "s"), \(ByteCount.format(freed)) freed")
            }
            return ExitCode.success
        }
    )

    static let gc = CommandSpec(
        name: "gc",
        summary: "remove blobs that no stored package uses",
        discussion: """
        Finds blobs that no stored package uses as its manifest, a file or a statement (added by hand with
        'store add', or left behind) and removes them; --dry-run only lists them.

        example: allmende gc --dry-run
        """,
        options: [dryRunOption],
        run: { context in
            let packages = try context.packageStore()
            let unused = try attempt { () throws(StoreError) in try packages.unreferencedBlobs() }
            let isDryRun = context.arguments.has("--dry-run")
            var bytes = 0
            for id in unused {
                bytes += (try? packages.blobs.size(of: id)) ?? 0
                if !isDryRun { try attempt { () throws(StoreError) in _ = try packages.blobs.remove(id) } }
            }
            if context.isJSON {
                context.printJSON(["blobs": .array(unused.map { .string($0.hex) }), "bytes": .integer(bytes), "removed": .bool(!isDryRun)])
            } else {
                for id in unused { context.console.line((isDryRun ? "would remove " : "removed ") + id.hex) }
                context.console.line("\(isDryRun ? "would free" : "freed") \(ByteCount.format(bytes)) in \(unused.count) blob\(unused.count == 1 ? "" : "s")")
            }
            return ExitCode.success
        }
    )
}
