// StoreCommands.swift: AllmendeCLI. `store add`, `store cat`, `store ls`, `store rm`: the blob store by hand.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

enum StoreCommands {
    static let group = CommandSpec(
        name: "store",
        summary: "work with the content-addressed blob store",
        discussion: "Adds, reads, lists and removes blobs: files named by their SHA-256.",
        subcommands: [add, cat, list, remove]
    )

    static let add = CommandSpec(
        name: "store add",
        summary: "add files to the blob store and print their IDs",
        discussion: """
        Stores each FILE (- for standard input) and prints its ID and name, as sha256sum would. The file's
        chunk index (SHA-256 per 1 MiB chunk) is stored with it. Adding the same content again is harmless.
        A progress bar is drawn on a terminal for large files.
        """,
        arguments: ArgumentsSpec(display: "FILE…", minimum: 1, maximum: .max),
        epilogue: "example: allmende store add drawing.svg",
        run: { context in
            let store = try context.store()
            var failed = false
            var entries: [JSONValue] = []
            for file in context.arguments.positional {
                do {
                    let stored = try put(file, into: store, context: context)
                    if context.isJSON {
                        entries.append([
                            "file": .string(file), "id": .string(stored.id.hex), "size": .integer(stored.size),
                            "chunks": .integer(stored.chunkIndex.chunkCount), "chunkIndex": .string(stored.chunkIndex.id.hex),
                            "alreadyStored": .bool(stored.wasAlreadyStored),
                        ])
                    } else {
                        context.console.line(HashCommand.sha256sumLine(id: stored.id, name: file))
                    }
                } catch let error as StoreError {
                    failed = true
                    context.console.errorLine("error: \(file): \(error)")
                    if context.isJSON { entries.append(["file": .string(file), "error": .string(error.description)]) }
                }
            }
            if context.isJSON { context.printJSON(.array(entries)) }
            return failed ? ExitCode.failure : ExitCode.success
        }
    )

    private static func put(_ file: String, into store: BlobStore, context: CommandContext) throws(StoreError) -> StoredBlob {
        if file == "-" { return try store.put(from: .standardInput) }
        let size = (try? FileSystem.size(of: file)) ?? 0
        let bar = ProgressBar(console: context.console, label: FileSystem.lastComponent(of: file), total: size,
                              enabled: size >= 64 << 20 && !context.isJSON)
        defer { bar.finish() }
        return try store.put(contentsOf: file, progress: { bar.update($0) })
    }

    static let cat = CommandSpec(
        name: "store cat",
        summary: "write a stored blob to standard output, verifying it",
        discussion: """
        Writes blob ID (a full ID or a unique prefix of at least 4 hex digits) to standard output. Every
        1 MiB chunk is checked against the chunk index before it is written (the chained index makes that
        a check of the whole blob against its ID): damaged data is never passed on silently (exit code 3).
        """,
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: "example: allmende store cat 5f4c0d44 > drawing.svg",
        run: { context in
            if context.isJSON {
                throw CLIError.usage("store cat writes the blob's own bytes and has no --json form; 'allmende store ls --json' lists blobs",
                                     command: CommandTable.find("store cat"))
            }
            let store = try context.store()
            let id = try context.resolve(context.arguments.positional[0], in: store)
            try attempt { () throws(StoreError) in try BlobStreamer.stream(id, from: store, to: context.console) }
            return ExitCode.success
        }
    )

    static let list = CommandSpec(
        name: "store ls",
        summary: "list stored blobs with their sizes",
        discussion: "Lists every stored blob: its ID and size, sorted by ID.",
        epilogue: "example: allmende store ls --json",
        run: { context in
            let store = try context.store()
            let ids = try attempt { () throws(StoreError) in try store.list() }
            var entries: [JSONValue] = []
            for id in ids {
                let size = (try? store.size(of: id)) ?? 0
                if context.isJSON {
                    entries.append(["id": .string(id.hex), "size": .integer(size)])
                } else {
                    context.console.line(id.hex + "  " + ByteCount.format(size))
                }
            }
            if context.isJSON { context.printJSON(.array(entries)) }
            return ExitCode.success
        }
    )

    static let remove = CommandSpec(
        name: "store rm",
        summary: "remove blobs from the store",
        discussion: """
        Removes each blob ID (full or unique prefix) and its chunk index from the store. A blob that a stored
        package uses is refused unless --force (remove the package with 'allmende rm ID' instead).
        """,
        options: [OptionSpec(name: "--force", help: "remove blobs even if a stored package uses them (the package becomes incomplete)")],
        arguments: ArgumentsSpec(display: "ID…", minimum: 1, maximum: .max),
        epilogue: "example: allmende store rm 5f4c0d44",
        run: { context in
            let packages = try context.packageStore()
            let store = packages.blobs
            let ids = try context.arguments.positional.map { (text) throws(CLIError) in try context.resolve(text, in: store) }
            if !context.arguments.has("--force") {
                let used = packages.referencedBlobs()
                if let needed = ids.first(where: used.contains) {
                    throw CLIError.failure("blob \(needed.hex) is used by a stored package; remove the package with 'allmende rm ID', or pass --force")
                }
            }
            var removed: [JSONValue] = []
            for id in ids {
                try attempt { () throws(StoreError) in try store.remove(id) }
                if context.isJSON { removed.append(.string(id.hex)) } else { context.console.line("removed \(id.hex)") }
            }
            if context.isJSON { context.printJSON(["removed": .array(removed)]) }
            return ExitCode.success
        }
    )
}
