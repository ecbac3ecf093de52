// Fabrication.swift: AllmendeModel. What a design needs to be made (per process: part size, material,
// thickness) and what a lab's machine can do (working area, materials, thickness). Pure.
// Spec: Protocol/manifest.md "fabrication", Protocol/lab-profile.md "Equipment".

import CanonicalJSON

/// A size in whole millimetres: length × width, optionally × height (working areas, part envelopes).
public struct Millimetres: Equatable, Sendable, CustomStringConvertible {
    /// 1 to 3 dimensions, each 1 … 100,000 mm.
    public let dimensions: [Int]

    public init?(_ dimensions: [Int]) {
        guard (1...3).contains(dimensions.count), dimensions.allSatisfy({ (1...100_000).contains($0) }) else { return nil }
        self.dimensions = dimensions
    }

    public var description: String { dimensions.map(String.init).joined(separator: " × ") + " mm" }

    /// True if a part of `self` fits `area`, turned in the plane if needed (the two largest sides compared in
    /// order; a third side, when both give one, compared as is).
    public func fits(in area: Millimetres) -> Bool {
        let part = Array(dimensions.prefix(2)).sorted(by: >), bed = Array(area.dimensions.prefix(2)).sorted(by: >)
        for (index, side) in part.enumerated() {
            guard index < bed.count else { return false }
            if side > bed[index] { return false }
        }
        if dimensions.count == 3, area.dimensions.count == 3, dimensions[2] > area.dimensions[2] { return false }
        return true
    }

    var json: JSONValue { .array(dimensions.map { .number(Double($0)) }) }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> Millimetres {
        guard case let .array(items) = value, (1...3).contains(items.count) else {
            throw .invalidField(path: path, reason: "expected 1 to 3 sizes in whole millimetres, e.g. [2440, 1220]")
        }
        var sides: [Int] = []
        for item in items {
            guard case let .number(number) = item, number == number.rounded(), number >= 1, number <= 100_000 else {
                throw .invalidField(path: path, reason: "each size is a whole number of millimetres from 1 to 100000")
            }
            sides.append(Int(number))
        }
        return Millimetres(sides)!
    }
}

/// A thickness in millimetres, written as a decimal string ("18", "1.5").
func parseThickness(_ text: String, path: String) throws(ModelError) -> DecimalAmount {
    guard let amount = DecimalAmount(parsing: text), amount > .zero, amount <= DecimalAmount(10_000) else {
        throw .invalidField(path: path, reason: "'\(text)' is not a thickness in millimetres such as \"18\" or \"1.5\"")
    }
    return amount
}

/// One thing a design needs made: a process, and optionally the part's envelope, material and thickness.
public struct FabricationNeed: Equatable, Sendable, CustomStringConvertible {
    public var process: ManufacturingProcess
    /// What is made this way ("wall panels").
    public var part: String?
    /// The largest part's envelope.
    public var size: Millimetres?
    /// The material ("plywood").
    public var material: String?
    /// Material thickness in mm.
    public var thickness: DecimalAmount?

    public init(process: ManufacturingProcess, part: String? = nil, size: Millimetres? = nil, material: String? = nil, thickness: DecimalAmount? = nil) {
        self.process = process
        self.part = part
        self.size = size
        self.material = material
        self.thickness = thickness
    }

    /// "cnc-routing (wall panels) 2440 × 1220 mm plywood 18 mm thick".
    public var description: String {
        var parts = [process.rawValue]
        if let part { parts.append("(\(part))") }
        if let size { parts.append(size.description) }
        if let material { parts.append(material) }
        if let thickness { parts.append("\(thickness) mm thick") }
        return parts.joined(separator: " ")
    }

    /// At most this many needs per design.
    public static let maximumCount = 20

    /// The need as the manifest writes it.
    public var jsonValue: JSONValue { json }

    var json: JSONValue {
        var members: [String: JSONValue] = ["process": .string(process.rawValue)]
        if let part { members["part"] = .string(part) }
        if let size { members["size"] = size.json }
        if let material { members["material"] = .string(material) }
        if let thickness { members["thickness"] = .string(thickness.description) }
        return .object(members)
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> FabricationNeed {
        var reader = try JSONObjectReader(value, path: path)
        var need = FabricationNeed(process: try readProcess(&reader, "process"))
        need.part = try reader.optionalString("part", maximumLength: 120)
        if let size = reader.value("size") { need.size = try Millimetres.parse(size, path: reader.fieldPath("size")) }
        need.material = try reader.optionalString("material", maximumLength: 80)
        if reader.peek("thickness") != nil {
            need.thickness = try parseThickness(try reader.decimalString("thickness", maximumLength: 16), path: reader.fieldPath("thickness"))
        }
        try reader.rejectUnknownKeys()
        return need
    }
}

/// Reads a process name from the fixed vocabulary, naming the choices in the error.
func readProcess(_ reader: inout JSONObjectReader, _ key: String) throws(ModelError) -> ManufacturingProcess {
    let text = try reader.string(key, maximumLength: 40)
    return try process(named: text, path: reader.fieldPath(key))
}

func process(named text: String, path: String) throws(ModelError) -> ManufacturingProcess {
    guard let process = ManufacturingProcess(rawValue: text) else {
        throw .invalidField(path: path, reason: "'\(text)' is not one of: \(ManufacturingProcess.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return process
}

/// A machine or workstation of a lab.
public struct Equipment: Equatable, Sendable {
    /// What it does, in the manifest's process vocabulary.
    public var kind: ManufacturingProcess
    /// What the lab calls it ("CNC router").
    public var name: String?
    public var make: String?
    public var model: String?
    /// How many the lab has (1 if not said).
    public var quantity: Int?
    /// Bed, working surface or build volume.
    public var workingArea: Millimetres?
    /// Materials it takes ("plywood", "MDF"); empty = not said.
    public var materials: [String] = []
    /// Thickest material it takes, in mm.
    public var maxThickness: DecimalAmount?

    public init(kind: ManufacturingProcess, name: String? = nil, workingArea: Millimetres? = nil, materials: [String] = [], maxThickness: DecimalAmount? = nil) {
        self.kind = kind
        self.name = name
        self.workingArea = workingArea
        self.materials = materials
        self.maxThickness = maxThickness
    }

    /// "CNC router (Felder F4, 3100 × 2100 mm)".
    public var label: String {
        let what = name ?? kind.rawValue
        let makeModel = [make, model].compactMap { $0 }.joined(separator: " ")
        let details = [makeModel.isEmpty ? nil : makeModel, workingArea?.description].compactMap { $0 }
        return details.isEmpty ? what : "\(what) (\(details.joined(separator: ", ")))"
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["kind": .string(kind.rawValue)]
        if let name { members["name"] = .string(name) }
        if let make { members["make"] = .string(make) }
        if let model { members["model"] = .string(model) }
        if let quantity { members["quantity"] = .number(Double(quantity)) }
        if let workingArea { members["workingArea"] = workingArea.json }
        if !materials.isEmpty { members["materials"] = .array(materials.map { .string($0) }) }
        if let maxThickness { members["maxThickness"] = .string(maxThickness.description) }
        return .object(members)
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> Equipment {
        var reader = try JSONObjectReader(value, path: path)
        var equipment = Equipment(kind: try readProcess(&reader, "kind"))
        equipment.name = try reader.optionalString("name", maximumLength: 120)
        equipment.make = try reader.optionalString("make", maximumLength: 80)
        equipment.model = try reader.optionalString("model", maximumLength: 80)
        if reader.peek("quantity") != nil {
            equipment.quantity = try reader.integer("quantity", maximum: 10_000)
            guard equipment.quantity! >= 1 else { throw .invalidField(path: reader.fieldPath("quantity"), reason: "must be at least 1") }
        }
        if let area = reader.value("workingArea") { equipment.workingArea = try Millimetres.parse(area, path: reader.fieldPath("workingArea")) }
        equipment.materials = try reader.array("materials", maximumCount: 32) { (value, path) throws(ModelError) in
            try stringElement(value, path: path, maximumLength: 80)
        }
        if reader.peek("maxThickness") != nil {
            equipment.maxThickness = try parseThickness(try reader.decimalString("maxThickness", maximumLength: 16),
                                                        path: reader.fieldPath("maxThickness"))
        }
        try reader.rejectUnknownKeys()
        return equipment
    }
}
