// FsckCommand.swift: AllmendeCLI. `fsck [--repair]`: re-hash the whole store and report what is wrong.

import AllmendeStore
import CanonicalJSON

enum FsckCommand {
    static let repairOption = OptionSpec(
        name: "--repair", help: "move corrupt and stray files to store/quarantine/, rebuild chunk indexes, remove abandoned temporary files")

    static let spec = CommandSpec(
        name: "fsck",
        summary: "re-hash the store; report (and --repair) missing, corrupt and stray files",
        discussion: """
        Re-hashes every stored blob against its ID and chunk index, and looks for chunk indexes without their
        blob (missing), files that do not belong (stray) and temporary files left by an interrupted write.
        Exits 0 if the store is clean, 3 if problems remain. --repair never deletes stored data: corrupt and
        stray files are moved to store/quarantine/ so the blobs can be fetched again.
        """,
        options: [repairOption],
        run: { context in
            let store = try context.store()
            let bar = ProgressBar(console: context.console, label: "fsck", total: nil, enabled: !context.isJSON)
            defer { bar.finish() }
            let report = try attempt { () throws(StoreError) in
                try store.fsck(repair: context.arguments.has("--repair"), progress: { done, _ in bar.update(done) })
            }
            bar.finish()
            let isRepaired = !report.repairs.isEmpty && report.repairs.count == report.problems.count
            if context.isJSON {
                context.printJSON([
                    "blobsChecked": .integer(report.blobsChecked), "bytesChecked": .integer(report.bytesChecked),
                    "problems": .array(report.problems.map { ["kind": .string($0.kind), "message": .string($0.description)] }),
                    "repairs": .array(report.repairs.map { .string($0) }), "clean": .bool(report.isClean),
                ])
            } else {
                for problem in report.problems { context.console.line(problem.description) }
                for repair in report.repairs { context.console.line("repaired: " + repair) }
                let summary = "checked \(report.blobsChecked) blobs (\(ByteCount.format(report.bytesChecked)))"
                context.console.line(report.isClean ? summary + ": no problems"
                                     : summary + ": \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
            }
            return report.isClean || isRepaired ? ExitCode.success : ExitCode.damage
        }
    )
}
