// StatementCommands.swift: AllmendeCLI. `attest` and `retract`: signed claims about a package.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON

enum StatementCommands {
    static let noteOption = OptionSpec(name: "--note", valueName: "TEXT", help: "the build report (Markdown)")
    static let photoOption = OptionSpec(name: "--photo", valueName: "FILE",
                                        help: "a photo of the build, stored as a blob (repeat the option for more)")
    static let reasonOption = OptionSpec(name: "--reason", valueName: "TEXT", help: "why the package is withdrawn")

    static let attest = CommandSpec(
        name: "attest",
        summary: "sign that your lab built a package, with a build report and photos",
        options: [noteOption, photoOption, keyOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: "example: allmende attest 3f2a9c --note \"Built two blocks; slots 0.2 mm tight with our plywood.\" --photo build.jpg",
        run: { context in
            guard let note = context.arguments.value("--note"), !note.isEmpty else {
                throw CLIError.usage("attest needs --note with a build report", command: CommandTable.find("attest"))
            }
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            var photos: [ContentID] = []
            for photo in context.arguments.values("--photo") {
                photos.append(try attempt { () throws(StoreError) in try store.blobs.put(contentsOf: photo).id })
            }
            return try sign(Statement(kind: .attest, package: id, identity: try context.signer().identity, time: context.now,
                                      note: note, photos: photos), store: store, context: context)
        }
    )

    static let retract = CommandSpec(
        name: "retract",
        summary: "withdraw a package you published, with a reason (e.g. a safety problem)",
        discussion: """
        Signs a retraction. The package stays verifiable, but every listing flags it with the reason, and
        mirrors stop offering it to new fetchers. Only the publisher's retraction counts as withdrawal; anyone
        else's is shown as advisory.

        example: allmende retract e73772 --reason "gasket groove too shallow: leaks above 0.5 bar"
        """,
        options: [reasonOption, keyOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            guard let reason = context.arguments.value("--reason"), !reason.isEmpty else {
                throw CLIError.usage("retract needs --reason", command: CommandTable.find("retract"))
            }
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let signer = try context.signer()
            let publisher = try attempt { () throws(StoreError) in try store.manifest(id).publisher }
            if signer.identity != publisher {
                context.console.errorLine("warning: you are not the publisher (\(publisher.text)); your retraction is recorded but does not withdraw the package")
            }
            return try sign(Statement(kind: .retract, package: id, identity: signer.identity, time: context.now, reason: reason),
                            store: store, context: context)
        }
    )

    private static func sign(_ statement: Statement, store: PackageStore, context: CommandContext) throws(CLIError) -> Int32 {
        let signer = try context.signer()
        let signed: SignedStatement
        do { signed = try SignedStatement.sign(statement, with: signer.deviceKey, delegation: signer.delegation) } catch {
            throw .failure(error.description)
        }
        let verified = try attempt { () throws(StoreError) in try store.addStatement(signed) }
        context.announceToDaemon(verified.id)
        if context.isJSON {
            context.printJSON(PackageCommands.statementJSON(verified))
        } else {
            context.console.line(verified.id.hex)
            context.console.errorLine("signed \(statement.kind.rawValue) of \(statement.package.shortHex()) as \(verified.identity.text)")
        }
        return ExitCode.success
    }
}
