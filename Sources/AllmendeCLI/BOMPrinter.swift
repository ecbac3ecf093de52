// BOMPrinter.swift: AllmendeCLI. A rolled-up bill of materials as a table or JSON.

import AllmendeCrypto
import AllmendeModel
import AllmendeStore
import CanonicalJSON

enum BOMPrinter {
    static func print(_ rollup: BOMRollup, title: String, console: Console) {
        console.line("\(title): bill of materials for \(rollup.builds) build\(rollup.builds == 1 ? "" : "s")")
        console.line("")
        for entry in rollup.lines {
            let cost = entry.cost.map { "  \($0.rounded(toDigits: 2)) \(entry.line.unitCost?.currency ?? "")" } ?? ""
            let via = entry.via.isEmpty ? "" : "  (in " + entry.via.joined(separator: " > ") + ")"
            console.line("  " + PackageReport.pad(entry.total.description, 9) + PackageReport.pad(entry.line.unit.rawValue, 6)
                         + entry.line.item + (entry.line.dimensions.map { ", \($0)" } ?? "") + cost + via)
        }
        console.line("")
        console.line("totals by material:")
        for total in rollup.materialTotals {
            console.line("  " + PackageReport.pad(total.quantity.description, 9) + PackageReport.pad(total.unit.rawValue, 6)
                         + (total.material.isEmpty ? "(no material given)" : total.material))
        }
        console.line("")
        let costs = rollup.costTotals.sorted { $0.key < $1.key }.map { "\($0.value.rounded(toDigits: 2)) \($0.key)" }
        console.line("cost: " + (costs.isEmpty ? "no prices given" : costs.joined(separator: " + "))
                     + (rollup.linesWithoutCost > 0 ? " (\(rollup.linesWithoutCost) line(s) without a price)" : ""))
    }

    static func json(_ rollup: BOMRollup, id: ContentID) -> JSONValue { PackageJSON.bom(rollup, id: id) }
}
