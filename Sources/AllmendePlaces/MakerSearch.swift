// MakerSearch.swift: AllmendePlaces. Which labs a node knows can make a design: every current lab profile judged
// against the design's fabrication needs from the catalog, with distances from a place. Used by `allmende makers`,
// the demo and the web face. Spec: Protocol/lab-profile.md "Who can make this".

import AllmendeModel
import AllmendeStore

public enum MakerSearch {
    /// A place to measure from.
    public struct Origin: Sendable {
        public let label: String
        public let latitude: Double
        public let longitude: Double

        public init(label: String, latitude: Double, longitude: Double) {
            self.label = label
            self.latitude = latitude
            self.longitude = longitude
        }
    }

    /// Resolves a place as people write it; `.failure` says why not, with suggestions.
    public static func origin(_ text: String) -> Result<(Origin, others: [Place]), OKWError> {
        switch Gazetteer.shared.resolve(text) {
        case let .found(place, others):
            return .success((Origin(label: place.label, latitude: place.latitude, longitude: place.longitude), others))
        case let .coordinates(latitude, longitude):
            return .success((Origin(label: "\(latitude),\(longitude)", latitude: latitude, longitude: longitude), []))
        case let .unknown(suggestions):
            let hint = suggestions.isEmpty ? "give a larger city nearby, or coordinates such as 53.55,9.99" : "did you mean \(suggestions.joined(separator: ", "))?"
            // Quoted as typed, but not a page of it.
            let quoted = text.count > 80 ? text.prefix(80) + "…" : text
            return .failure(OKWError(message: "no city '\(quoted)' known; \(hint)"))
        }
    }

    /// Every lab `store` knows judged for `listing`'s design, best first (labs that cannot, after).
    public static func judge(_ listing: CatalogListing, in store: PackageStore, origin: Origin?, within: Double?) -> [MakerVerdict] {
        let versions = store.versions(of: listing.package)
        let family = [listing] + versions.older + versions.newer
        var verdicts: [MakerVerdict] = []
        for known in store.labProfiles() {
            let lab = known.profile
            let distance = origin.flatMap { distanceKM(from: $0, to: lab) }
            var exclusion: String?
            if let within, let origin {
                if let distance, distance > within { exclusion = "\(Int(distance.rounded())) km from \(origin.label), more than \(Int(within)) km" }
                if distance == nil { exclusion = "gives no place this node can find" }
            }
            let builds = family.filter { $0.attesters.contains(lab.identity) }.count
            verdicts.append(FabricationMatch.judge(lab, needs: listing.summary.fabrication, distanceKM: distance, builds: builds, exclusion: exclusion))
        }
        return FabricationMatch.rank(verdicts)
    }

    /// The lab directory (`labs`, the web face's /labs): the current profiles offering `process` (any if nil) within
    /// `within` km of `origin`, nearest first, then labs whose place is unknown; at equal distance by name, then
    /// identity (so the order never depends on the log's).
    public static func directory(_ profiles: [KnownLabProfile], process: ManufacturingProcess?, origin: Origin?,
                                 within: Double?) -> [(lab: KnownLabProfile, distanceKM: Double?)] {
        var found: [(lab: KnownLabProfile, distanceKM: Double?)] = []
        for known in profiles where process.map({ known.profile.processes.contains($0) }) ?? true {
            let distance = origin.flatMap { distanceKM(from: $0, to: known.profile) }
            if let within, (distance ?? .infinity) > within { continue }
            found.append((known, distance))
        }
        return found.sorted { a, b in
            (a.distanceKM ?? .infinity, a.lab.profile.name, a.lab.profile.identity.text) < (b.distanceKM ?? .infinity, b.lab.profile.name, b.lab.profile.identity.text)
        }
    }

    /// Distance from `origin` to the lab: its coordinates, else its city in the gazetteer.
    public static func distanceKM(from origin: Origin, to lab: LabProfile) -> Double? {
        guard let location = lab.location else { return nil }
        var point: (Double, Double)?
        if let latitude = location.latitude, let longitude = location.longitude {
            point = (latitude, longitude)
        } else if let city = location.city, let place = Gazetteer.shared.place(city: city, country: location.country) {
            point = (place.latitude, place.longitude)
        }
        guard let (latitude, longitude) = point else { return nil }
        return FabricationMatch.distanceKM(latitude1: origin.latitude, longitude1: origin.longitude, latitude2: latitude, longitude2: longitude)
    }

    /// "Fab Lab Altona — Hamburg, DE, 4 km — public — built this design".
    public static func headline(_ verdict: MakerVerdict) -> String {
        let lab = verdict.profile
        var line = lab.name + " — " + (lab.location?.label ?? "place not given")
        if let distance = verdict.distanceKM { line += ", \(Int(distance.rounded())) km" }
        if let access = lab.accessType { line += " — \(access.rawValue)" }
        if verdict.builds > 0 { line += " — built this design" + (verdict.builds > 1 ? " (\(verdict.builds) versions)" : "") }
        if verdict.isIn && verdict.coverage < 1 { line += " — some needs unconfirmed" }
        return line
    }

    /// The reason most worth showing beside a lab: its first missing need, else its first unconfirmed one.
    public static func tellingReason(_ verdict: MakerVerdict) -> String? {
        (verdict.needs.first { $0.verdict.isMissing } ?? verdict.needs.first { if case .likely = $0.verdict { true } else { false } })?.verdict.reason
    }
}
