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
