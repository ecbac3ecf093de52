// FabricationSuggestion.swift: AllmendeModel. What a design's fabrication needs probably are, read from its bill
// of materials ("2440 x 1220 x 18 mm" plywood sheet → cnc-routing, 2440 × 1220 mm, 18 mm) and its processes, so
// `publish --check` can offer the `fabrication` field instead of asking for it. Pure.

public enum FabricationSuggestion {
    /// Processes that cut parts out of sheets: the part's envelope is the sheet's face, the thickness its third side.
    static let sheetProcesses: Set<ManufacturingProcess> = [.cncRouting, .laserCutting, .waterJetCutting, .plasmaCutting, .sheetMetal]
    /// Processes that machine a part out of a blank: the envelope is the blank's three sides. (Metalworking, casting
    /// and 3D printing make parts a bill of materials does not size.)
    static let blockProcesses: Set<ManufacturingProcess> = [.cncMilling]

    /// Needs for the design's `processes` that its `fabrication` does not name, from the BOM line that fits each:
    /// the largest sheet (a side of at most 60 mm) for sheet processes, the largest blank (three sides over 10 mm,
    /// at most 1 m, not that sheet) for block processes. Processes nothing in the BOM fits are left out.
    public static func needs(for info: DesignInfo) -> [(need: FabricationNeed, from: BOMLine)] {
        needs(for: info, drawings: []).compactMap { item in item.from.map { (item.need, $0) } }
    }

    /// As `needs(for:)`, and for sheet processes the BOM gives no sheet for, the largest of `drawings` (cutting
    /// files and the size of what they draw, e.g. from `DXFExtents`): the part is the file, its size the drawing's.
    public static func needs(for info: DesignInfo, drawings: [(path: String, size: [Int])]) -> [(need: FabricationNeed, from: BOMLine?, drawing: String?)] {
        let named = Set(info.fabrication.map(\.process))
        let sized = info.bom.compactMap { line in dimensions(line.dimensions ?? "").map { (line, $0) } }
        let sheets = sized.filter { $0.1.count == 3 && $0.1.min()! <= 60 }.sorted { area($0.1) > area($1.1) }
        var found: [(FabricationNeed, BOMLine?, String?)] = []
        let largestDrawing = drawings.filter { $0.size.count == 2 }.max { area($0.size) < area($1.size) }
        // A blank to machine: three sides, thicker than 10 mm, at most a metre long, not the sheet a cutting process
        // uses; the largest first.
        let usedSheet = info.processes.contains { sheetProcesses.contains($0) && !named.contains($0) } ? sheets.first?.0 : nil
        let blocks = sized.filter { $0.1.count == 3 && $0.1.min()! > 10 && $0.1.max()! <= 1000 && $0.0 != usedSheet }
            .sorted { $0.1.reduce(1, *) > $1.1.reduce(1, *) }
        for process in info.processes where !named.contains(process) {
            let isSheet = sheetProcesses.contains(process)
            if isSheet, sheets.isEmpty, let drawing = largestDrawing {
                found.append((FabricationNeed(process: process, part: String(drawing.path.prefix(120)), size: Millimetres(drawing.size)), nil, drawing.path))
                continue
            }
            guard isSheet || blockProcesses.contains(process), let (line, sides) = (isSheet ? sheets : blocks).first else { continue }
            let sorted = sides.sorted(by: >)
            let size = isSheet ? Millimetres(Array(sorted.prefix(2))) : Millimetres(sorted)
            var need = FabricationNeed(process: process, part: String(line.item.prefix(120)), size: size)
            need.material = line.material.map { String($0.split(separator: ",").first ?? "").trimmingSpaces }.flatMap { $0.isEmpty ? nil : String($0.prefix(80)) }
            if isSheet { need.thickness = DecimalAmount(sorted[2]) }
            found.append((need, line, nil))
        }
        return found
    }

    static func area(_ sides: [Int]) -> Int { let sorted = sides.sorted(by: >); return sorted[0] * sorted[1] }

    /// Whole millimetres from "2440 x 1220 x 18 mm", "125×125×16", "2.44 x 1.22 m", "250 x 20 cm"; nil if it is not
    /// two or three sizes with one unit (mm when none is given).
    public static func dimensions(_ text: String) -> [Int]? {
        var lower = text.lowercased().replacingAll("×", with: "x").replacingAll("*", with: "x")
        var scale = 1.0
        for (unit, factor) in [("mm", 1.0), ("cm", 10.0), ("m", 1000.0)] where lower.hasSuffix(unit) {
            lower = String(lower.dropLast(unit.count))
            scale = factor
            break
        }
        let parts = lower.split(separator: "x").map { $0.trimmingSpaces.replacingAll(",", with: ".") }
        guard (2...3).contains(parts.count) else { return nil }
        var sides: [Int] = []
        for part in parts {
            guard let value = Double(part), value > 0 else { return nil }
            let millimetres = (value * scale).rounded()
            guard millimetres >= 1, millimetres <= 100_000 else { return nil }
            sides.append(Int(millimetres))
        }
        return sides
    }
}
