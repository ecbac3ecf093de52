// OKWFacility.swift: AllmendePlaces. Open Know-Where facility records to lab profile drafts and back: field by
// field where OKW has a field, every other field named in a warning. Pure.
// Spec: Protocol/lab-profile.md "Open Know-Where".

import AllmendeModel
import CanonicalJSON

public struct OKWError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

public enum OKWFacility {
    /// A profile draft read from an OKW record, and what could not be carried over.
    public struct Imported: Sendable {
        public let draft: JSONValue
        public let warnings: [String]
    }

    /// Reads an OKW record: JSON, or YAML (the block subset OKW records are published in).
    public static func parse(_ bytes: [UInt8], isYAML: Bool) throws(OKWError) -> JSONValue {
        do { return try StructuredText.parse(bytes, isYAML: isYAML) } catch { throw OKWError(message: error.description) }
    }

    /// The profile draft for an OKW facility record. Keys are matched whatever their spelling style
    /// (`facilityStatus`, `facility-status`, `facility_status`).
    public static func profile(from record: JSONValue) throws(OKWError) -> Imported {
        guard case let .object(top) = record else { throw OKWError(message: "an OKW facility record is an object (a mapping)") }
        var fields = Fields(top, path: "")
        var warnings: [String] = []
        var draft: [String: JSONValue] = [:]
        guard let name = fields.text("name") else { throw OKWError(message: "name: missing; an OKW facility needs a name") }
        draft["name"] = .string(String(name.unicodeScalars.prefix(120)))
        if name.unicodeScalars.count > 120 { warnings.append("name: cut to 120 characters") }
        if let description = fields.text("description") {
            draft["description"] = .string(String(description.unicodeScalars.prefix(4096)))
            if description.unicodeScalars.count > 4096 { warnings.append("description: cut to 4096 characters") }
        }
        if let status = fields.text("facilityStatus") {
            let value = slug(status)
            if FacilityStatus(rawValue: value) != nil { draft["facilityStatus"] = .string(value) } else {
                warnings.append("facilityStatus: '\(status)' is not Active, Planned, Temporary Closure or Closed; read as active")
            }
        }
        if let access = fields.text("accessType") {
            let value = slug(access)
            if AccessType(rawValue: value) != nil { draft["accessType"] = .string(value) } else {
                warnings.append("accessType: '\(access)' is not one of OKW's five access types; left out")
            }
        }
        if let hours = fields.text("openingHours") { draft["openingHours"] = .string(String(hours.prefix(500))) }
        switch fields.take("wheelchairAccessibility") {
        case let .bool(flag)?: draft["wheelchairAccessibility"] = .string(flag ? "yes" : "no")
        case let .string(text)? where ["true", "false"].contains(text.lowercased()): draft["wheelchairAccessibility"] = .string(text.lowercased() == "true" ? "yes" : "no")
        case let .string(text)?: draft["wheelchairAccessibility"] = .string(String(text.prefix(500)))
        default: break
        }
        try readLocation(&fields, into: &draft, warnings: &warnings)
        readContact(&fields, into: &draft, warnings: &warnings)
        try readEquipment(&fields, into: &draft, warnings: &warnings)
        var processes: [String] = []
        for (index, item) in fields.list("manufacturingProcesses").enumerated() {
            guard let text = item.stringValue ?? Fields(item).peekText("manufacturingProcess") else { continue }
            if let process = process(from: text) { if !processes.contains(process.rawValue) { processes.append(process.rawValue) } } else {
                warnings.append("manufacturingProcesses[\(index)]: '\(text)' has no Allmende process; left out")
            }
        }
        if !processes.isEmpty { draft["manufacturingProcesses"] = .array(processes.map { .string($0) }) }
        let materials = fields.list("typicalMaterials").compactMap(materialName)
        if !materials.isEmpty { draft["typicalMaterials"] = .array(materials.prefix(64).map { .string($0) }) }
        var services: [String] = []
        var serviceTexts = fields.list("services")
        let spaceKey = fields.written("innovationSpace")
        if case let .object(space)? = fields.take("innovationSpace") {
            var inner = Fields(space, path: spaceKey + ".")
            serviceTexts += inner.list("services")
            for key in inner.unread { warnings.append("\(spaceKey).\(key): not mapped (Allmende profiles have no such field)") }
        }
        for item in serviceTexts {
            guard let text = item.stringValue else { continue }
            if let service = service(from: text) { if !services.contains(service.rawValue) { services.append(service.rawValue) } } else {
                warnings.append("services: '\(text)' is none of: \(LabService.allCases.map(\.rawValue).joined(separator: ", ")); left out")
            }
        }
        if !services.isEmpty { draft["services"] = .array(services.map { .string($0) }) }
        for key in fields.unread { warnings.append("\(key): not mapped (Allmende profiles have no such field)") }
        return Imported(draft: .object(draft), warnings: warnings)
    }

    // MARK: Parts of a record

    private static func readLocation(_ fields: inout Fields, into draft: inout [String: JSONValue], warnings: inout [String]) throws(OKWError) {
        guard case let .object(members)? = fields.take("location") else {
            throw OKWError(message: "location: missing; give at least location.address.city and .country so makers can find the lab")
        }
        var location = Fields(members, path: "location.")
        var address = Fields([:], path: "location.address.")
        if case let .object(inner)? = location.take("address") { address = Fields(inner, path: "location.address.") }
        let coordinatesKey = location.written("gpsCoordinates")
        var out: [String: JSONValue] = [:]
        if let city = address.text("city") { out["city"] = .string(city) }
        if let region = address.text("region") { out["region"] = .string(region) }
        guard let country = address.text("country") else { throw OKWError(message: "location.address.country: missing (an ISO 3166 code such as DE, or the name)") }
        guard let code = Countries.code(for: country) else {
            throw OKWError(message: "location.address.country: '\(country)' is neither an ISO 3166 code nor a country name this node knows")
        }
        out["country"] = .string(code)
        if let coordinates = location.take("gpsCoordinates") {
            guard let (latitude, longitude) = Self.coordinates(coordinates) else {
                throw OKWError(message: "location.\(coordinatesKey): expected decimal degrees such as \"53.5511, 9.9937\"")
            }
            let rounded = ((latitude * 100).rounded() / 100, (longitude * 100).rounded() / 100)
            if rounded != (latitude, longitude) { warnings.append("location.\(coordinatesKey): rounded to 0.01° (about 1 km), as profiles keep them") }
            out["latitude"] = .string(LabLocation.text(hundredths: Int((latitude * 100).rounded())))
            out["longitude"] = .string(LabLocation.text(hundredths: Int((longitude * 100).rounded())))
        }
        for key in address.unread { warnings.append("location.address.\(key): not mapped (a profile gives city, region and country only)") }
        for key in location.unread { warnings.append("location.\(key): not mapped") }
        draft["location"] = .object(out)
    }

    private static func readContact(_ fields: inout Fields, into draft: inout [String: JSONValue], warnings: inout [String]) {
        var agents: [Fields] = []
        for key in ["contact", "owner"] {
            if case let .object(members)? = fields.take(key) { agents.append(Fields(members, path: key + ".")) }
        }
        if let website = fields.text("website") { draft["website"] = .string(website) }
        var languages = fields.list("languages")
        for var agent in agents {
            var details = agent
            if case let .object(inner)? = agent.take("contact") { details = Fields(inner, path: agent.path + "contact.") }
            if draft["email"] == nil, let email = details.text("email") ?? agent.text("email") { draft["email"] = .string(email) }
            if draft["phone"] == nil, let phone = details.text("landline") ?? details.text("mobile") ?? details.text("phone") { draft["phone"] = .string(phone) }
            if draft["website"] == nil, let website = agent.text("website") { draft["website"] = .string(website) }
            languages += agent.list("languages")
            for key in details.unread where details.path != agent.path { warnings.append("\(details.path)\(key): not mapped") }
            for key in agent.unread { warnings.append("\(agent.path)\(key): not mapped") }
        }
        var tags: [String] = []
        for case let .string(tag) in languages where !tags.contains(tag) { tags.append(tag) }
        if !tags.isEmpty { draft["languages"] = .array(tags.map { .string($0) }) }
    }

    private static func readEquipment(_ fields: inout Fields, into draft: inout [String: JSONValue], warnings: inout [String]) throws(OKWError) {
        var equipment: [JSONValue] = []
        for (index, item) in fields.list("equipment").enumerated() {
            guard case let .object(members) = item else { continue }
            var machine = Fields(members, path: "equipment[\(index)].")
            let typeText = machine.text("kind") ?? machine.text("equipmentType")
            let processText = machine.text("manufacturingProcess")
            guard let kind = typeText.flatMap(process(from:)) ?? processText.flatMap(process(from:)) else {
                warnings.append("equipment[\(index)]: '\(typeText ?? processText ?? "?")' has no Allmende process; left out")
                continue
            }
            var out: [String: JSONValue] = ["kind": .string(kind.rawValue)]
            for key in ["name", "make", "model"] { if let text = machine.text(key) { out[key] = .string(String(text.prefix(key == "name" ? 120 : 80))) } }
            if let quantity = machine.take("quantity").flatMap(number), quantity >= 1, quantity <= 10_000, quantity == quantity.rounded() { out["quantity"] = .number(quantity) }
            if let area = workingArea(&machine) { out["workingArea"] = .array(area.map { .number(Double($0)) }) }
            let materials = machine.list("materials") + machine.list("materialsWorked")
            let names = materials.compactMap(materialName)
            if !names.isEmpty { out["materials"] = .array(names.prefix(32).map { .string($0) }) }
            if let thickness = machine.text("maxThickness") { out["maxThickness"] = .string(thickness) }
            for key in machine.unread { warnings.append("equipment[\(index)].\(key): not mapped") }
            equipment.append(.object(out))
        }
        if !equipment.isEmpty { draft["equipment"] = .array(Array(equipment.prefix(64))) }
    }

    /// A working area from `workingArea`, `workingSurface`, `bedSize` or `buildVolume` ([x, y, z], "2500 x 1250",
    /// {x, y, z}) or from `xTravel`, `yTravel`, `zTravel`.
    private static func workingArea(_ machine: inout Fields) -> [Int]? {
        for key in ["workingArea", "workingSurface", "bedSize", "buildVolume"] {
            guard let value = machine.peek(key), let sides = sizes(value), (2...3).contains(sides.count) else { continue }
            _ = machine.take(key)
            return sides
        }
        let travel = ["xTravel", "yTravel", "zTravel"].compactMap { key -> Int? in
            guard let number = machine.peek(key).flatMap(number), number >= 1, number <= 100_000 else { return nil }
            _ = machine.take(key)
            return Int(number)
        }
        return travel.count >= 2 ? travel : nil
    }

    /// A number, or a string that is one (YAML's plain scalars arrive as strings).
    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case let .number(number): return number
        case let .string(text): return Double(text.trimmingSpaces)
        default: return nil
        }
    }

    static func sizes(_ value: JSONValue) -> [Int]? {
        var numbers: [Double] = []
        switch value {
        case let .array(items):
            numbers = items.compactMap(number)
            if numbers.count != items.count { return nil }
        case let .object(members): numbers = ["x", "y", "z"].compactMap { members[$0].flatMap(number) }
        case let .string(text):
            let cleaned = text.lowercased().replacingAll("mm", with: " ").replacingAll("×", with: "x").replacingAll("*", with: "x")
            numbers = cleaned.split(separator: "x").compactMap { Double($0.trimmingSpaces) }
            if numbers.count != cleaned.split(separator: "x").count { return nil }
        default: return nil
        }
        guard numbers.allSatisfy({ $0 >= 1 && $0 <= 100_000 }) else { return nil }
        return numbers.map { Int($0.rounded()) }
    }

    static func coordinates(_ value: JSONValue) -> (Double, Double)? {
        switch value {
        case let .string(text):
            let parts = text.split(separator: ",").map { Double($0.trimmingSpaces) }
            guard parts.count == 2, let latitude = parts[0], let longitude = parts[1] else { return nil }
            return abs(latitude) <= 90 && abs(longitude) <= 180 ? (latitude, longitude) : nil
        case let .array(items) where items.count == 2:
            guard let latitude = number(items[0]), let longitude = number(items[1]), abs(latitude) <= 90, abs(longitude) <= 180 else { return nil }
            return (latitude, longitude)
        case let .object(members):
            guard let latitude = (members["latitude"] ?? members["lat"]).flatMap(number),
                  let longitude = (members["longitude"] ?? members["lon"] ?? members["lng"]).flatMap(number),
                  abs(latitude) <= 90, abs(longitude) <= 180 else { return nil }
            return (latitude, longitude)
        default: return nil
        }
    }

    /// "https://en.wikipedia.org/wiki/Plywood" → "Plywood"; plain names as they are.
    static func materialName(_ value: JSONValue) -> String? {
        let text: String?
        switch value {
        case let .string(string): text = string
        case let .object(members): text = (members["materialType"] ?? members["material-type"] ?? members["name"])?.stringValue
        default: text = nil
        }
        guard let text, !text.isEmpty else { return nil }
        return String(articleName(text).prefix(80))
    }

    /// The article name of a Wikipedia URL, with spaces ("CNC router"); other text as it is.
    static func articleName(_ text: String) -> String {
        guard text.hasPrefix("http"), let slash = text.lastIndex(of: "/") else { return text }
        return String(text[text.index(after: slash)...]).replacingAll("_", with: " ").replacingAll("%28", with: "(").replacingAll("%29", with: ")")
    }

    /// Key words of processes and machines, checked in this order (3D printing before laser, routers before mills).
    static let processWords: [(words: [String], process: ManufacturingProcess)] = [
        (["router"], .cncRouting), (["3d print", "fused filament", "stereolithograph", "selective laser sintering", "additive"], .printing3D),
        (["laser"], .laserCutting), (["plasma"], .plasmaCutting), (["water jet", "waterjet"], .waterJetCutting),
        (["printed circuit", "pcb"], .pcb), (["solder", "surface mount", "electronic"], .electronicsAssembly), (["weld"], .welding),
        (["sheet metal", "press brake", "bending"], .sheetMetal), (["sew", "embroider"], .sewing), (["cast"], .casting),
        (["mill"], .cncMilling), (["lathe", "metalwork", "machining", "turning"], .metalworking),
        (["wood", "saw", "carpent", "joiner"], .woodworking), (["assembl"], .assembly),
    ]

    /// The process a Wikipedia URL, a machine name or an Allmende process name stands for.
    public static func process(from text: String) -> ManufacturingProcess? {
        if let exact = ManufacturingProcess(rawValue: text) { return exact }
        let name = TextFold.key(articleName(text))
        return processWords.first { entry in entry.words.contains { name.contains($0) } }?.process
    }

    static func service(from text: String) -> LabService? {
        let name = TextFold.key(text)
        let table: [([String], LabService)] = [(["supervis"], .supervisedUse), (["self"], .selfService), (["course", "training", "class"], .courses),
                                               (["repair"], .repair), (["consult"], .consulting), (["order", "build", "fabrication service"], .buildsToOrder)]
        return table.first { $0.0.contains { name.contains($0) } }?.1
    }

    static func slug(_ text: String) -> String { TextFold.key(text).replacingAll(" ", with: "-") }
}

/// The members of one object, matched by key whatever the spelling style, remembering which were read.
struct Fields {
    let path: String
    private var members: [String: (key: String, value: JSONValue)] = [:]
    private var read: Set<String> = []

    init(_ members: [String: JSONValue], path: String = "") {
        self.path = path
        for (key, value) in members { self.members[Self.normal(key)] = (key, value) }
    }

    init(_ value: JSONValue) {
        if case let .object(members) = value { self.init(members) } else { self.init([:]) }
    }

    static func normal(_ key: String) -> String { String(key.lowercased().filter { $0 != "-" && $0 != "_" && $0 != " " }) }

    func peek(_ key: String) -> JSONValue? { members[Self.normal(key)]?.value }

    /// `key` as the record writes it (for messages), or as given if absent.
    func written(_ key: String) -> String { members[Self.normal(key)]?.key ?? key }

    func peekText(_ key: String) -> String? { peek(key)?.stringValue }

    mutating func take(_ key: String) -> JSONValue? {
        let normal = Self.normal(key)
        guard let found = members[normal] else { return nil }
        read.insert(normal)
        return found.value == .null ? nil : found.value
    }

    mutating func text(_ key: String) -> String? {
        guard let value = take(key) else { return nil }
        switch value {
        case let .string(text): return text.trimmingSpaces.isEmpty ? nil : text.trimmingSpaces
        case let .number(number): return number == number.rounded() ? String(Int(number)) : String(number)
        default: return nil
        }
    }

    /// A list, or one value as a list of one.
    mutating func list(_ key: String) -> [JSONValue] {
        switch take(key) {
        case let .array(items)?: return items
        case let value?: return [value]
        case nil: return []
        }
    }

    /// Keys present but not read, as written.
    var unread: [String] { members.filter { !read.contains($0.key) }.map(\.value.key).sorted() }
}
