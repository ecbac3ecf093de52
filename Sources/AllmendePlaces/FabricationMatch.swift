// FabricationMatch.swift: AllmendePlaces. Which labs can make a design: each need of the design held against a
// lab's machines, with the reason for every yes and no, and the order makers see. Pure.
// Spec: Protocol/lab-profile.md "Who can make this".

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import AllmendeModel

/// How one need fares at one lab.
public enum NeedVerdict: Equatable, Sendable {
    /// Covered, with what was checked.
    case covered(String)
    /// Probably covered: nothing contradicts it, but the lab does not say everything that was asked.
    case likely(String)
    /// Not covered, and why.
    case missing(String)

    public var reason: String {
        switch self {
        case let .covered(text), let .likely(text), let .missing(text): return text
        }
    }

    public var isMissing: Bool { if case .missing = self { true } else { false } }
}

/// One lab judged for one design.
public struct MakerVerdict: Sendable {
    public let profile: LabProfile
    /// Per need of the design, in the design's order.
    public let needs: [(need: FabricationNeed, verdict: NeedVerdict)]
    /// Why the lab is out besides its machines (closed, too far, no location), if it is.
    public let exclusion: String?
    /// Great-circle distance from the place asked about, in km.
    public let distanceKM: Double?
    /// Packages of this design (it or its versions) the lab attested it built.
    public let builds: Int

    public var isIn: Bool { exclusion == nil && !needs.contains { $0.verdict.isMissing } }

    /// How fully the lab covers the design: 1 for every need covered, half a need for each "likely".
    public var coverage: Double {
        guard !needs.isEmpty else { return 1 }
        let score = needs.reduce(0.0) { total, item in
            switch item.verdict {
            case .covered: total + 1
            case .likely: total + 0.5
            case .missing: total
            }
        }
        return score / Double(needs.count)
    }
}

public enum FabricationMatch {
    /// Judges `lab` for a design with `needs`.
    public static func judge(_ lab: LabProfile, needs: [FabricationNeed], distanceKM: Double?, builds: Int,
                             exclusion: String? = nil) -> MakerVerdict {
        var why = exclusion
        if why == nil {
            switch lab.facilityStatus {
            case .active: break
            case .planned: why = "the lab is planned, not open yet"
            case .temporaryClosure: why = "the lab is temporarily closed"
            case .closed: why = "the lab is closed"
            }
        }
        return MakerVerdict(profile: lab, needs: needs.map { ($0, verdict(for: $0, at: lab)) }, exclusion: why, distanceKM: distanceKM, builds: builds)
    }

    /// Labs in, best first: attested builds of the design, then coverage, then distance (unknown last), then access
    /// (most open first), then name; labs out follow in the same order.
    public static func rank(_ verdicts: [MakerVerdict]) -> [MakerVerdict] {
        verdicts.sorted { a, b in
            if a.isIn != b.isIn { return a.isIn }
            if a.builds != b.builds { return a.builds > b.builds }
            if a.coverage != b.coverage { return a.coverage > b.coverage }
            switch (a.distanceKM, b.distanceKM) {
            case let (x?, y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: break
            }
            let accessA = a.profile.accessType.flatMap { AccessType.allCases.firstIndex(of: $0) } ?? AccessType.allCases.count
            let accessB = b.profile.accessType.flatMap { AccessType.allCases.firstIndex(of: $0) } ?? AccessType.allCases.count
            if accessA != accessB { return accessA < accessB }
            return (a.profile.name, a.profile.identity.text) < (b.profile.name, b.profile.identity.text)
        }
    }

    /// How `need` fares at `lab`: its best machine of that process, or the process named without a machine.
    static func verdict(for need: FabricationNeed, at lab: LabProfile) -> NeedVerdict {
        let machines = lab.equipment.filter { $0.kind == need.process }
        let process = need.process.rawValue
        guard !machines.isEmpty else {
            guard lab.manufacturingProcesses.contains(need.process) else { return .missing("\(process): no such machine or process ✗") }
            let asked = [need.size.map { "a working area of \($0)" }, need.thickness.map { "\($0) mm thick material" }].compactMap { $0 }
            return asked.isEmpty ? .covered("\(process): listed process ✓")
                : .likely("\(process): listed process, no machine given to check \(asked.joined(separator: " and ")) ?")
        }
        let judged = machines.map { judge($0, for: need, lab: lab) }
        let best = judged.min { ($0.failures, $0.unknowns) < ($1.failures, $1.unknowns) }!
        let text = "\(process): \(best.machine.label)" + (best.checks.isEmpty ? "" : " — " + best.checks.joined(separator: "; "))
        if best.failures > 0 { return .missing(text + " ✗") }
        return best.unknowns > 0 ? .likely(text + " ?") : .covered(text + " ✓")
    }

    private struct MachineCheck {
        let machine: Equipment
        var checks: [String] = []
        var failures = 0
        var unknowns = 0
    }

    private static func judge(_ machine: Equipment, for need: FabricationNeed, lab: LabProfile) -> MachineCheck {
        var check = MachineCheck(machine: machine)
        if let size = need.size {
            if let area = machine.workingArea {
                let fits = size.fits(in: area)
                check.checks.append(fits ? "\(area) ≥ \(size)" : "\(area) < \(size)")
                if !fits { check.failures += 1 }
            } else {
                check.checks.append("working area not given (need \(size))")
                check.unknowns += 1
            }
        }
        if let thickness = need.thickness {
            if let most = machine.maxThickness {
                check.checks.append(thickness <= most ? "takes \(most) mm ≥ \(thickness) mm" : "takes at most \(most) mm < \(thickness) mm")
                if thickness > most { check.failures += 1 }
            } else {
                check.checks.append("thickness not given (need \(thickness) mm)")
                check.unknowns += 1
            }
        }
        if let material = need.material {
            if !machine.materials.isEmpty {
                let takes = machine.materials.contains { materialsMatch($0, material) }
                check.checks.append(takes ? "takes \(material)" : "takes \(machine.materials.joined(separator: ", ")), not \(material)")
                if !takes { check.failures += 1 }
            } else if lab.typicalMaterials.contains(where: { materialsMatch($0, material) }) {
                check.checks.append("\(material) in stock")
            } else {
                check.checks.append("\(material) not mentioned")
                check.unknowns += 1
            }
        }
        return check
    }

    /// "Birch plywood" takes "plywood" and the other way round: case, accents and word order within reason.
    public static func materialsMatch(_ a: String, _ b: String) -> Bool {
        let x = fold(a), y = fold(b)
        return !x.isEmpty && !y.isEmpty && (x.contains(y) || y.contains(x))
    }

    static func fold(_ text: String) -> String { TextFold.key(text) }

    /// Great-circle distance in km (haversine on a sphere of the Earth's mean radius, 6371.0088 km).
    public static func distanceKM(latitude1: Double, longitude1: Double, latitude2: Double, longitude2: Double) -> Double {
        let radians = Double.pi / 180
        let dLat = (latitude2 - latitude1) * radians, dLon = (longitude2 - longitude1) * radians
        let a = sin(dLat / 2) * sin(dLat / 2) + cos(latitude1 * radians) * cos(latitude2 * radians) * sin(dLon / 2) * sin(dLon / 2)
        return 2 * 6371.0088 * asin(min(1, a.squareRoot()))
    }
}
