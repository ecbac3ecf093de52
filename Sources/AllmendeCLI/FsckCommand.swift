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
            // Opening the catalog log checks every record and cuts a torn tail; every entry's signature is checked here.
            let home = try context.home()
            let catalog = try attempt { () throws(StoreError) in try CatalogLog(path: home.path + "/catalog") }
            let entries = try attempt { () throws(StoreError) in try catalog.entries() }
            let badEntries = entries.filter { (try? $0.verify()) == nil }.count
            let bar = ProgressBar(console: context.console, label: "fsck", total: nil, enabled: !context.isJSON)
            defer { bar.finish() }
            let report = try attempt { () throws(StoreError) in
                try store.fsck(repair: context.arguments.has("--repair"), progress: { done, _ in bar.update(done) })
            }
            bar.finish()
            var catalogProblems: [String] = []
            if catalog.recoveredBytes > 0 { catalogProblems.append("catalog: cut \(catalog.recoveredBytes) bytes of a torn record at its end (an interrupted write)") }
            if badEntries > 0 { catalogProblems.append("catalog: \(badEntries) entries whose signature does not verify (revoked keys or damage)") }
            let isRepaired = !report.repairs.isEmpty && report.repairs.count == report.problems.count
            if context.isJSON {
                context.printJSON([
                    "blobsChecked": .integer(report.blobsChecked), "bytesChecked": .integer(report.bytesChecked),
                    "partialFetches": .integer(report.partialFetches),
                    "problems": .array(report.problems.map { ["kind": .string($0.kind), "message": .string($0.description)] }),
                    "repairs": .array(report.repairs.map { .string($0) }), "clean": .bool(report.isClean),
                    "catalogEntries": .integer(entries.count), "catalogProblems": .array(catalogProblems.map { .string($0) }),
                ])
            } else {
                for problem in report.problems { context.console.line(problem.description) }
                for repair in report.repairs { context.console.line("repaired: " + repair) }
                for problem in catalogProblems { context.console.line(problem) }
                if report.partialFetches > 0 {
                    context.console.line("\(report.partialFetches) interrupted fetch\(report.partialFetches == 1 ? "" : "es") in store/partial/ (fetch again to resume)")
                }
                let summary = "checked \(report.blobsChecked) blobs (\(ByteCount.format(report.bytesChecked)))"
                context.console.line(report.isClean ? summary + ": no problems"
                                     : summary + ": \(report.problems.count) problem\(report.problems.count == 1 ? "" : "s")")
            }
            return report.isClean || isRepaired ? ExitCode.success : ExitCode.damage
        }
    )
}
