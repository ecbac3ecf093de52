// DXFExtents.swift: AllmendeModel. How big the geometry of a DXF cutting file is, so a design's fabrication needs
// can be suggested from its cutting files when the bill of materials gives no sheet. Pure.

public enum DXFExtents {
    /// Width and height, in whole millimetres (largest first), of everything drawn in the ENTITIES section —
    /// points and ends of lines and polylines, circles and arcs by centre ± radius — in the units the HEADER's
    /// `$INSUNITS` names (millimetres when it names none). Nil when there is no geometry or the text is not DXF.
    public static func size(of text: String) -> [Int]? {
        // DXF files end lines with CRLF or LF ("\r\n" is one Character in Swift).
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }).makeIterator()
        var section = "", entity = "", wantSectionName = false, nextIsUnits = false
        var scale = 1.0
        var (minX, minY, maxX, maxY) = (Double.infinity, Double.infinity, -Double.infinity, -Double.infinity)
        var (lastX, lastY) = (0.0, 0.0)
        func include(_ x: Double, _ y: Double) {
            minX = min(minX, x); maxX = max(maxX, x); minY = min(minY, y); maxY = max(maxY, y)
        }
        while let codeLine = lines.next(), let valueLine = lines.next() {
            guard let code = Int(codeLine.trimmingSpaces) else { return nil }
            let value = valueLine.trimmingSpaces
            switch code {
            case 0:
                if value == "SECTION" { wantSectionName = true } else if value == "ENDSEC" { section = "" }
                entity = value
            case 2 where wantSectionName:
                section = value
                wantSectionName = false
            case 9:
                nextIsUnits = value == "$INSUNITS"
            case 70 where nextIsUnits && section == "HEADER":
                nextIsUnits = false
                switch Int(value) {
                case 1: scale = 25.4
                case 2: scale = 304.8
                case 5: scale = 10
                case 6: scale = 1000
                default: scale = 1
                }
            case 10 where section == "ENTITIES", 11 where section == "ENTITIES":
                lastX = Double(value) ?? lastX
            case 20 where section == "ENTITIES", 21 where section == "ENTITIES":
                lastY = Double(value) ?? lastY
                include(lastX, lastY)
            case 40 where section == "ENTITIES" && (entity == "CIRCLE" || entity == "ARC"):
                if let radius = Double(value), radius > 0 {
                    include(lastX - radius, lastY - radius)
                    include(lastX + radius, lastY + radius)
                }
            default:
                break
            }
        }
        guard minX.isFinite, maxX > minX || maxY > minY else { return nil }
        let sides = [(maxX - minX) * scale, (maxY - minY) * scale].map { Int($0.rounded()) }.filter { $0 >= 1 }.sorted(by: >)
        guard sides.count == 2, sides[0] <= 100_000 else { return nil }
        return sides
    }
}
