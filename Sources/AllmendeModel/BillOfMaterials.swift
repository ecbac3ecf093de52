// BillOfMaterials.swift: AllmendeModel. BOM lines: item, quantity, unit, material, cost, sub-assembly. Pure.

import AllmendeCrypto
import CanonicalJSON

/// Units a BOM quantity may use: pieces and SI units.
public enum BOMUnit: String, CaseIterable, Sendable {
    case pieces = "pcs", meter = "m", centimeter = "cm", millimeter = "mm", squareMeter = "m2", cubicMeter = "m3",
         kilogram = "kg", gram = "g", tonne = "t", liter = "l", milliliter = "ml", sheet, set

    /// Parses a unit as people write it: "pcs", "pc", "piece(s)", "m²", "m^2", "m³", "L", "kg".
    public init?(parsing text: String) {
        let aliases: [String: BOMUnit] = ["pc": .pieces, "piece": .pieces, "pieces": .pieces, "stk": .pieces, "stk.": .pieces,
                                          "stück": .pieces, "st.": .pieces, "stck": .pieces, "m²": .squareMeter,
                                          "m^2": .squareMeter, "sqm": .squareMeter, "qm": .squareMeter, "m³": .cubicMeter, "m^3": .cubicMeter,
                                          "sheets": .sheet, "platte": .sheet, "platten": .sheet, "sets": .set, "satz": .set,
                                          "litre": .liter, "liter": .liter, "meter": .meter, "metre": .meter, "kilogramm": .kilogram,
                                          "gramm": .gram]
        let key = text.trimmingCharacters(in: " ").lowercased()
        guard let unit = BOMUnit(rawValue: key) ?? aliases[key] else { return nil }
        self = unit
    }
}

extension BOMUnit {
    /// What to write instead of an imperial unit.
    static func imperialHint(_ text: String) -> String? {
        let hints = ["in": "write mm (1 in = 25.4 mm)", "inch": "write mm (1 in = 25.4 mm)", "inches": "write mm (1 in = 25.4 mm)",
                     "\"": "write mm (1 in = 25.4 mm)", "ft": "write m (1 ft = 0.3048 m)", "foot": "write m (1 ft = 0.3048 m)",
                     "feet": "write m (1 ft = 0.3048 m)", "lb": "write kg (1 lb = 0.4536 kg)", "lbs": "write kg (1 lb = 0.4536 kg)",
                     "oz": "write g (1 oz = 28.35 g)", "gal": "write l (1 US gal = 3.785 l)", "yd": "write m (1 yd = 0.9144 m)"]
        return hints[text.trimmingCharacters(in: " ").lowercased()]
    }
}

/// A price per unit in one currency (ISO 4217 code such as EUR).
public struct UnitCost: Equatable, Sendable {
    public var amount: DecimalAmount
    public var currency: String

    public init(amount: DecimalAmount, currency: String) {
        self.amount = amount
        self.currency = currency
    }
}

/// One line of a bill of materials.
public struct BOMLine: Equatable, Sendable {
    /// What it is ("Structural plywood 18 mm", "M8 x 60 bolt").
    public var item: String
    /// How many, per build of this package (greater than 0).
    public var quantity: DecimalAmount
    public var unit: BOMUnit
    public var material: String?
    /// Free-text dimensions ("2440 x 1220 x 18 mm").
    public var dimensions: String?
    /// Supplier or source ("any timber merchant", a URL).
    public var source: String?
    public var unitCost: UnitCost?
    public var notes: String?
    /// Another design package this line is a sub-assembly of.
    public var package: ContentID?

    public init(item: String, quantity: DecimalAmount, unit: BOMUnit, material: String? = nil, dimensions: String? = nil,
                source: String? = nil, unitCost: UnitCost? = nil, notes: String? = nil, package: ContentID? = nil) {
        self.item = item
        self.quantity = quantity
        self.unit = unit
        self.material = material
        self.dimensions = dimensions
        self.source = source
        self.unitCost = unitCost
        self.notes = notes
        self.package = package
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> BOMLine {
        var reader = try JSONObjectReader(value, path: path)
        let item = try reader.string("item", maximumLength: 200)
        let quantity = try Self.quantity(try reader.decimalString("quantity", maximumLength: 20), path: reader.fieldPath("quantity"))
        let unitText = try reader.string("unit", maximumLength: 16)
        guard let unit = BOMUnit(parsing: unitText) else {
            let imperial = BOMUnit.imperialHint(unitText).map { "; \($0)" } ?? ""
            throw .invalidField(path: reader.fieldPath("unit"),
                                reason: "'\(unitText)' is not a unit\(imperial); use one of \(BOMUnit.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var line = BOMLine(item: item, quantity: quantity, unit: unit)
        line.material = try reader.optionalString("material", maximumLength: 200)
        line.dimensions = try reader.optionalString("dimensions", maximumLength: 200)
        line.source = try reader.optionalString("source", maximumLength: 500)
        line.notes = try reader.optionalString("notes", maximumLength: 2000)
        if let cost = reader.value("unitCost") {
            var costReader = try JSONObjectReader(cost, path: reader.fieldPath("unitCost"))
            let amountText = try costReader.decimalString("amount", maximumLength: 20)
            guard let amount = DecimalAmount(parsing: amountText) else {
                throw .invalidField(path: costReader.fieldPath("amount"), reason: "'\(amountText)' is not a decimal amount such as 38.50")
            }
            let symbols = ["€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY", "CHF.": "CHF", "Fr.": "CHF", "euro": "EUR", "Euro": "EUR"]
            if case let .string(symbol)? = costReader.peek("currency"), let code = symbols[symbol.trimmingCharacters(in: " ")] {
                throw .invalidField(path: costReader.fieldPath("currency"), reason: "write \(code) (the ISO 4217 code), not '\(symbol)'")
            }
            let currency = try costReader.string("currency", maximumLength: 3, minimumLength: 3)
            guard currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                let upper = currency.uppercased()
                let hint = upper.allSatisfy({ $0.isASCII && $0.isLetter }) ? "write \(upper)" : "use an ISO 4217 code such as EUR"
                throw .invalidField(path: costReader.fieldPath("currency"), reason: "'\(currency)' is not an ISO 4217 code; \(hint)")
            }
            try costReader.rejectUnknownKeys()
            line.unitCost = UnitCost(amount: amount, currency: currency)
        }
        if reader.value("package") != nil { line.package = try reader.contentID("package") }
        try reader.rejectUnknownKeys()
        return line
    }

    static func quantity(_ text: String, path: String) throws(ModelError) -> DecimalAmount {
        guard let quantity = DecimalAmount(parsing: text) else {
            throw .invalidField(path: path, reason: "'\(text)' is not a quantity; write a decimal number such as 2 or 0.5")
        }
        guard quantity > .zero else { throw .invalidField(path: path, reason: "must be greater than 0") }
        return quantity
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["item": .string(item), "quantity": .string(quantity.description), "unit": .string(unit.rawValue)]
        if let material { members["material"] = .string(material) }
        if let dimensions { members["dimensions"] = .string(dimensions) }
        if let source { members["source"] = .string(source) }
        if let notes { members["notes"] = .string(notes) }
        if let unitCost { members["unitCost"] = ["amount": .string(unitCost.amount.description), "currency": .string(unitCost.currency)] }
        if let package { members["package"] = .string(package.hex) }
        return .object(members)
    }
}

extension String {
    func trimmingCharacters(in set: Character) -> String {
        var text = Substring(self)
        while text.first == set { text = text.dropFirst() }
        while text.last == set { text = text.dropLast() }
        return String(text)
    }
}
