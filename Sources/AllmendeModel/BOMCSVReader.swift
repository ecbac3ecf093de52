// BOMCSVReader.swift: AllmendeModel. A bill of materials from the spreadsheet a lab already has (bom.csv):
// RFC 4180 fields, comma or semicolon separated, English or German column names. Pure.

/// Reads BOM lines from CSV text; lines it cannot use are named in `warnings`, never silently dropped.
public enum BOMCSVReader {
    /// Column names (lower case) people use, by the BOM field they mean.
    static let columns: [String: String] = [
        "item": "item", "name": "item", "part": "item", "description": "item", "bezeichnung": "item", "teil": "item", "artikel": "item",
        "quantity": "quantity", "qty": "quantity", "count": "quantity", "menge": "quantity", "anzahl": "quantity", "stückzahl": "quantity",
        "unit": "unit", "einheit": "unit", "material": "material", "werkstoff": "material",
        "dimensions": "dimensions", "size": "dimensions", "abmessungen": "dimensions", "maße": "dimensions",
        "source": "source", "supplier": "source", "vendor": "source", "lieferant": "source", "bezugsquelle": "source",
        "unit cost": "cost", "price": "cost", "cost": "cost", "unit price": "cost", "preis": "cost", "stückpreis": "cost", "einzelpreis": "cost",
        "currency": "currency", "währung": "currency", "notes": "notes", "note": "notes", "comment": "notes", "bemerkung": "notes",
    ]

    /// The BOM lines of `text`, and what could not be read (with row numbers, counting the header as row 1).
    public static func read(_ text: String) -> (lines: [BOMLine], warnings: [String]) {
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let firstLine = body.prefix { $0 != "\n" && $0 != "\r\n" }
        let separator: Character = firstLine.filter { $0 == ";" }.count > firstLine.filter { $0 == "," }.count ? ";" : ","
        let rows = records(body, separator: separator)
        guard let header = rows.first else { return ([], ["the file is empty"]) }
        let fields = header.map { columns[$0.trimmingCharacters(in: " ").lowercased()] }
        guard fields.contains("item"), fields.contains("quantity") else {
            return ([], ["no 'item' and 'quantity' columns (found: \(header.joined(separator: ", ")))"])
        }
        var lines: [BOMLine] = []
        var warnings: [String] = []
        for (offset, row) in rows.dropFirst().enumerated() where !row.allSatisfy({ $0.trimmingCharacters(in: " ").isEmpty }) {
            var values: [String: String] = [:]
            for (index, field) in fields.enumerated() {
                if let field, index < row.count { values[field] = row[index].trimmingCharacters(in: " ") }
            }
            func decimal(_ text: String) -> DecimalAmount? {
                DecimalAmount(parsing: separator == ";" ? text.replacingOccurrences(of: ",", with: ".") : text)
            }
            let rowNumber = offset + 2
            guard let item = values["item"], !item.isEmpty else { warnings.append("row \(rowNumber): no item"); continue }
            guard let quantity = values["quantity"].flatMap(decimal), quantity > .zero else {
                warnings.append("row \(rowNumber) (\(item)): '\(values["quantity"] ?? "")' is not a quantity")
                continue
            }
            let unitText = values["unit"].flatMap { $0.isEmpty ? nil : $0 } ?? "pcs"
            guard let unit = BOMUnit(parsing: unitText) else { warnings.append("row \(rowNumber) (\(item)): '\(unitText)' is not a unit"); continue }
            var line = BOMLine(item: String(item.prefix(200)), quantity: quantity, unit: unit)
            line.material = values["material"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            line.dimensions = values["dimensions"].flatMap { $0.isEmpty ? nil : String($0.prefix(200)) }
            line.source = values["source"].flatMap { $0.isEmpty ? nil : String($0.prefix(500)) }
            line.notes = values["notes"].flatMap { $0.isEmpty ? nil : String($0.prefix(2000)) }
            if let costText = values["cost"], !costText.isEmpty {
                let currencyText = (values["currency"] ?? "").uppercased()
                let currency = ["€": "EUR", "$": "USD", "£": "GBP"][currencyText] ?? currencyText
                if let amount = decimal(costText.filter { !"€$£ ".contains($0) }), currency.count == 3, currency.allSatisfy({ $0.isASCII && $0.isLetter }) {
                    line.unitCost = UnitCost(amount: amount, currency: currency)
                } else {
                    warnings.append("row \(rowNumber) (\(item)): price '\(costText)' \(currencyText.isEmpty ? "has no currency" : "in '\(currencyText)'") left out")
                }
            }
            lines.append(line)
        }
        return (lines, warnings)
    }

    /// RFC 4180 records: quoted fields may hold the separator, quotes (doubled) and line breaks.
    static func records(_ text: String, separator: Character) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var isQuoted = false
        var characters = text.makeIterator()
        var pending: Character? = nil
        while let character = pending ?? characters.next() {
            pending = nil
            if isQuoted {
                if character == "\"" {
                    if let next = characters.next() {
                        if next == "\"" { field.append("\"") } else { isQuoted = false; pending = next }
                    } else {
                        isQuoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == "\"" && field.isEmpty {
                isQuoted = true
            } else if character == separator {
                record.append(field)
                field = ""
            } else if character == "\n" || character == "\r\n" || character == "\r" {
                record.append(field)
                records.append(record)
                record = []
                field = ""
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        return records
    }
}
