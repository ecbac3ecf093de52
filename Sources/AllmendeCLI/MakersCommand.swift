// MakersCommand.swift: AllmendeCLI. `makers ID`: which labs can make a design, near a place, and why; `labs`:
// the directory of lab profiles. Both work from the catalog, before anything is fetched.
// Spec: Protocol/lab-profile.md "Who can make this".

import AllmendeCrypto
import AllmendeModel
import AllmendePlaces
import AllmendeStore
import CanonicalJSON

enum MakersCommand {
    static let nearOption = OptionSpec(name: "--near", valueName: "PLACE",
                                       help: "a city (\"Hamburg\", \"Frankfurt, DE\", \"München\") or coordinates \"53.55,9.99\"")
    static let withinOption = OptionSpec(name: "--within", valueName: "KM", help: "only labs at most this far from --near")
    static let explainOption = OptionSpec(name: "--explain", help: "say for every lab why it is in or out, need by need")
    static let processOption = OptionSpec(name: "--process", valueName: "PROCESS", help: "only labs that do this process (e.g. cnc-routing)")

    static let spec = CommandSpec(
        name: "makers",
        summary: "which labs can make a design: machines big enough, materials, distance, builds",
        discussion: """
        Holds the design's fabrication needs (per process: part size, material, thickness; or just its processes)
        against every lab profile this node knows, and lists the labs that cover them all: labs that attested
        building this design or one of its versions first, then the most fully covered, then the nearest, then the
        most open. Works from the catalog before anything is fetched.
        """,
        options: [nearOption, withinOption, explainOption],
        arguments: ArgumentsSpec(display: "ID", minimum: 1, maximum: 1),
        epilogue: """
        example: allmende makers 3f2a --near Hamburg
        example: allmende makers 3f2a --near "Frankfurt, DE" --within 100 --explain
        example: allmende makers 3f2a --near 53.55,9.99 --json
        """,
        run: { context in
            let store = try context.packageStore()
            let id = try context.resolvePackage(context.arguments.positional[0], in: store)
            guard let listing = store.catalogListing(id) else { throw CLIError.failure("\(id.shortHex()) is not in the catalog: no publish statement known") }
            let origin = try place(context)
            let within = try distanceLimit(context, origin: origin)
            let needs = listing.summary.fabrication
            let ranked = MakerSearch.judge(listing, in: store, origin: origin, within: within)
            if context.isJSON {
                context.printJSON(["package": .string(id.hex), "title": .string(listing.summary.title), "version": .string(listing.summary.version),
                                   "needs": .array(needs.map(needJSON)), "near": origin.map(originJSON) ?? .null,
                                   "within": within.map { .number($0) } ?? .null,
                                   "makers": .array(ranked.filter(\.isIn).map(verdictJSON)), "others": .array(ranked.filter { !$0.isIn }.map(verdictJSON))])
                return ExitCode.success
            }
            printMakers(ranked, listing: listing, needs: needs, origin: origin, explain: context.arguments.has("--explain"), console: context.console)
            return ExitCode.success
        }
    )

    static let labs = CommandSpec(
        name: "labs",
        summary: "the labs this node knows: where they are, what they do, their machines",
        options: [processOption, nearOption, withinOption],
        epilogue: """
        example: allmende labs
        example: allmende labs --process laser-cutting --near Berlin --within 50
        """,
        run: { context in
            let store = try context.packageStore()
            var process: ManufacturingProcess?
            if let text = context.arguments.value("--process") {
                guard let known = ManufacturingProcess(rawValue: text) else {
                    throw CLIError.usage("--process: '\(text)' is not one of: \(ManufacturingProcess.allCases.map(\.rawValue).joined(separator: ", "))",
                                         command: CommandTable.find("labs"))
                }
                process = known
            }
            let origin = try place(context)
            let within = try distanceLimit(context, origin: origin)
            let found = MakerSearch.directory(store.labProfiles(), process: process, origin: origin, within: within)
            if context.isJSON {
                context.printJSON(["near": origin.map(originJSON) ?? .null, "labs": .array(found.map { known, distance in
                    var json = known.profile.json
                    if case var .object(members) = json {
                        members["entry"] = .string(known.id.hex)
                        members["distanceKM"] = distance.map { .number(($0 * 10).rounded() / 10) } ?? .null
                        json = .object(members)
                    }
                    return json
                })])
                return ExitCode.success
            }
            if found.isEmpty { context.console.line("no lab profiles known" + (process == nil && origin == nil ? " yet (they arrive with the catalog)" : " that fit")) }
            for (known, distance) in found {
                let lab = known.profile
                var line = "\(lab.name) — \(lab.location?.label ?? "place not given")"
                if let distance { line += ", \(Int(distance.rounded())) km" }
                if let access = lab.accessType { line += " — \(access.rawValue)" }
                context.console.line(line)
                context.console.line("    \(lab.identity.text)  \(lab.processes.map(\.rawValue).joined(separator: ", "))")
            }
            return ExitCode.success
        }
    )

    typealias Origin = MakerSearch.Origin

    static func place(_ context: CommandContext) throws(CLIError) -> Origin? {
        guard let text = context.arguments.value("--near") else { return nil }
        switch MakerSearch.origin(text) {
        case let .success((origin, others)):
            if !others.isEmpty && !context.isJSON {
                context.console.errorLine("note: '\(text)' taken as \(origin.label); it could also be \(others.prefix(3).map(\.label).joined(separator: "; ")) (add \", CC\")")
            }
            return origin
        case let .failure(error):
            throw CLIError.usage("--near: \(error)", command: nil)
        }
    }

    static func distanceLimit(_ context: CommandContext, origin: Origin?) throws(CLIError) -> Double? {
        guard let text = context.arguments.value("--within") else { return nil }
        guard let km = Double(text), km > 0, km <= 40_100 else { throw CLIError.usage("--within takes kilometres, e.g. 50; got '\(text)'", command: nil) }
        guard origin != nil else { throw CLIError.usage("--within needs --near PLACE", command: nil) }
        return km
    }

    static func originJSON(_ origin: Origin) -> JSONValue {
        .object(["place": .string(origin.label), "latitude": .number(origin.latitude), "longitude": .number(origin.longitude)])
    }

    static func needJSON(_ need: FabricationNeed) -> JSONValue {
        var members: [String: JSONValue] = ["process": .string(need.process.rawValue)]
        if let part = need.part { members["part"] = .string(part) }
        if let size = need.size { members["size"] = .array(size.dimensions.map { .number(Double($0)) }) }
        if let material = need.material { members["material"] = .string(material) }
        if let thickness = need.thickness { members["thickness"] = .string(thickness.description) }
        return .object(members)
    }

    static func verdictJSON(_ verdict: MakerVerdict) -> JSONValue {
        let lab = verdict.profile
        return .object([
            "identity": .string(lab.identity.text), "name": .string(lab.name), "city": lab.location?.city.map { .string($0) } ?? .null,
            "country": lab.location.map { .string($0.country) } ?? .null, "accessType": lab.accessType.map { .string($0.rawValue) } ?? .null,
            "distanceKM": verdict.distanceKM.map { .number(($0 * 10).rounded() / 10) } ?? .null, "builds": .integer(verdict.builds),
            "coverage": .number((verdict.coverage * 1000).rounded() / 1000), "in": .bool(verdict.isIn),
            "exclusion": verdict.exclusion.map { .string($0) } ?? .null,
            "needs": .array(verdict.needs.map { item in
                let kind: String
                switch item.verdict {
                case .covered: kind = "covered"
                case .likely: kind = "likely"
                case .missing: kind = "missing"
                }
                return .object(["process": .string(item.need.process.rawValue), "verdict": .string(kind), "reason": .string(item.verdict.reason)])
            }),
        ])
    }

    static func printMakers(_ ranked: [MakerVerdict], listing: CatalogListing, needs: [FabricationNeed], origin: Origin?, explain: Bool, console: Console) {
        let inLabs = ranked.filter(\.isIn), outLabs = ranked.filter { !$0.isIn }
        console.line("Who can make \"\(listing.summary.title)\" \(listing.summary.version) (\(listing.package.shortHex()))" + (origin.map { " near \($0.label)" } ?? "") + ":")
        if needs.isEmpty { console.line("  (the design names no processes or fabrication needs: every open lab qualifies)") }
        for need in needs { console.line("  needs \(need)") }
        if inLabs.isEmpty { console.line("no lab this node knows covers every need") }
        for (index, verdict) in inLabs.enumerated() {
            console.line("\(index + 1). " + headline(verdict))
            if explain { for item in verdict.needs { console.line("     " + item.verdict.reason) } }
        }
        guard !outLabs.isEmpty else { return }
        guard explain else {
            console.line("\(outLabs.count) other lab(s) cannot (see why with --explain)")
            return
        }
        console.line("Cannot:")
        for verdict in outLabs {
            console.line("✗ " + headline(verdict))
            if let exclusion = verdict.exclusion { console.line("     \(exclusion)") }
            for item in verdict.needs { console.line("     " + item.verdict.reason) }
        }
    }

    static func headline(_ verdict: MakerVerdict) -> String { MakerSearch.headline(verdict) }
}

/// Prints a lab profile for people.
enum LabProfilePrinter {
    static func print(_ profile: LabProfile, to console: Console) {
        console.line(profile.name)
        console.line("identity   \(profile.identity.text)")
        if let location = profile.location {
            var place = [location.city, location.region, location.country].compactMap { $0 }.joined(separator: ", ")
            if let latitude = location.latitudeHundredths, let longitude = location.longitudeHundredths {
                place += " (\(LabLocation.text(hundredths: latitude)), \(LabLocation.text(hundredths: longitude)))"
            }
            console.line("location   \(place)")
        }
        console.line("status     \(profile.facilityStatus.rawValue)" + (profile.accessType.map { ", access: \($0.rawValue)" } ?? ""))
        if let hours = profile.openingHours { console.line("hours      \(hours)") }
        if let wheelchair = profile.wheelchairAccessibility { console.line("wheelchair \(wheelchair)") }
        for (label, value) in [("website", profile.website), ("email", profile.email), ("phone", profile.phone)] {
            if let value { console.line(label.padding(toLength: 11) + value) }
        }
        if !profile.languages.isEmpty { console.line("languages  \(profile.languages.joined(separator: ", "))") }
        if let description = profile.description { console.line(""); console.line(description); console.line("") }
        for machine in profile.equipment {
            var line = "machine    \(machine.kind.rawValue): \(machine.label)"
            if !machine.materials.isEmpty { line += "; takes \(machine.materials.joined(separator: ", "))" }
            if let thickness = machine.maxThickness { line += " up to \(thickness) mm" }
            console.line(line)
        }
        if !profile.manufacturingProcesses.isEmpty { console.line("processes  \(profile.manufacturingProcesses.map(\.rawValue).joined(separator: ", "))") }
        if !profile.typicalMaterials.isEmpty { console.line("materials  \(profile.typicalMaterials.joined(separator: ", "))") }
        if !profile.services.isEmpty { console.line("services   \(profile.services.map(\.rawValue).joined(separator: ", "))") }
        console.line("signed     \(profile.time)")
    }
}

private extension String {
    func padding(toLength length: Int) -> String { count >= length ? self + " " : self + String(repeating: " ", count: length - count) }
}
