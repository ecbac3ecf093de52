// OKWFacility+Export.swift: AllmendePlaces. A lab profile as an Open Know-Where facility record (JSON or YAML),
// so other OKW tools and maps can read it; importing the record gives the same profile back. Pure.

import AllmendeModel
import CanonicalJSON

extension OKWFacility {
    /// The Wikipedia article OKW classifies each process by.
    static let articles: [ManufacturingProcess: String] = [
        .cncMilling: "Milling_(machining)", .cncRouting: "CNC_router", .laserCutting: "Laser_cutting", .plasmaCutting: "Plasma_cutting",
        .waterJetCutting: "Water_jet_cutter", .printing3D: "3D_printing", .pcb: "Printed_circuit_board", .electronicsAssembly: "Soldering",
        .welding: "Welding", .woodworking: "Woodworking", .metalworking: "Metalworking", .sheetMetal: "Sheet_metal", .sewing: "Sewing",
        .casting: "Casting_(metalworking)", .assembly: "Assembly_line",
    ]

    static func article(_ process: ManufacturingProcess) -> JSONValue { .string("https://en.wikipedia.org/wiki/" + articles[process]!) }

    /// OKW's wording of the enumerations ("Temporary Closure", "Restricted with public hours").
    static func words(_ slug: String) -> String {
        let text = slug.replacingAll("-", with: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }

    /// The OKW record of `profile`. Fields OKW lacks travel as extensions it allows (an equipment's `name` and
    /// `maxThickness`); a working area is written as OKW's `xTravel`, `yTravel`, `zTravel` in mm.
    public static func export(_ profile: LabProfile) -> JSONValue {
        var record: [String: JSONValue] = ["name": .string(profile.name), "facilityStatus": .string(words(profile.facilityStatus.rawValue))]
        if let description = profile.description { record["description"] = .string(description) }
        if let accessType = profile.accessType { record["accessType"] = .string(words(accessType.rawValue)) }
        if let hours = profile.openingHours { record["openingHours"] = .string(hours) }
        if let wheelchair = profile.wheelchairAccessibility { record["wheelchairAccessibility"] = .string(wheelchair) }
        if let location = profile.location {
            var address: [String: JSONValue] = ["country": .string(location.country)]
            if let city = location.city { address["city"] = .string(city) }
            if let region = location.region { address["region"] = .string(region) }
            var out: [String: JSONValue] = ["address": .object(address)]
            if let latitude = location.latitudeHundredths, let longitude = location.longitudeHundredths {
                out["gpsCoordinates"] = .string(LabLocation.text(hundredths: latitude) + ", " + LabLocation.text(hundredths: longitude))
            }
            record["location"] = .object(out)
        }
        var contact: [String: JSONValue] = [:]
        var details: [String: JSONValue] = [:]
        if let email = profile.email { details["email"] = .string(email) }
        if let phone = profile.phone { details["landline"] = .string(phone) }
        if !details.isEmpty { contact["contact"] = .object(details) }
        if let website = profile.website { contact["website"] = .string(website) }
        if !profile.languages.isEmpty { contact["languages"] = .array(profile.languages.map { .string($0) }) }
        if !contact.isEmpty { record["contact"] = .object(contact) }
        if !profile.equipment.isEmpty { record["equipment"] = .array(profile.equipment.map(machine)) }
        if !profile.manufacturingProcesses.isEmpty { record["manufacturingProcesses"] = .array(profile.manufacturingProcesses.map(article)) }
        if !profile.typicalMaterials.isEmpty { record["typicalMaterials"] = .array(profile.typicalMaterials.map { .string($0) }) }
        if !profile.services.isEmpty { record["innovationSpace"] = .object(["services": .array(profile.services.map { .string($0.rawValue) })]) }
        return .object(record)
    }

    private static func machine(_ equipment: Equipment) -> JSONValue {
        var out: [String: JSONValue] = ["equipmentType": article(equipment.kind), "manufacturingProcess": article(equipment.kind)]
        if let name = equipment.name { out["name"] = .string(name) }
        if let make = equipment.make { out["make"] = .string(make) }
        if let model = equipment.model { out["model"] = .string(model) }
        if let quantity = equipment.quantity { out["quantity"] = .number(Double(quantity)) }
        if let area = equipment.workingArea {
            // OKW has travel per axis; a one-sided size has no OKW field and goes as `workingArea`.
            if area.dimensions.count >= 2 {
                for (key, side) in zip(["xTravel", "yTravel", "zTravel"], area.dimensions) { out[key] = .number(Double(side)) }
            } else {
                out["workingArea"] = .array(area.dimensions.map { .number(Double($0)) })
            }
        }
        if !equipment.materials.isEmpty { out["materialsWorked"] = .array(equipment.materials.map { .string($0) }) }
        if let thickness = equipment.maxThickness { out["maxThickness"] = .string(thickness.description) }
        return .object(out)
    }

    /// `value` as block-style YAML (strings double-quoted with JSON's escapes, which YAML shares), readable by
    /// this node's YAML reader and by any YAML 1.2 parser.
    public static func yaml(_ value: JSONValue) -> String {
        var lines: [String] = []
        write(value, indent: "", into: &lines)
        return lines.joined(separator: "\n") + "\n"
    }

    /// A scalar as JSON writes it, with DEL escaped too (JSON may leave it raw; YAML and TOML readers refuse it).
    private static func scalar(_ value: JSONValue) -> String { ((try? CanonicalEncoder.string(value)) ?? "null").replacingAll("\u{7F}", with: "\\u007F") }

    private static func write(_ value: JSONValue, indent: String, into lines: inout [String]) {
        switch value {
        case let .object(members):
            for key in CanonicalEncoder.sortedKeys(members.keys) {
                let item = members[key]!
                switch item {
                case let .object(inner) where !inner.isEmpty:
                    lines.append(indent + key + ":")
                    write(item, indent: indent + "  ", into: &lines)
                case let .array(items) where !items.isEmpty:
                    lines.append(indent + key + ":")
                    write(item, indent: indent + "  ", into: &lines)
                default:
                    lines.append(indent + key + ": " + scalar(item))
                }
            }
        case let .array(items):
            for item in items {
                if case let .object(inner) = item, !inner.isEmpty {
                    var nested: [String] = []
                    write(item, indent: indent + "  ", into: &nested)
                    // The first key goes on the dash's line.
                    lines.append(indent + "- " + nested[0].dropFirst(indent.count + 2))
                    lines += nested.dropFirst()
                } else {
                    lines.append(indent + "- " + scalar(item))
                }
            }
        default:
            lines.append(indent + scalar(value))
        }
    }
}
