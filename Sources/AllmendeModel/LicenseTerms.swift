// LicenseTerms.swift: AllmendeModel. What a license means for open hardware: OSHW-compatible, share-alike. Pure.

/// How a license relates to the Open Source Hardware Definition and to derived works.
public enum LicenseTerms {
    /// Why a license fails the Open Source Hardware Definition, or `nil` if it does not (as far as we know).
    ///
    /// Non-commercial terms discriminate against fields of endeavour (OSHW criterion 8), no-derivatives terms
    /// forbid derived works (criterion 4). The LOSH crawler and OSHWA refuse both.
    public static func openHardwareProblem(_ id: String) -> String? {
        let upper = id.uppercased()
        if upper.hasPrefix("CC-BY-NC-ND") || upper.hasPrefix("CC-BY-ND-NC") {
            return "\(id) forbids commercial use and derived works"
        }
        if upper.hasPrefix("CC-BY-ND") || upper == "CC-ND-1.0" { return "\(id) forbids derived works (no-derivatives terms)" }
        if upper.hasPrefix("CC-BY-NC") || upper.hasPrefix("CC-NC") { return "\(id) forbids commercial use (non-commercial terms)" }
        if nonCommercial.contains(upper) { return "\(id) forbids commercial use (non-commercial terms)" }
        if fieldRestricted.contains(upper) { return "\(id) restricts fields of use" }
        return nil
    }

    private static let nonCommercial: Set<String> = [
        "NCGL-UK-2.0", "NPOSL-3.0", "POLYFORM-NONCOMMERCIAL-1.0.0", "POLYFORM-SMALL-BUSINESS-1.0.0", "CC-PDDC-NC",
        "NLOD-2.0-NC", "COMMONS-CLAUSE",
    ]
    private static let fieldRestricted: Set<String> = ["HIPPOCRATIC-2.1", "JSON"]

    /// The share-alike family a license belongs to, if it is reciprocal (its derivatives must keep its terms).
    public static func shareAlikeFamily(_ id: String) -> ShareAlikeFamily? {
        let upper = id.uppercased()
        if upper.hasPrefix("CC-BY-SA") || upper.hasPrefix("CC-BY-NC-SA") { return .creativeCommonsShareAlike }
        if upper.hasPrefix("CERN-OHL-S") || upper == "CERN-OHL-1.1" || upper == "CERN-OHL-1.2" { return .cernStronglyReciprocal }
        if upper.hasPrefix("CERN-OHL-W") { return .cernWeaklyReciprocal }
        if upper.hasPrefix("AGPL") { return .affero }
        if upper.hasPrefix("GPL") { return .gnuGeneralPublic }
        if upper.hasPrefix("LGPL") { return .gnuLesser }
        if upper == "TAPR-OHL-1.0" { return .tapr }
        return nil
    }

    /// The replacement SPDX suggests for a deprecated ID, if there is an obvious one.
    public static func replacement(forDeprecated id: String) -> String? {
        let upper = id.uppercased()
        for family in ["GPL", "LGPL", "AGPL", "GFDL"] {
            for version in ["1.0", "1.1", "1.2", "1.3", "2.0", "2.1", "3.0"] where upper == "\(family)-\(version)" {
                return "\(family)-\(version)-only (or \(family)-\(version)-or-later)"
            }
            for version in ["1.0", "1.1", "1.2", "1.3", "2.0", "2.1", "3.0"] where upper == "\(family)-\(version)+" {
                return "\(family)-\(version)-or-later"
            }
        }
        return nil
    }
}

/// Families of reciprocal (share-alike) licenses.
public enum ShareAlikeFamily: String, Sendable, CaseIterable {
    case creativeCommonsShareAlike = "CC BY-SA"
    case cernStronglyReciprocal = "CERN-OHL-S"
    case cernWeaklyReciprocal = "CERN-OHL-W"
    case gnuGeneralPublic = "GPL"
    case gnuLesser = "LGPL"
    case affero = "AGPL"
    case tapr = "TAPR-OHL"

    /// True if a derivative licensed under `childIDs` keeps this family's terms.
    ///
    /// CC BY-SA 4.0 also accepts GPL-3.0 (one-way compatibility declared by Creative Commons); CERN-OHL-W
    /// accepts W or S; GPL accepts AGPL of the same major version (GPL-3.0 section 13).
    public func isKept(by childIDs: Set<String>) -> Bool {
        let children = childIDs.map { $0.uppercased() }
        switch self {
        case .creativeCommonsShareAlike:
            return children.contains { $0.hasPrefix("CC-BY-SA") || $0.hasPrefix("GPL-3.0") }
        case .cernStronglyReciprocal:
            return children.contains { $0.hasPrefix("CERN-OHL-S") }
        case .cernWeaklyReciprocal:
            return children.contains { $0.hasPrefix("CERN-OHL-W") || $0.hasPrefix("CERN-OHL-S") }
        case .gnuGeneralPublic:
            return children.contains { $0.hasPrefix("GPL") || $0.hasPrefix("AGPL") }
        case .gnuLesser:
            return children.contains { $0.hasPrefix("LGPL") || $0.hasPrefix("GPL") }
        case .affero:
            return children.contains { $0.hasPrefix("AGPL") }
        case .tapr:
            return children.contains { $0 == "TAPR-OHL-1.0" }
        }
    }
}
