// ImportCommands.swift: AllmendeCLI. `import okh FILE`: an Open Know-How manifest (OKH-LOSH TOML, OKH v1 YAML)
// becomes a draft `allmende.json` beside it, with a warning for everything that could not be mapped.

import AllmendeModel
import AllmendeStore
import AllmendeSystem
import AllmendeTOML
import CanonicalJSON

enum ImportCommands {
    static let forceOption = OptionSpec(name: "--force", help: "replace an allmende.json that is already in the folder")

    static let group = CommandSpec(
        name: "import",
        summary: "turn another tool's manifest into an allmende.json draft",
        discussion: "Reads a manifest written for another open-hardware format and writes the draft 'allmende publish' reads.",
        subcommands: [okh]
    )

    static let okh = CommandSpec(
        name: "import okh",
        summary: "write an allmende.json draft from an Open Know-How manifest (okh.toml, OKH-LOSH; okh.yml, OKH v1)",
        discussion: """
        Reads FILE (OKH-LOSH TOML, or an OKH v1 YAML manifest) and writes allmende.json into the folder beside it:
        field by field as Protocol/manifest.md's OKH-LOSH column says, in reverse — "Name <email>" licensors
        become people, function becomes the summary and description, repo the homepage, the file lists give
        each file's role, a CSV bill of materials is read into "bom", [[part]] tables naming Allmende packages
        become sub-assemblies. Every field that could not be mapped is listed as a warning (fix the draft, then
        'allmende publish --check DIR'). A licence name that is not SPDX is turned into its SPDX ID where that
        is certain (CERN OHL S v2 → CERN-OHL-S-2.0), otherwise refused with suggestions. The manifest stays in
        the folder and is published with the package. A manifest written by 'allmende okh' imports back to the
        same fields.

        example: allmende import okh cargo-trailer/okh.toml
        example: allmende import okh ventilator/okh.yml --force --json
        """,
        options: [forceOption],
        arguments: ArgumentsSpec(display: "FILE", minimum: 1, maximum: 1),
        run: { context in
            let file = context.arguments.positional[0]
            let folder = FileSystem.parentDirectory(of: file)
            let name = FileSystem.lastComponent(of: file)
            let draftPath = folder + "/" + PackageDraft.fileName
            if FileSystem.exists(draftPath) && !context.arguments.has("--force") {
                throw CLIError.failure("\(draftPath) already exists; use --force to replace it with the imported draft")
            }
            let bytes: [UInt8]
            do { bytes = try FileSystem.readFile(file, limit: DesignManifest.maximumSize) } catch {
                throw CLIError.failure("cannot read \(file): \(error) (an OKH manifest is at most \(DesignManifest.maximumSize >> 20) MiB)")
            }
            let table: TOMLTable
            let lower = name.lowercased()
            do {
                if lower.hasSuffix(".yml") || lower.hasSuffix(".yaml") {
                    table = try OKHv1.losh(fromYAML: bytes)
                } else {
                    table = try TOML.parse(bytes)
                }
            } catch let error as TOMLError {
                throw CLIError.failure("\(file):\(error.line):\(error.column): \(error.message)")
            } catch {
                throw CLIError.failure("\(file): \(error)")
            }
            let scanned = try attempt { () throws(StoreError) in try PackageFolder(scanning: folder) }
            let files = Set(scanned.files.map(\.path.text))
            let draft: OKHImport.Draft
            do throws(OKHImportError) {
                draft = try OKHImport.draft(table, manifestName: name, folderName: FileSystem.lastComponent(of: scanned.root), files: files) { path in
                    (try? FileSystem.readFile(folder + "/" + path, limit: DesignManifest.maximumSize)).flatMap { String(validating: $0, as: UTF8.self) }
                }
            } catch {
                throw CLIError.failure("\(file): \(error.description)")
            }
            do { try FileSystem.writeAtomically(Array(draft.text.utf8), to: draftPath) } catch {
                throw CLIError.failure("cannot write \(draftPath): \(error)")
            }
            if context.isJSON {
                context.printJSON(["draft": .string(draftPath), "warnings": .array(draft.warnings.map { .string($0) }), "fields": .object(draft.members)])
            } else {
                for warning in draft.warnings { context.console.errorLine("warning: \(warning)") }
                context.console.line(draftPath)
                context.console.errorLine("wrote \(draftPath) with \(draft.warnings.count) warning(s); check it with 'allmende publish --check \(folder)'")
            }
            return ExitCode.success
        }
    )
}
