// NewCommand.swift: AllmendeCLI. `new DIR`: a starting allmende.json for a folder of design files.

import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

enum NewCommand {
    static let titleOption = OptionSpec(name: "--title", valueName: "TEXT", help: "the design's title (default: from the folder name)")
    static let summaryOption = OptionSpec(name: "--summary", valueName: "TEXT", help: "one sentence on what it is")
    static let licenseOption = OptionSpec(name: "--license", valueName: "SPDX", help: "the licence, e.g. CERN-OHL-S-2.0 (asked on a terminal)")
    static let categoryOption = OptionSpec(name: "--category", valueName: "NAME", help: "building, furniture, energy, … (default: other)")
    static let licensorOption = OptionSpec(name: "--licensor", valueName: "NAME", help: "who licenses it (default: this node's name)")
    static let forceOption = OptionSpec(name: "--force", help: "replace an existing allmende.json")

    static let spec = CommandSpec(
        name: "new",
        summary: "write a starting allmende.json for a folder of design files",
        discussion: """
        Writes DIR/allmende.json with every required field filled in, and every file in DIR listed with the role
        and media type guessed from its name and first bytes; a bom.csv in DIR (columns such as item, quantity,
        unit, material, unit cost, currency — English or German names, comma or semicolon separated) becomes the
        bill of materials, and rows it cannot read are named. The result publishes as it is. On a terminal, asks
        for what the options do not give (title, summary, category, licence); in scripts, give --license (the
        other fields have defaults). Open-hardware licences to choose from:
        \(DraftTemplate.openHardwareLicenses.map { "  \($0.id): \($0.meaning)" }.joined(separator: "\n"))
        Any SPDX expression is accepted. Then edit the draft (description, tags, authors, bom) and run
        'allmende publish DIR'.

        example: allmende new cargo-bike-trailer --license CERN-OHL-S-2.0 --category mobility
        """,
        options: [titleOption, summaryOption, licenseOption, categoryOption, licensorOption,
                  OptionSpec(name: "--process", valueName: "PROCESS", help: "how it is made (repeat for more), e.g. cnc-routing; fabrication needs are suggested from bom.csv"),
                  forceOption],
        arguments: ArgumentsSpec(display: "DIR", minimum: 1, maximum: 1),
        run: { context in
            let folder = context.arguments.positional[0]
            let draftPath = folder + "/" + PackageDraft.fileName
            if FileSystem.exists(draftPath) && !context.arguments.has("--force") {
                throw CLIError.failure("\(draftPath) already exists; edit it, check it with 'allmende publish --check \(folder)', or use --force to start over")
            }
            let scanned = try attempt { () throws(StoreError) in try PackageFolder(scanning: folder) }
            let files = scanned.files.map { file in
                DraftTemplate.File(path: file.path.text, head: head(of: file.source))
            }
            let asks = FileDescriptor.standardInput.isTerminal && context.console.isErrorTerminal && !context.isJSON
            func ask(_ question: String, default value: String) -> String {
                guard asks else { return value }
                context.console.writeError(Array("\(question) [\(value)]: ".utf8))
                let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
                return answer.isEmpty ? value : answer
            }
            let title = context.arguments.value("--title") ?? ask("title", default: DraftTemplate.title(fromFolderName: FileSystem.lastComponent(of: scanned.root)))
            let summary = context.arguments.value("--summary") ?? ask("one-sentence summary", default: "What it is and what it is for.")
            let categoryText = context.arguments.value("--category")
                ?? ask("category (\(DesignCategory.allCases.map(\.rawValue).joined(separator: ", ")))", default: DesignCategory.other.rawValue)
            guard let category = DesignCategory(rawValue: categoryText) else {
                throw CLIError.usage("--category: '\(categoryText)' is not one of \(DesignCategory.allCases.map(\.rawValue).joined(separator: ", "))",
                                     command: CommandTable.find("new"))
            }
            let license = try chooseLicense(context: context, asks: asks)
            let config = try? NodeConfig.load(try context.home())
            // The node's name when it was given one; otherwise a placeholder that is plain to see in the draft.
            let nodeName = config.map(\.name).flatMap { $0 == NodeConfig().name ? nil : $0 } ?? "(your lab's name)"
            let licensor = context.arguments.value("--licensor") ?? ask("licensor (your lab's name)", default: nodeName)
            var template = DraftTemplate(title: title, summary: summary, category: category, license: license, licensor: licensor,
                                         created: Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970)).date, files: files)
            template.version = "0.1.0"
            // A spreadsheet BOM in the folder becomes the draft's bill of materials.
            var bomNote: String?
            if let csv = scanned.files.first(where: { ["bom.csv", "stückliste.csv"].contains($0.path.text.lowercased()) }),
               let bytes = try? FileSystem.readFile(csv.source, limit: 4 << 20) {
                let (lines, problems) = BOMCSVReader.read(String(decoding: bytes, as: UTF8.self))
                template.bom = Array(lines.prefix(5000))
                for problem in problems { context.console.errorLine("warning: \(csv.path.text): \(problem)") }
                bomNote = "\(template.bom.count) BOM line(s) from \(csv.path.text)"
            }
            // Processes given: the fabrication needs the bill of materials shows for them (a sheet's size for cutting).
            for text in context.arguments.values("--process") {
                guard let process = ManufacturingProcess(rawValue: text) else {
                    throw CLIError.usage("--process: '\(text)' is not one of \(ManufacturingProcess.allCases.map(\.rawValue).joined(separator: ", "))",
                                         command: CommandTable.find("new"))
                }
                if !template.processes.contains(process) { template.processes.append(process) }
            }
            if !template.processes.isEmpty {
                var info = DesignInfo(title: title, version: "0.1.0", summary: summary, category: category, license: license,
                                      licensors: [Person(name: licensor)], documentationLanguage: ["en"])
                info.processes = template.processes
                info.bom = template.bom
                template.fabrication = FabricationSuggestion.needs(for: info, drawings: PackageStore.cuttingDrawings(scanned)).map(\.need)
                if !template.fabrication.isEmpty && !context.isJSON {
                    context.console.errorLine("note: fabrication needs suggested from the bill of materials: "
                                              + template.fabrication.map(\.description).joined(separator: "; ") + " (check them)")
                }
            }
            let text = template.text()
            // What is written must parse as a draft: the same checks publish makes on it.
            do { _ = try PackageDraft(parsing: Array(text.utf8)) } catch {
                throw CLIError.usage("the draft would not be valid: \(error)", command: CommandTable.find("new"))
            }
            do { try FileSystem.writeAtomically(Array(text.utf8), to: draftPath, mode: 0o644) } catch { throw CLIError.failure("\(error)") }
            if context.isJSON {
                context.printJSON(["draft": .string(draftPath), "files": .integer(files.count), "bomLines": .integer(template.bom.count),
                                   "license": .string(license.description),
                                   "category": .string(category.rawValue)])
            } else {
                context.console.line(draftPath)
                context.console.errorLine("wrote a draft listing \(files.count) file(s)\(bomNote.map { " and \($0)" } ?? ""); edit it, then run 'allmende publish \(folder)'")
            }
            return ExitCode.success
        }
    )

    /// The first 512 bytes of a file (fewer if it is shorter; none if it cannot be read).
    static func head(of path: String) -> [UInt8] {
        guard let descriptor = try? FileDescriptor.openForReading(path) else { return [] }
        defer { descriptor.close() }
        var bytes = [UInt8](repeating: 0, count: 512)
        let count = bytes.withUnsafeMutableBytes { (try? descriptor.readFully(into: $0)) ?? 0 }
        return Array(bytes.prefix(count))
    }

    /// The licence from --license, or asked on a terminal from the open-hardware list; without either, a usage error.
    static func chooseLicense(context: CommandContext, asks: Bool) throws(CLIError) -> SPDXExpression {
        var text = context.arguments.value("--license")
        if text == nil && asks {
            context.console.errorLine("licence:")
            for (number, entry) in DraftTemplate.openHardwareLicenses.enumerated() {
                context.console.errorLine("  \(number + 1). \(entry.id): \(entry.meaning)")
            }
            context.console.writeError(Array("number or SPDX ID [1]: ".utf8))
            let answer = (readLine() ?? "").trimmingCharacters(in: .whitespaces)
            let list = DraftTemplate.openHardwareLicenses
            text = answer.isEmpty ? list[0].id : Int(answer).flatMap { (1...list.count).contains($0) ? list[$0 - 1].id : nil } ?? answer
        }
        guard let text else {
            throw CLIError.usage("give the licence with --license, e.g. "
                                 + DraftTemplate.openHardwareLicenses.map(\.id).joined(separator: ", "), command: CommandTable.find("new"))
        }
        do { return try SPDXExpression(parsing: text) } catch { throw CLIError.usage("--license: \(error)", command: CommandTable.find("new")) }
    }
}
