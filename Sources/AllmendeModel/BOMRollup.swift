// BOMRollup.swift: AllmendeModel. A BOM for N builds with sub-assemblies expanded, totals per material and currency. Pure.

import AllmendeCrypto

/// Why a roll-up could not be completed.
public enum BOMRollupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A sub-assembly's package is not available locally.
    case missingSubPackage(item: String, package: ContentID, via: [String])
    /// Sub-assemblies refer back to a package already being expanded.
    case cycle([String])
    /// A quantity grew past what can be represented.
    case overflow(item: String)
    /// A sub-assembly line is not counted in pieces.
    case subAssemblyUnit(item: String, unit: String)

    public var description: String {
        switch self {
        case let .missingSubPackage(item, package, via):
            return "sub-assembly '\(item)' (package \(package.hex)) is not in the local store\(via.isEmpty ? "" : " (via \(via.joined(separator: " → ")))"); "
                + "fetch it with 'allmende fetch \(package.hex)' or roll up without expanding it"
        case let .cycle(chain):
            return "the sub-assemblies form a cycle: \(chain.joined(separator: " → "))"
        case let .overflow(item):
            return "the quantity of '\(item)' is too large to compute"
        case let .subAssemblyUnit(item, unit):
            return "sub-assembly '\(item)' is counted in \(unit); sub-assemblies must be counted in pcs"
        }
    }
}

/// One line of a rolled-up BOM.
public struct RolledUpLine: Equatable, Sendable {
    public var line: BOMLine
    /// Total quantity for all builds.
    public var total: DecimalAmount
    /// Sub-assembly titles this line came through, outermost first (empty for the package's own lines).
    public var via: [String]
    /// The sub-assembly package this line was expanded from (nil for the package's own lines).
    public var from: ContentID? = nil

    /// total × unit cost, if the line has a cost.
    public var cost: DecimalAmount? { line.unitCost.flatMap { total.multiplied(by: $0.amount) } }
}

/// A bill of materials for a number of builds, with sub-assemblies expanded.
public struct BOMRollup: Equatable, Sendable {
    public var builds: Int
    public var lines: [RolledUpLine] = []
    /// Total quantity per material and unit ("Structural plywood 18 mm" in sheets), materials without a name under "".
    public var materialTotals: [MaterialTotal] = []
    /// Total cost per ISO 4217 currency.
    public var costTotals: [String: DecimalAmount] = [:]
    /// Lines that have no unit cost (the totals leave them out).
    public var linesWithoutCost = 0

    /// Rolls up `manifest`'s BOM for `builds` builds, expanding sub-assemblies found by `resolve`.
    public init(
        manifest: DesignManifest, packageID: ContentID, builds: Int, expand: Bool = true,
        resolve: (ContentID) -> DesignManifest?
    ) throws(BOMRollupError) {
        self.builds = builds
        var stack: [(ContentID, String)] = [(packageID, manifest.info.title)]
        try add(manifest.info.bom, times: DecimalAmount(builds), via: [], stack: &stack, expand: expand, resolve: resolve)
        var totals: [MaterialKey: DecimalAmount] = [:]
        for entry in lines {
            let key = MaterialKey(material: entry.line.material ?? "", unit: entry.line.unit)
            guard let sum = (totals[key] ?? .zero).adding(entry.total) else { throw .overflow(item: entry.line.item) }
            totals[key] = sum
            if let cost = entry.cost, let currency = entry.line.unitCost?.currency {
                guard let sum = (costTotals[currency] ?? .zero).adding(cost) else { throw .overflow(item: entry.line.item) }
                costTotals[currency] = sum
            } else {
                linesWithoutCost += 1
            }
        }
        materialTotals = totals.map { MaterialTotal(material: $0.key.material, unit: $0.key.unit, quantity: $0.value) }
            .sorted { ($0.material, $0.unit.rawValue) < ($1.material, $1.unit.rawValue) }
    }

    private mutating func add(
        _ bom: [BOMLine], times: DecimalAmount, via: [String], from: ContentID? = nil, stack: inout [(ContentID, String)], expand: Bool,
        resolve: (ContentID) -> DesignManifest?
    ) throws(BOMRollupError) {
        for line in bom {
            guard let total = line.quantity.multiplied(by: times) else { throw .overflow(item: line.item) }
            guard expand, let package = line.package else {
                lines.append(RolledUpLine(line: line, total: total, via: via, from: from))
                continue
            }
            guard line.unit == .pieces || line.unit == .set else { throw .subAssemblyUnit(item: line.item, unit: line.unit.rawValue) }
            if let start = stack.firstIndex(where: { $0.0 == package }) {
                throw .cycle(stack[start...].map(\.1) + [resolve(package)?.info.title ?? line.item])
            }
            guard let sub = resolve(package) else { throw .missingSubPackage(item: line.item, package: package, via: via) }
            stack.append((package, sub.info.title))
            try add(sub.info.bom, times: total, via: via + [sub.info.title], from: package, stack: &stack, expand: expand, resolve: resolve)
            stack.removeLast()
        }
    }

    private struct MaterialKey: Hashable {
        let material: String
        let unit: BOMUnit
    }
}

/// The total quantity of one material in one unit.
public struct MaterialTotal: Equatable, Sendable {
    public var material: String
    public var unit: BOMUnit
    public var quantity: DecimalAmount

    public init(material: String, unit: BOMUnit, quantity: DecimalAmount) {
        self.material = material
        self.unit = unit
        self.quantity = quantity
    }
}
