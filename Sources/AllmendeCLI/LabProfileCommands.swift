// LabProfileCommands.swift: AllmendeCLI. `lab profile …`: the lab's signed description of itself as a place
// where things are made (Open Know-Where fields), from a draft the lab edits to a catalog entry every node gets.
// Spec: Protocol/lab-profile.md.

import AllmendeCrypto
import AllmendeModel
import AllmendePlaces
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

enum LabProfileCommands {
    static let okwOption = OptionSpec(name: "--okw", valueName: "FILE", help: "an Open Know-Where facility record (.json, .yml or .yaml)")
    static let fileOption = OptionSpec(name: "--file", valueName: "FILE", help: "the draft (default: lab-profile.json in the home folder)")
    static let forceOption = OptionSpec(name: "--force", help: "replace an existing draft")
    static let reasonOption = OptionSpec(name: "--reason", valueName: "TEXT", help: "why the profile is withdrawn (e.g. \"the lab has closed\")")

    static let group = CommandSpec(
        name: "lab profile",
        summary: "describe the lab as a place where things are made: location, access, machines (Open Know-Where)",
        discussion: """
        A lab profile says where the lab is (city, country, coordinates rounded to about 1 km if you give them), who may
        use it, its machines with their working areas and the materials they take, and what it offers. It is signed by
        the lab identity (or a delegated node key) and travels to every node like a catalog entry, so makers can ask
        'allmende makers ID' which lab near them can build a design. A newer profile replaces the older one.
        """,
        subcommands: [initCommand, edit, show, publish, retract]
    )

    static let initCommand = CommandSpec(
        name: "lab profile init",
        summary: "write a profile draft to edit (from an Open Know-Where record with --okw)",
        options: [okwOption, fileOption, forceOption],
        epilogue: """
        example: allmende lab profile init
        example: allmende lab profile init --okw fablab-hamburg.okw.yml
        """,
        run: { context in
            let home = try context.home()
            let path = draftPath(context, home: home)
            if FileSystem.exists(path) && !context.arguments.has("--force") {
                throw CLIError.failure("\(path) exists; edit it ('allmende lab profile edit'), or start again with --force")
            }
            var warnings: [String] = []
            let draft: JSONValue
            if let okwPath = context.arguments.value("--okw") {
                let imported = try importOKW(okwPath)
                warnings = imported.warnings
                draft = imported.draft
                // Written either way (it is the lab's to fix), but said now rather than at publish.
                do { _ = try LabProfile.fromDraft(draft, identity: try context.signer().identity, time: context.now) } catch {
                    warnings.append("the draft is not yet a valid profile: \(error)")
                }
            } else {
                draft = template(name: (try? NodeConfig.load(home))?.name)
            }
            try write(draft, to: path)
            if context.isJSON {
                context.printJSON(["draft": .string(path), "warnings": .array(warnings.map { .string($0) })])
            } else {
                for warning in warnings { context.console.errorLine("warning: \(warning)") }
                context.console.line("wrote \(path)")
                context.console.errorLine("next: fill it in ('allmende lab profile edit'), then 'allmende lab profile publish'")
            }
            return ExitCode.success
        }
    )

    static let edit = CommandSpec(
        name: "lab profile edit",
        summary: "open the draft in $VISUAL or $EDITOR and check it afterwards",
        discussion: "Opens the draft (created from a template if there is none) in $VISUAL, else $EDITOR, else vi; then checks it.",
        options: [fileOption],
        epilogue: "example: allmende lab profile edit",
        run: { context in
            let home = try context.home()
            let path = draftPath(context, home: home)
            if !FileSystem.exists(path) { try write(template(name: (try? NodeConfig.load(home))?.name), to: path) }
            let editor = context.environment["VISUAL"] ?? context.environment["EDITOR"] ?? "vi"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/sh")
            process.arguments = ["-c", "exec \(editor) \"$0\"", path]
            do {
                try process.run()
                process.waitUntilExit()
            } catch { throw CLIError.failure("cannot start the editor '\(editor)': \(error); set EDITOR, or edit \(path) by hand") }
            guard process.terminationStatus == 0 else { throw CLIError.failure("the editor '\(editor)' exited with \(process.terminationStatus); the draft is at \(path)") }
            let profile = try readDraft(path, identity: try context.signer().identity, time: context.now)
            context.console.line("\(path): a valid profile of \(profile.name); publish it with 'allmende lab profile publish'")
            return ExitCode.success
        }
    )

    static let show = CommandSpec(
        name: "lab profile show",
        summary: "show this lab's profile (or another lab's, by identity), or write it as Open Know-Where",
        options: [OptionSpec(name: "--okw", valueName: "FILE", help: "write the profile as an Open Know-Where record (.json, .yml or .yaml)"),
                  OptionSpec(name: "--draft", help: "show the draft, not the published profile"), fileOption],
        arguments: ArgumentsSpec(display: "[LAB-ID]", minimum: 0, maximum: 1),
        epilogue: """
        example: allmende lab profile show
        example: allmende lab profile show 7kq3… --json
        example: allmende lab profile show --okw my-lab.okw.yml
        """,
        run: { context in
            let home = try context.home()
            let store = try context.packageStore()
            let profile: LabProfile
            var entry: ContentID?
            var isDraft = context.arguments.has("--draft") || context.arguments.value("--file") != nil
            if let text = context.arguments.positional.first {
                let known = try findLab(text, in: store)
                profile = known.profile
                entry = known.id
            } else {
                let identity = try context.signer().identity
                if !isDraft, let known = store.labProfile(of: identity) {
                    profile = known.profile
                    entry = known.id
                } else {
                    let path = draftPath(context, home: home)
                    guard FileSystem.exists(path) else {
                        throw CLIError.failure("this lab has no profile yet: start one with 'allmende lab profile init'")
                    }
                    profile = try readDraft(path, identity: identity, time: context.now)
                    isDraft = true
                }
            }
            if let okwPath = context.arguments.value("--okw") {
                let yaml = okwPath.hasSuffix(".yml") || okwPath.hasSuffix(".yaml")
                let record = OKWFacility.export(profile)
                let text = yaml ? OKWFacility.yaml(record) : ((try? CanonicalEncoder.indented(record)) ?? "")
                do { try FileSystem.writeAtomically(Array(text.utf8), to: okwPath) } catch { throw CLIError.failure("cannot write \(okwPath): \(error)") }
                context.console.errorLine("wrote \(okwPath) (Open Know-Where)")
                return ExitCode.success
            }
            if context.isJSON {
                var json = profile.json
                if case var .object(members) = json {
                    members["entry"] = entry.map { .string($0.hex) } ?? .null
                    members["draft"] = .bool(isDraft)
                    json = .object(members)
                }
                context.printJSON(json)
            } else {
                if isDraft { context.console.line("(draft, not published)") }
                LabProfilePrinter.print(profile, to: context.console)
            }
            return ExitCode.success
        }
    )

    static let publish = CommandSpec(
        name: "lab profile publish",
        summary: "sign the draft as the lab's profile and give it to the network (replaces the previous one)",
        options: [fileOption, keyOption],
        epilogue: "example: allmende lab profile publish",
        run: { context in
            let home = try context.home()
            let signer = try context.signer()
            let profile = try readDraft(draftPath(context, home: home), identity: signer.identity, time: context.now)
            let id = try sign(profile, signer: signer, context: context)
            if context.isJSON {
                context.printJSON(["entry": .string(id.hex), "identity": .string(signer.identity.text), "name": .string(profile.name)])
            } else {
                context.console.line(id.hex)
                context.console.errorLine("published the profile of \(profile.name) as \(signer.identity.text)")
            }
            return ExitCode.success
        }
    )

    static let retract = CommandSpec(
        name: "lab profile retract",
        summary: "withdraw the lab's profile (every node stops listing the lab)",
        options: [reasonOption, keyOption],
        epilogue: "example: allmende lab profile retract --reason \"the workshop has moved; new profile follows\"",
        run: { context in
            guard let reason = context.arguments.value("--reason"), !reason.isEmpty else {
                throw CLIError.usage("lab profile retract needs --reason", command: CommandTable.find("lab profile retract"))
            }
            let signer = try context.signer()
            let id = try sign(.withdrawal(identity: signer.identity, time: context.now, reason: reason), signer: signer, context: context)
            if context.isJSON {
                context.printJSON(["entry": .string(id.hex), "identity": .string(signer.identity.text), "withdrawn": .string(reason)])
            } else {
                context.console.line(id.hex)
                context.console.errorLine("withdrew the profile of \(signer.identity.text)")
            }
            return ExitCode.success
        }
    )

    // MARK: Helpers

    static func draftPath(_ context: CommandContext, home: NodeHome) -> String {
        context.arguments.value("--file") ?? home.path + "/lab-profile.json"
    }

    /// A draft to fill in: every field a maker looks at, with examples where a value is needed.
    static func template(name: String?) -> JSONValue {
        .object([
            "name": .string(name ?? "Our lab"),
            "description": .string("What the lab is and does, in a few sentences."),
            "facilityStatus": .string("active"),
            "accessType": .string("membership"),
            "openingHours": .string("Tue–Fri 14:00–20:00, Sat 10:00–16:00"),
            "location": .object(["city": .string(""), "country": .string("")]),
            "languages": .array([.string("en")]),
            "manufacturingProcesses": .array([.string("assembly")]),
            "equipment": .array([.object(["kind": .string("laser-cutting"), "name": .string("laser cutter"),
                                          "workingArea": .array([.number(600), .number(400)]), "materials": .array([.string("plywood"), .string("acrylic")]),
                                          "maxThickness": .string("6")])]),
            "typicalMaterials": .array([.string("plywood")]),
            "services": .array([.string("supervised-use"), .string("courses")]),
        ])
    }

    static func write(_ draft: JSONValue, to path: String) throws(CLIError) {
        let text: String
        do { text = try CanonicalEncoder.indented(draft) } catch { throw .failure("\(error)") }
        do { try FileSystem.writeAtomically(Array(text.utf8), to: path) } catch { throw .failure("cannot write \(path): \(error)") }
    }

    static func readDraft(_ path: String, identity: NodeID, time: Timestamp) throws(CLIError) -> LabProfile {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 256 * 1024) } catch {
            throw .failure("cannot read the profile draft \(path): \(error); start one with 'allmende lab profile init'")
        }
        do { return try LabProfile.fromDraft(try JSONParser.parse(bytes), identity: identity, time: time) } catch let error as ModelError {
            throw .failure("\(path): \(error)")
        } catch {
            throw .failure("\(path): \(error)")
        }
    }

    static func importOKW(_ path: String) throws(CLIError) -> OKWFacility.Imported {
        let bytes: [UInt8]
        do { bytes = try FileSystem.readFile(path, limit: 4 << 20) } catch { throw .failure("cannot read \(path): \(error) (at most 4 MiB)") }
        do {
            let record = try OKWFacility.parse(bytes, isYAML: path.hasSuffix(".yml") || path.hasSuffix(".yaml"))
            return try OKWFacility.profile(from: record)
        } catch { throw .failure("\(path): \(error)") }
    }

    /// Signs `profile` as `signer`, appends it to the catalog and has a running daemon announce it.
    static func sign(_ profile: LabProfile, signer: LabIdentity, context: CommandContext) throws(CLIError) -> ContentID {
        var profile = profile
        let store = try context.packageStore()
        // Newer than the lab's latest entry, even within the same second (times are whole seconds).
        if let latest = store.labProfileSet().latest[profile.identity]?.profile.profile.time, latest >= profile.time {
            profile.time = Timestamp(secondsSinceEpoch: latest.secondsSinceEpoch + 1)
        }
        let signed: SignedLabProfile
        do { signed = try SignedLabProfile.sign(profile, with: signer.deviceKey, delegation: signer.delegation) } catch { throw .failure(error.description) }
        let bytes: [UInt8]
        do { bytes = try signed.canonicalBytes() } catch { throw .failure(error.description) }
        try attempt { () throws(StoreError) in _ = try store.catalog.append(entryBytes: bytes) }
        let id = SHA256Hasher.hash(bytes)
        context.announceToDaemon(id)
        return id
    }

    /// The current profile of the lab whose identity is or starts with `text`.
    static func findLab(_ text: String, in store: PackageStore) throws(CLIError) -> KnownLabProfile {
        let matches = store.labProfiles().filter { $0.profile.identity.text.hasPrefix(text) }
        guard let first = matches.first else { throw .failure("no lab profile known for '\(text)' (see 'allmende labs')") }
        guard matches.count == 1 else { throw .usage("'\(text)' fits \(matches.count) labs; give more of the identity", command: nil) }
        return first
    }
}
