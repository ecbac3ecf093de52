// BOMCSV.swift: AllmendeModel. RFC 4180 CSV of a (rolled-up) bill of materials that spreadsheets open as-is. Pure.

/// Writes BOMs as RFC 4180 CSV: a header row, CRLF line ends, fields quoted when they contain the separator, a
/// quote or a line break (quotes doubled), and a totals row per currency. Text that a spreadsheet would run as
/// a formula (starting with `=`, `+`, `-`, `@`) is prefixed with `'` so a shared BOM cannot execute anything.
public enum BOMCSV {
    /// How numbers and fields are written, for the spreadsheet that opens the file.
    public enum Locale: String, CaseIterable, Sendable {
        /// Comma between fields, decimal point (RFC 4180 as written).
        case english = "en"
        /// Semicolon between fields, decimal comma: what German spreadsheets open as columns.
        case german = "de"

        var separator: String { self == .english ? "," : ";" }
    }

    static let header = ["item", "quantity", "unit", "material", "dimensions", "source", "unit cost", "currency", "line cost",
                         "sub-assembly of", "package", "notes"]

    /// CSV for a roll-up (quantities are totals for all builds). The package column names the line's own
    /// sub-assembly package, or for an expanded line the sub-assembly it came from.
    public static func csv(_ rollup: BOMRollup, locale: Locale = .english) -> String {
        func number(_ text: String) -> String { locale == .german ? text.replacingOccurrences(of: ".", with: ",") : text }
        var rows = [header]
        for entry in rollup.lines {
            let line = entry.line
            rows.append([text(line.item), number(entry.total.description), line.unit.rawValue, text(line.material), text(line.dimensions),
                         text(line.source), number(line.unitCost?.amount.description ?? ""), line.unitCost?.currency ?? "",
                         number(entry.cost?.rounded(toDigits: 2) ?? ""), text(entry.via.joined(separator: " > ")),
                         (line.package ?? entry.from)?.hex ?? "", text(line.notes)])
        }
        for (currency, total) in rollup.costTotals.sorted(by: { $0.key < $1.key }) {
            let missing = rollup.linesWithoutCost == 0 ? "" : "\(rollup.linesWithoutCost) line(s) without a price not included"
            rows.append(["total", "", "", "", "", "", "", currency, number(total.rounded(toDigits: 2)), "", "", missing])
        }
        return rows.map { $0.map { field($0, separator: locale.separator) }.joined(separator: locale.separator) }.joined(separator: "\r\n") + "\r\n"
    }

    /// Quotes a field when RFC 4180 requires it.
    static func field(_ value: String, separator: String = ",") -> String {
        guard value.contains(where: { String($0) == separator || $0 == "\"" || $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) else { return value }
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
