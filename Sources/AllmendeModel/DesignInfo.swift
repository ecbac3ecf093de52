// DesignInfo.swift: AllmendeModel. The human-written part of a design package: what it is, license, BOM. Pure.

import AllmendeCrypto
import CanonicalJSON

/// What a design is for (one per package).
public enum DesignCategory: String, CaseIterable, Sendable {
    case building, furniture, energy, water, foodAgriculture = "food-agriculture", electronics, toolsMachines = "tools-machines",
         mobility, healthAssistive = "health-assistive", textiles, scienceLab = "science-lab", household, education, other
}

/// How parts of the design are made (mapped to OKH TsDC codes on export).
public enum ManufacturingProcess: String, CaseIterable, Sendable {
    case cncMilling = "cnc-milling", cncRouting = "cnc-routing", laserCutting = "laser-cutting", plasmaCutting = "plasma-cutting",
         waterJetCutting = "water-jet-cutting", printing3D = "3d-printing", pcb, electronicsAssembly = "electronics-assembly",
         welding, woodworking, metalworking, sheetMetal = "sheet-metal", sewing, casting, assembly
}

/// Open technology readiness level (OKH-LOSH `technology-readiness-level`).
public enum ReadinessLevel: String, CaseIterable, Sendable {
    case ideation = "OTRL-1", conception = "OTRL-2", development = "OTRL-3", prototyping = "OTRL-4",
         manufacturingDevelopment = "OTRL-5", productQualification = "OTRL-6"
}

/// A licensor or author.
public struct Person: Equatable, Sendable {
    public var name: String
    public var email: String?
    public var url: String?
    /// e.g. designer, documenter, maker, tester.
    public var role: String?

    public init(name: String, email: String? = nil, url: String? = nil, role: String? = nil) {
        self.name = name
        self.email = email
        self.url = url
        self.role = role
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> Person {
        var reader = try JSONObjectReader(value, path: path)
        var person = Person(name: try reader.string("name", maximumLength: 200))
        person.email = try reader.optionalString("email", maximumLength: 254)
        if let email = person.email, !email.contains("@") || email.contains(" ") {
            throw .invalidField(path: reader.fieldPath("email"), reason: "'\(email)' is not an email address")
        }
        person.url = try reader.optionalString("url", maximumLength: 2000)
        if let url = person.url { try checkURL(url, path: reader.fieldPath("url")) }
        person.role = try reader.optionalString("role", maximumLength: 40)
        try reader.rejectUnknownKeys()
        return person
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["name": .string(name)]
        if let email { members["email"] = .string(email) }
        if let url { members["url"] = .string(url) }
        if let role { members["role"] = .string(role) }
        return .object(members)
    }
}

/// A parent design this one is derived from, with what changed.
public struct Derivation: Equatable, Sendable {
    public var package: ContentID
    public var note: String
    /// Set when the publisher published despite the licence compatibility table: the rule and their reason.
    public var licenseNote: String?

    public init(package: ContentID, note: String, licenseNote: String? = nil) {
        self.package = package
        self.note = note
        self.licenseNote = licenseNote
    }

    var json: JSONValue {
        var members: [String: JSONValue] = ["package": .string(package.hex), "note": .string(note)]
        if let licenseNote { members["licenseNote"] = .string(licenseNote) }
        return .object(members)
    }
}

/// The descriptive fields shared by the publish draft (`allmende.json`) and the manifest.
public struct DesignInfo: Equatable, Sendable {
    public var title: String
    public var version: String
    public var summary: String
    /// Markdown.
    public var description: String = ""
    public var category: DesignCategory
    public var tags: [String] = []
    public var license: SPDXExpression
    public var licensors: [Person]
    public var authors: [Person] = []
    public var derivedFrom: [Derivation] = []
    /// The earlier version of this design that this package replaces (same publisher; checked by catalogs).
    public var supersedes: ContentID?
    public var bom: [BOMLine] = []
    public var processes: [ManufacturingProcess] = []
    /// What making it needs, per process: the part's size, material and thickness (lets makers find a lab).
    public var fabrication: [FabricationNeed] = []
    public var readiness: ReadinessLevel?
    /// BCP 47 tags, e.g. "en", "de-CH".
    public var documentationLanguage: [String]
    public var healthSafety: String?
    public var homepage: String?

    public init(title: String, version: String, summary: String, category: DesignCategory, license: SPDXExpression,
                licensors: [Person], documentationLanguage: [String]) {
        self.title = title
        self.version = version
        self.summary = summary
        self.category = category
        self.license = license
        self.licensors = licensors
        self.documentationLanguage = documentationLanguage
    }

    /// Reads the descriptive fields from `reader` (other fields are left for the caller).
    static func read(_ reader: inout JSONObjectReader) throws(ModelError) -> DesignInfo {
        let title = try reader.string("title", maximumLength: 120)
        let version = try reader.string("version", maximumLength: 64)
        if version.contains(where: { $0.isWhitespace }) { throw .invalidField(path: reader.fieldPath("version"), reason: "must not contain spaces") }
        let summary = try reader.string("summary", maximumLength: 280)
        let category = try reader.enumeration("category", DesignCategory.self)
        let licenseText = try reader.string("license", maximumLength: 500)
        let license: SPDXExpression
        do { license = try SPDXExpression(parsing: licenseText) } catch {
            throw .invalidLicense(path: reader.fieldPath("license"), error: error)
        }
        let licensors = try reader.array("licensors", maximumCount: 50, minimumCount: 1) { (value, path) throws(ModelError) in
            try Person.parse(value, path: path)
        }
        let languages = try reader.array("documentationLanguage", maximumCount: 20, minimumCount: 1) { (value, path) throws(ModelError) in
            try languageTag(value, path: path)
        }
        var info = DesignInfo(title: title, version: version, summary: summary, category: category, license: license,
                              licensors: licensors, documentationLanguage: languages)
        info.description = try reader.optionalString("description", maximumLength: 65_536) ?? ""
        info.tags = try reader.array("tags", maximumCount: 20) { (value, path) throws(ModelError) in
            let tag = try stringElement(value, path: path, maximumLength: 40)
            guard tag.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) else {
                throw ModelError.invalidField(path: path, reason: "'\(tag)' must be lowercase letters, digits and '-'")
            }
            return tag
        }
        info.authors = try reader.array("authors", maximumCount: 200) { (value, path) throws(ModelError) in try Person.parse(value, path: path) }
        info.derivedFrom = try reader.array("derivedFrom", maximumCount: 50) { (value, path) throws(ModelError) in
            var parent = try JSONObjectReader(value, path: path)
            let derivation = Derivation(package: try parent.contentID("package"), note: try parent.string("note", maximumLength: 2000),
                                        licenseNote: try parent.optionalString("licenseNote", maximumLength: 4000))
            try parent.rejectUnknownKeys()
            return derivation
        }
        if reader.value("supersedes") != nil { info.supersedes = try reader.contentID("supersedes") }
        info.bom = try reader.array("bom", maximumCount: 5000) { (value, path) throws(ModelError) in try BOMLine.parse(value, path: path) }
        info.processes = try reader.array("processes", maximumCount: 20) { (value, path) throws(ModelError) in
            try process(named: try stringElement(value, path: path, maximumLength: 40), path: path)
        }
        info.fabrication = try reader.array("fabrication", maximumCount: FabricationNeed.maximumCount) { (value, path) throws(ModelError) in
            try FabricationNeed.parse(value, path: path)
        }
        if reader.value("readiness") != nil { info.readiness = try reader.enumeration("readiness", ReadinessLevel.self) }
        info.healthSafety = try reader.optionalString("healthSafety", maximumLength: 8192)
        info.homepage = try reader.optionalString("homepage", maximumLength: 2000)
        if let homepage = info.homepage { try checkURL(homepage, path: reader.fieldPath("homepage")) }
        return info
    }

    /// The descriptive fields as JSON members.
    var jsonMembers: [String: JSONValue] {
        var members: [String: JSONValue] = [
            "title": .string(title), "version": .string(version), "summary": .string(summary), "category": .string(category.rawValue),
            "license": .string(license.description), "licensors": .array(licensors.map(\.json)),
            "documentationLanguage": .array(documentationLanguage.map { .string($0) }),
        ]
        if !description.isEmpty { members["description"] = .string(description) }
        if !tags.isEmpty { members["tags"] = .array(tags.map { .string($0) }) }
        if !authors.isEmpty { members["authors"] = .array(authors.map(\.json)) }
        if !derivedFrom.isEmpty {
            members["derivedFrom"] = .array(derivedFrom.map(\.json))
        }
        if let supersedes { members["supersedes"] = .string(supersedes.hex) }
        if !bom.isEmpty { members["bom"] = .array(bom.map(\.json)) }
        if !processes.isEmpty { members["processes"] = .array(processes.map { .string($0.rawValue) }) }
        if !fabrication.isEmpty { members["fabrication"] = .array(fabrication.map(\.json)) }
        if let readiness { members["readiness"] = .string(readiness.rawValue) }
        if let healthSafety { members["healthSafety"] = .string(healthSafety) }
        if let homepage { members["homepage"] = .string(homepage) }
        return members
    }
}

func checkURL(_ url: String, path: String) throws(ModelError) {
    guard url.hasPrefix("https://") || url.hasPrefix("http://"), !url.contains(where: { $0.isWhitespace }), url.count > 8 else {
        throw .invalidField(path: path, reason: "'\(url.prefix(100))' is not an http(s) URL")
    }
}
