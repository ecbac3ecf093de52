// BOMCSV.swift: AllmendeModel. RFC 4180 CSV of a (rolled-up) bill of materials that spreadsheets open as-is. Pure.

/// Writes BOMs as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they contain a comma, quote
/// or line break (quotes doubled). Text that a spreadsheet would run as a formula (starting with `=`, `+`,
/// `-`, `@`) is prefixed with `'` so a shared BOM cannot execute anything.
public enum BOMCSV {
    static let header = ["item", "quantity", "unit", "material", "dimensions", "source", "unit cost", "currency", "line cost",
                         "sub-assembly of", "package", "notes"]

    /// CSV for a roll-up (quantities are totals for all builds).
    public static func csv(_ rollup: BOMRollup) -> String {
        var rows = [header]
        for entry in rollup.lines {
            let line = entry.line
            rows.append([text(line.item), entry.total.description, line.unit.rawValue, text(line.material), text(line.dimensions),
                         text(line.source), line.unitCost?.amount.description ?? "", line.unitCost?.currency ?? "",
                         entry.cost?.rounded(toDigits: 2) ?? "", text(entry.via.joined(separator: " > ")),
                         line.package?.hex ?? "", text(line.notes)])
        }
        return rows.map { $0.map(field).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes a field when RFC 4180 requires it.
    static func field(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Neutralises formula-looking text.
    static func text(_ value: String?) -> String {
        guard let value, let first = value.first else { return "" }
        return "=+-@\t\r".contains(first) ? "'" + value : value
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        split(separator: Character(target), omittingEmptySubsequences: false).joined(separator: replacement)
    }
}
