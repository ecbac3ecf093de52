// PublishCheck.swift: AllmendeCLI. `publish --check DIR`: every problem of a folder and its draft at once.

import AllmendeModel
import AllmendeStore
import AllmendeSystem
import CanonicalJSON

extension PackageCommands {
    /// Reports every problem `publish` would refuse (draft fields with line:column, then the folder's), storing
    /// nothing; exit 1 if there is any.
    static func check(_ folder: String, context: CommandContext) throws(CLIError) -> Int32 {
        let draftName = folder + "/" + PackageDraft.fileName
        var problems: [DraftProblem] = []
        var warnings: [String] = []
        var fileCount = 0
        if let bytes = try? FileSystem.readFile(draftName, limit: DesignManifest.maximumSize) {
            problems = DraftCheck.problems(in: bytes)
        } else if !FileSystem.exists(draftName) {
            problems = [DraftProblem(path: "", message: "there is no \(PackageDraft.fileName); write one with 'allmende new \(folder) --license SPDX-ID'",
                                     line: nil, column: nil)]
        }
        // The draft's fields are fine: now what publish checks beyond them (files, licence openness, sub-assemblies).
        if problems.isEmpty {
            let store = try context.packageStore()
            var options = PublishOptions(now: context.now, allowNonOpen: context.arguments.has("--allow-non-open"))
            options.allowIncompatible = try allowIncompatibleReason(context)
            // Whose new version this would be (no key is made for a check).
            let hasKey = context.arguments.value("--key") != nil || ((try? context.home()).map { FileSystem.exists($0.nodeKeyPath) } ?? false)
            let publisher = hasKey ? (try? context.signer())?.identity : nil
            do {
                let (scanned, _, found) = try store.checkPublishable(folder: folder, options: options, publisher: publisher)
                fileCount = scanned.files.count
                warnings = found
            } catch {
                problems.append(DraftProblem(path: "", message: error.description, line: nil, column: nil))
            }
        }
        if context.isJSON {
            context.printJSON(["ready": .bool(problems.isEmpty), "files": .integer(fileCount),
                               "warnings": .array(warnings.map { .string($0) }),
                               "problems": .array(problems.map { problem in
                                   ["path": .string(problem.path), "message": .string(problem.message),
                                    "line": problem.line.map { .integer($0) } ?? .null, "column": problem.column.map { .integer($0) } ?? .null]
                               })])
        } else {
            for problem in problems {
                context.console.line(problem.line == nil ? problem.description : "\(draftName):\(problem.description)")
            }
            for warning in warnings { context.console.errorLine("warning: \(warning)") }
            context.console.errorLine(problems.isEmpty ? "ready to publish: \(fileCount) files" : "\(problems.count) problem(s); nothing was stored")
        }
        return problems.isEmpty ? ExitCode.success : ExitCode.failure
    }
}
