// PackageCheckCommands.swift: AllmendeCLI. `verify`, `export`, `bom` and `okh`: using a stored package.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

enum PackageCheckCommands {
    static let verify = CommandSpec(
        name: "verify",
        summary: "re-hash every file and check every signature of a package",
        discussion: """
        Checks the manifest against the package ID, every file (and each of its chunks) against the manifest,
        and every statement's signature and delegation. Prints each problem naming the file or statement;
        exits 3 if anything is wrong.
        """,
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: "example: allmende verify 69ad91",
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let report = try attempt { () throws(StoreError) in try store.verifyPackage(id) }
            if context.isJSON {
                context.printJSON(["package": .string(id.hex), "intact": .bool(report.isIntact), "filesChecked": .integer(report.filesChecked),
                                   "bytesChecked": .integer(report.bytesChecked), "problems": .array(report.problems.map { .string($0) }),
                                   "statements": .array(report.statements.map { PackageCommands.statementJSON($0) })])
            } else {
                for problem in report.problems { context.console.line("FAILED  \(problem)") }
                let summary = "\(report.filesChecked) files (\(ByteCount.format(report.bytesChecked))), \(report.statements.count) statements"
                context.console.line(report.isIntact ? "intact: \(summary) verified" : "\(report.problems.count) problem(s); checked \(summary)")
            }
            return report.isIntact ? ExitCode.success : ExitCode.damage
        }
    )

    static let toOption = OptionSpec(name: "--to", valueName: "DIR", help: "folder to write the files into (default: the current folder)")
    static let forceOption = OptionSpec(name: "--force", help: "overwrite files that already exist")

    static let filesOnlyOption = OptionSpec(name: "--files-only", help: "write only the package's files (no allmende.json, BOM.csv, NOTICE)")

    static let export = CommandSpec(
        name: "export",
        summary: "write a package's files into a folder, verified, with its manifest, BOM and NOTICE",
        discussion: """
        Writes every file of package ID under DIR, checking each chunk against the store, plus allmende.json (the
        manifest: its SHA-256 is the package ID, and it lists every file's SHA-256), BOM.csv (when the package has
        a bill of materials) and NOTICE (licence, licensors, authors, source) unless --files-only. Never writes
        outside DIR (symbolic links on the way are refused). A file already there with the same content is left
        alone, so an interrupted export can simply be run again; a file with other content is a conflict unless
        --force. Everything is written to temporary files first and moved into place only when all checked out:
        a damaged store (exit 3) or a conflict writes nothing.

        example: allmende export 69ad --to garden-studio
        """,
        options: [toOption, forceOption, filesOnlyOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let folder = context.arguments.value("--to") ?? "."
            let force = context.arguments.has("--force")
            let result = try attempt { () throws(StoreError) in
                try store.export(id, to: folder, force: force, filesOnly: context.arguments.has("--files-only"))
            }
            if context.isJSON {
                context.printJSON(["package": .string(id.hex), "written": .array(result.written.map { .string($0) }),
                                   "unchanged": .array(result.unchanged.map { .string($0) })])
            } else {
                for path in result.written { context.console.line(path) }
                let unchanged = result.unchanged.isEmpty ? "" : " (\(result.unchanged.count) already there, unchanged)"
                context.console.errorLine("exported \(result.written.count) files to \(folder)\(unchanged)")
            }
            return ExitCode.success
        }
    )

    static let countOption = OptionSpec(name: "--count", valueName: "N", help: "number of builds (default 1)")
    static let csvOption = OptionSpec(name: "--csv", help: "print RFC 4180 CSV for a spreadsheet")
    static let flatOption = OptionSpec(name: "--flat", help: "do not expand sub-assemblies")
    static let csvLocaleOption = OptionSpec(name: "--csv-locale", valueName: "LOCALE",
                                            help: "with --csv: en (commas, decimal point; default) or de (semicolons, decimal comma)")

    static let bom = CommandSpec(
        name: "bom",
        summary: "bill of materials for N builds, sub-assemblies expanded, with totals",
        discussion: """
        Multiplies the package's bill of materials by N, expands sub-assembly lines that refer to other packages
        in the local store (recursively; cycles and missing packages are reported), and totals each material
        and the cost per currency.
        """,
        options: [countOption, csvOption, csvLocaleOption, flatOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: "example: allmende bom 69ad91 --count 3 --csv --csv-locale de > garden-studio-bom.csv",
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            if !store.hasManifest(id), store.catalogListing(id) != nil {
                throw CLIError.failure("\(id.shortHex(8)) is known from the catalog but not fetched; its bill of materials is in the package: "
                                       + "'allmende fetch \(id.shortHex(8))' first")
            }
            let manifest = try attempt { () throws(StoreError) in try store.manifest(id) }
            let countText = context.arguments.value("--count") ?? "1"
            guard let count = Int(countText), count >= 1, count <= 1_000_000 else {
                throw CLIError.usage("--count needs a whole number from 1 to 1000000, not '\(countText)'", command: CommandTable.find("bom"))
            }
            let rollup: BOMRollup
            do {
                rollup = try BOMRollup(manifest: manifest, packageID: id, builds: count, expand: !context.arguments.has("--flat"),
                                       resolve: { try? store.manifest($0) })
            } catch {
                throw CLIError.failure("\(error)")
            }
            if context.arguments.has("--csv") {
                let localeText = context.arguments.value("--csv-locale") ?? "en"
                guard let locale = BOMCSV.Locale(rawValue: localeText) else {
                    throw CLIError.usage("--csv-locale takes en or de, not '\(localeText)'", command: CommandTable.find("bom"))
                }
                context.console.write(Array(BOMCSV.csv(rollup, locale: locale).utf8))
            } else if context.isJSON {
                context.printJSON(BOMPrinter.json(rollup, id: id))
            } else {
                BOMPrinter.print(rollup, title: manifest.info.title, console: context.console)
            }
            return ExitCode.success
        }
    )

    static let outOption = OptionSpec(name: "--out", valueName: "FILE", help: "write to FILE instead of standard output")

    static let okh = CommandSpec(
        name: "okh",
        summary: "write an Open Know-How (OKH-LOSH) TOML manifest for a package",
        discussion: "Maps the package's manifest onto the OKH-LOSH v1 fields (okhv = \"OKH-LOSHv1.0\") so OKH tools and crawlers can read it.",
        options: [outOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: "example: allmende okh 69ad91 > garden-studio.toml",
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            let manifest = try attempt { () throws(StoreError) in try store.manifest(id) }
            let toml = OKHExport.toml(manifest, packageID: id)
            if let out = context.arguments.value("--out") {
                do { try FileSystem.writeAtomically(Array(toml.utf8), to: out) } catch { throw CLIError.failure("\(error)") }
                if context.isJSON { context.printJSON(["package": .string(id.hex), "written": .string(out)]) } else { context.console.errorLine("wrote \(out)") }
            } else if context.isJSON {
                context.printJSON(["package": .string(id.hex), "toml": .string(toml)])
            } else {
                context.console.write(Array(toml.utf8))
            }
            return ExitCode.success
        }
    )
}
