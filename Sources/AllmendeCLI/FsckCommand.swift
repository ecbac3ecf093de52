// FsckCommand.swift: AllmendeCLI. `fsck [--repair]`: re-hash the whole store and report what is wrong.

import AllmendeStore
import CanonicalJSON

enum FsckCommand {
    static let repairOption = OptionSpec(
        name: "--repair", help: "move corrupt and stray files and damaged catalog records to store/quarantine/, rebuild chunk indexes")

    static let spec = CommandSpec(
        name: "fsck",
        summary: "re-hash the store; report (and --repair) missing, corrupt and stray files",
        discussion: """
        Re-hashes every stored blob against its ID and chunk index, and looks for chunk indexes without their
        blob (missing) and files that do not belong (stray). What an interrupted write leaves (temporary files
        of a writer that died, a chunk index not yet saved, a catalog append cut short) is cleaned on every run
        and is not damage. Checks the catalog record by record: a damaged record is skipped (every other record
        is kept) and reported; --repair moves it to store/quarantine/ and rewrites the catalog, and peers send
        the lost entries again by reconciliation. Exits 0 if the store is clean, 3 if problems remain. --repair
        never deletes stored data: corrupt and stray files are moved to store/quarantine/ so the blobs can be
        fetched again.
        """,
        options: [repairOption],
        epilogue: "example: allmende fsck --repair",
        run: { context in
            let packages = try context.packageStore()
            let store = packages.blobs
            let isRepairing = context.arguments.has("--repair")
            // Every record is read and checked (not taken from the index).
            let catalog = try attempt { () throws(StoreError) in try packages.fullScanCatalog() }
            // What a crash leaves behind is cleaned on every run; it is not damage.
            var cleaned: [String] = []
            let cut = try attempt { () throws(StoreError) in try catalog.cutTornTail() }
            if cut > 0 { cleaned.append("catalog: cut \(cut) bytes of an append a crash interrupted (copied to store/quarantine/)") }
            let entries = try attempt { () throws(StoreError) in try catalog.entries() }
            let badEntries = entries.filter { (try? $0.verify()) == nil }.count
            let damage = catalog.damage
            var catalogRepairs: [String] = []
            if isRepairing && !damage.isEmpty {
                let moved = try attempt { () throws(StoreError) in try catalog.repair() }
                catalogRepairs = moved.map { "catalog: moved \($0) to store/quarantine/; peers send the lost entries again by reconciliation" }
            }
            // The index is a cache of the log: one that disagrees is rebuilt (nothing is lost).
            let indexProblem = try attempt { () throws(StoreError) in try packages.checkCatalogIndex() }
            if let indexProblem { cleaned.append("catalog index: \(indexProblem); rebuilt from the catalog log") }
            let bar = ProgressBar(console: context.console, label: "fsck", total: nil, enabled: !context.isJSON)
            defer { bar.finish() }
            let report = try attempt { () throws(StoreError) in
                try store.fsck(repair: isRepairing, progress: { done, _ in bar.update(done) })
            }
            bar.finish()
            cleaned += report.cleaned
            // Packages that lost a file (removed by hand, or quarantined as corrupt): fetch brings them back.
            let incomplete = packages.incompletePackages()
            let packageProblems = incomplete.keys.sorted().map { package in
                "package \(package.hex) is missing \(incomplete[package]?.count ?? 0) blob\(incomplete[package]?.count == 1 ? "" : "s") "
                    + "(\(incomplete[package]?.prefix(3).map(\.hex).joined(separator: ", ") ?? "")); 'allmende fetch \(package.hex)' gets them again"
            }
            var catalogProblems = damage.map { "catalog: \($0) (records there are skipped; every other record is kept)" }
            if badEntries > 0 { catalogProblems.append("catalog: \(badEntries) entries whose signature does not verify (revoked keys or damage)") }
            let isStoreRepaired = !report.repairs.isEmpty && report.repairs.count == report.problems.count
            let isCatalogClean = damage.isEmpty || catalogRepairs.count == damage.count
            let isClean = (report.isClean || isStoreRepaired) && isCatalogClean && packageProblems.isEmpty
            if context.isJSON {
                context.printJSON([
                    "blobsChecked": .integer(report.blobsChecked), "bytesChecked": .integer(report.bytesChecked),
                    "partialFetches": .integer(report.partialFetches),
                    "problems": .array(report.problems.map { ["kind": .string($0.kind), "message": .string($0.description)] }),
                    "repairs": .array((report.repairs + catalogRepairs).map { .string($0) }), "clean": .bool(report.isClean && damage.isEmpty && packageProblems.isEmpty),
                    "cleaned": .array(cleaned.map { .string($0) }),
                    "catalogEntries": .integer(entries.count), "catalogIndexRebuilt": .bool(indexProblem != nil), "catalogProblems": .array(catalogProblems.map { .string($0) }),
                    "catalogDamage": .array(damage.map { ["offset": .integer($0.offset), "length": .integer($0.length)] }),
                    "incompletePackages": .array(incomplete.keys.sorted().map { package in
                        ["package": .string(package.hex), "missing": .array((incomplete[package] ?? []).map { .string($0.hex) })]
                    }),
                ])
            } else {
                for problem in report.problems { context.console.line(problem.description) }
                for problem in catalogProblems + packageProblems { context.console.line(problem) }
                for repair in report.repairs + catalogRepairs { context.console.line("repaired: " + repair) }
                for line in cleaned { context.console.line("cleaned: " + line) }
                if report.partialFetches > 0 {
                    context.console.line("\(report.partialFetches) interrupted fetch\(report.partialFetches == 1 ? "" : "es") in store/partial/ (fetch again to resume)")
                }
                let summary = "checked \(report.blobsChecked) blobs (\(ByteCount.format(report.bytesChecked)))"
                let problemCount = report.problems.count + damage.count + packageProblems.count
                context.console.line(problemCount == 0 ? summary + ": no problems"
                                     : summary + ": \(problemCount) problem\(problemCount == 1 ? "" : "s")")
            }
            return isClean ? ExitCode.success : ExitCode.damage
        }
    )
}
