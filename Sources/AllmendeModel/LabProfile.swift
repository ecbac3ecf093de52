// LabProfile.swift: AllmendeModel. A lab's description of itself as a place where things are made, in the
// Open Know-Where vocabulary: where it is, who may use it, its machines and what they take. Pure.
// Spec: Protocol/lab-profile.md.

import AllmendeCrypto
import CanonicalJSON

/// OKW "Facility Status".
public enum FacilityStatus: String, CaseIterable, Sendable {
    case active, planned, temporaryClosure = "temporary-closure", closed
}

/// OKW "Access Type": how the machines are used, most open first.
public enum AccessType: String, CaseIterable, Sendable {
    case `public`, restrictedWithPublicHours = "restricted-with-public-hours", membership, sharedSpace = "shared-space", restricted
}

/// What a lab offers besides machines.
public enum LabService: String, CaseIterable, Sendable {
    case buildsToOrder = "builds-to-order", supervisedUse = "supervised-use", selfService = "self-service", courses, repair, consulting
}

/// Where a lab is: city, region, country, and coordinates if it chooses to give them (rounded to 0.01°).
public struct LabLocation: Equatable, Sendable {
    public var city: String?
    public var region: String?
    /// ISO 3166-1 alpha-2, upper case ("DE").
    public var country: String
    /// Hundredths of a degree (5355 = 53.55° N), both or neither.
    public var latitudeHundredths: Int?
    public var longitudeHundredths: Int?

    public init(city: String?, region: String? = nil, country: String, latitude: Double? = nil, longitude: Double? = nil) {
        self.city = city
        self.region = region
        self.country = country
        if let latitude, let longitude {
            latitudeHundredths = Int((latitude * 100).rounded())
            longitudeHundredths = Int((longitude * 100).rounded())
        }
    }

    public var latitude: Double? { latitudeHundredths.map { Double($0) / 100 } }
    public var longitude: Double? { longitudeHundredths.map { Double($0) / 100 } }

    /// "Hamburg, DE".
    public var label: String { [city, country].compactMap { $0 }.joined(separator: ", ") }

    /// "53.55", "-0.1" … for hundredths of a degree.
    public static func text(hundredths: Int) -> String {
        let sign = hundredths < 0 ? "-" : ""
        let value = abs(hundredths)
        let fraction = value % 100
        return "\(sign)\(value / 100).\(fraction < 10 ? "0" : "")\(fraction)"
    }

    /// Parses "53.55", "-33.9", "10": at most two decimals (the profile's precision, about 1 km).
    static func parseDegrees(_ text: String, limit: Int, path: String) throws(ModelError) -> Int {
        var digits = Substring(text)
        let negative = digits.hasPrefix("-")
        if negative { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, (1...3).contains(whole.count), whole.allSatisfy({ $0.isASCII && $0.isNumber }),
              parts.count == 1 || (1...2).contains(parts[1].count) && parts[1].allSatisfy({ $0.isASCII && $0.isNumber }) else {
            throw .invalidField(path: path, reason: "'\(text.prefix(40))' is not degrees with at most two decimals, such as \"53.55\" (a profile gives about 1 km, no more)")
        }
        var value = Int(whole)! * 100
        if parts.count == 2 { value += Int(parts[1])! * (parts[1].count == 1 ? 10 : 1) }
        guard value <= limit * 100 else { throw .invalidField(path: path, reason: "must be within ±\(limit)°") }
        return negative ? -value : value
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["country": .string(country)]
        if let city { members["city"] = .string(city) }
        if let region { members["region"] = .string(region) }
        if let latitudeHundredths, let longitudeHundredths {
            members["latitude"] = .string(Self.text(hundredths: latitudeHundredths))
            members["longitude"] = .string(Self.text(hundredths: longitudeHundredths))
        }
        return .object(members)
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> LabLocation {
        var reader = try JSONObjectReader(value, path: path)
        let country = try reader.string("country", maximumLength: 2)
        guard country.count == 2, country.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
            throw .invalidField(path: reader.fieldPath("country"), reason: "'\(country)' is not an ISO 3166 country code such as DE")
        }
        var location = LabLocation(city: try reader.optionalString("city", maximumLength: 120), country: country)
        location.region = try reader.optionalString("region", maximumLength: 120)
        let latitude = try reader.optionalString("latitude", maximumLength: 8)
        let longitude = try reader.optionalString("longitude", maximumLength: 8)
        switch (latitude, longitude) {
        case let (lat?, lon?):
            location.latitudeHundredths = try parseDegrees(lat, limit: 90, path: reader.fieldPath("latitude"))
            location.longitudeHundredths = try parseDegrees(lon, limit: 180, path: reader.fieldPath("longitude"))
        case (nil, nil): break
        default: throw .invalidField(path: path, reason: "give both latitude and longitude, or neither")
        }
        guard location.city != nil || location.latitudeHundredths != nil else {
            throw .invalidField(path: path, reason: "give a city, or coordinates, so makers can find the lab")
        }
        try reader.rejectUnknownKeys()
        return location
    }
}

/// A lab's profile (`allmende/lab-profile/1`): one current profile per lab identity; a newer one replaces it, a
/// withdrawal (`withdrawn` with a reason, no other fields) takes it away.
public struct LabProfile: Equatable, Sendable {
    public static let schema = "allmende/lab-profile/1"
    /// Domain-separation context prepended to the canonical bytes before signing.
    public static let signingContext = Array("Allmende lab profile v1\u{0}".utf8)

    /// The lab identity this profile describes (and that signs it, directly or through a delegated device).
    public var identity: NodeID
    public var time: Timestamp
    /// Set only on a withdrawal: why the profile is withdrawn.
    public var withdrawn: String?

    public var name = ""
    public var description: String?
    public var facilityStatus: FacilityStatus = .active
    public var location: LabLocation?
    public var accessType: AccessType?
    public var openingHours: String?
    public var wheelchairAccessibility: String?
    public var website: String?
    public var email: String?
    public var phone: String?
    /// BCP 47 tags.
    public var languages: [String] = []
    public var equipment: [Equipment] = []
    /// Processes the lab does besides (or without listing) its machines.
    public var manufacturingProcesses: [ManufacturingProcess] = []
    /// Materials usually in stock.
    public var typicalMaterials: [String] = []
    public var services: [LabService] = []

    public init(identity: NodeID, time: Timestamp, name: String) {
        self.identity = identity
        self.time = time
        self.name = name
    }

    /// A withdrawal of `identity`'s profile.
    public static func withdrawal(identity: NodeID, time: Timestamp, reason: String) -> LabProfile {
        var profile = LabProfile(identity: identity, time: time, name: "")
        profile.withdrawn = reason
        return profile
    }

    /// Every process the lab can do: its machines' kinds and the processes it names.
    public var processes: [ManufacturingProcess] {
        var seen: [ManufacturingProcess] = []
        for process in equipment.map(\.kind) + manufacturingProcesses where !seen.contains(process) { seen.append(process) }
        return seen
    }

    public var json: JSONValue {
        var members: [String: JSONValue] = ["schema": .string(Self.schema), "identity": .string(identity.text), "time": .string(time.description)]
        if let withdrawn {
            members["withdrawn"] = .string(withdrawn)
            return .object(members)
        }
        members["name"] = .string(name)
        members["facilityStatus"] = .string(facilityStatus.rawValue)
        if let description { members["description"] = .string(description) }
        if let location { members["location"] = location.json }
        if let accessType { members["accessType"] = .string(accessType.rawValue) }
        if let openingHours { members["openingHours"] = .string(openingHours) }
        if let wheelchairAccessibility { members["wheelchairAccessibility"] = .string(wheelchairAccessibility) }
        if let website { members["website"] = .string(website) }
        if let email { members["email"] = .string(email) }
        if let phone { members["phone"] = .string(phone) }
        if !languages.isEmpty { members["languages"] = .array(languages.map { .string($0) }) }
        if !equipment.isEmpty { members["equipment"] = .array(equipment.map(\.json)) }
        if !manufacturingProcesses.isEmpty { members["manufacturingProcesses"] = .array(manufacturingProcesses.map { .string($0.rawValue) }) }
        if !typicalMaterials.isEmpty { members["typicalMaterials"] = .array(typicalMaterials.map { .string($0) }) }
        if !services.isEmpty { members["services"] = .array(services.map { .string($0.rawValue) }) }
        return .object(members)
    }

    /// Parses a profile object (its signature, if any, is the caller's).
    public static func parse(_ value: JSONValue, path: String = "profile") throws(ModelError) -> LabProfile {
        var reader = try JSONObjectReader(value, path: path)
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let identity = try reader.nodeID("identity")
        let timeText = try reader.string("time", maximumLength: 20)
        guard let time = Timestamp(parsing: timeText), timeText.count == 20 else {
            throw .invalidField(path: reader.fieldPath("time"), reason: "'\(timeText)' is not a UTC time such as 2026-05-01T12:00:00Z")
        }
        if let reason = try reader.optionalString("withdrawn", maximumLength: 4096) {
            try reader.rejectUnknownKeys()
            guard !reason.isEmpty else { throw .invalidField(path: reader.fieldPath("withdrawn"), reason: "a withdrawal needs a reason") }
            return .withdrawal(identity: identity, time: time, reason: reason)
        }
        var profile = LabProfile(identity: identity, time: time, name: try reader.string("name", maximumLength: 120))
        profile.description = try reader.optionalString("description", maximumLength: 4096)
        if reader.peek("facilityStatus") != nil { profile.facilityStatus = try reader.enumeration("facilityStatus", FacilityStatus.self) }
        if let location = reader.value("location") { profile.location = try LabLocation.parse(location, path: reader.fieldPath("location")) }
        if reader.peek("accessType") != nil { profile.accessType = try reader.enumeration("accessType", AccessType.self) }
        profile.openingHours = try reader.optionalString("openingHours", maximumLength: 500)
        profile.wheelchairAccessibility = try reader.optionalString("wheelchairAccessibility", maximumLength: 500)
        profile.website = try reader.optionalString("website", maximumLength: 500)
        if let website = profile.website { try checkURL(website, path: reader.fieldPath("website")) }
        profile.email = try reader.optionalString("email", maximumLength: 254)
        if let email = profile.email, !email.contains("@") || email.contains(where: \.isWhitespace) {
            throw .invalidField(path: reader.fieldPath("email"), reason: "'\(email.prefix(80))' is not an e-mail address")
        }
        profile.phone = try reader.optionalString("phone", maximumLength: 40)
        profile.languages = try reader.array("languages", maximumCount: 20) { (value, path) throws(ModelError) in
            try languageTag(value, path: path)
        }
        profile.equipment = try reader.array("equipment", maximumCount: 64) { (value, path) throws(ModelError) in try Equipment.parse(value, path: path) }
        profile.manufacturingProcesses = try reader.array("manufacturingProcesses", maximumCount: 20) { (value, path) throws(ModelError) in
            try process(named: try stringElement(value, path: path, maximumLength: 40), path: path)
        }
        profile.typicalMaterials = try reader.array("typicalMaterials", maximumCount: 64) { (value, path) throws(ModelError) in
            try stringElement(value, path: path, maximumLength: 80)
        }
        profile.services = try reader.array("services", maximumCount: 10) { (value, path) throws(ModelError) in
            let text = try stringElement(value, path: path, maximumLength: 40)
            guard let service = LabService(rawValue: text) else {
                throw ModelError.invalidField(path: path, reason: "'\(text)' is not one of: \(LabService.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return service
        }
        try reader.rejectUnknownKeys()
        return profile
    }

    /// The bytes that are signed: context string ‖ canonical JSON.
    func signingMessage() throws(ModelError) -> [UInt8] {
        do { return Self.signingContext + (try CanonicalEncoder.encode(json)) } catch { throw .notCanonical(error.description) }
    }
}

/// A BCP 47 language tag such as "en" or "de-CH".
func languageTag(_ value: JSONValue, path: String) throws(ModelError) -> String {
    let tag = try stringElement(value, path: path, maximumLength: 35)
    let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
    guard let first = parts.first, (2...3).contains(first.count), first.allSatisfy({ $0.isASCII && $0.isLetter }),
          parts.dropFirst().allSatisfy({ (1...8).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber) } }) else {
        throw ModelError.invalidField(path: path, reason: "'\(tag)' is not a BCP 47 language tag such as en or de-CH")
    }
    return tag
}

extension LabProfile {
    /// Keys a draft (the file a lab edits) does not have: they are filled in when the profile is signed.
    static let signedKeys: Set<String> = ["schema", "identity", "time"]

    /// The profile as a draft: its fields without schema, identity and time.
    public var draftJSON: JSONValue {
        guard case var .object(members) = json else { return json }
        for key in Self.signedKeys { members[key] = nil }
        return .object(members)
    }

    /// The profile a draft describes, for `identity` at `time`.
    public static func fromDraft(_ value: JSONValue, identity: NodeID, time: Timestamp) throws(ModelError) -> LabProfile {
        guard case var .object(members) = value else { throw .invalidField(path: "profile", reason: "expected an object") }
        if let key = members.keys.sorted().first(where: { signedKeys.contains($0) }) {
            throw .invalidField(path: "profile.\(key)", reason: "is filled in when the profile is signed; remove it from the draft")
        }
        if members["withdrawn"] != nil { throw .invalidField(path: "profile.withdrawn", reason: "withdraw a profile with 'allmende lab profile retract'") }
        members["schema"] = .string(schema)
        members["identity"] = .string(identity.text)
        members["time"] = .string(time.description)
        return try parse(.object(members))
    }
}
