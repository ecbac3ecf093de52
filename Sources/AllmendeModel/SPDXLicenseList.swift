// SPDXLicenseList.swift: AllmendeModel. The shipped SPDX License List: lookup by ID and "did you mean". Pure.

/// One license or exception from the SPDX License List.
public struct SPDXListEntry: Sendable, Equatable {
    /// The canonical ID, e.g. "CERN-OHL-S-2.0".
    public let id: String
    /// The full name.
    public let name: String
    /// True for IDs the SPDX list deprecated (e.g. "GPL-2.0").
    public let isDeprecated: Bool
    /// True if OSI approved.
    public let isOSIApproved: Bool
    /// True if the FSF considers it free (libre).
    public let isFSFLibre: Bool
}

/// The SPDX License List shipped with Allmende (see `Scripts/generate-spdx-license-list.py`).
public enum SPDXLicenseList {
    /// The list's version.
    public static var version: String { SPDXLicenseData.listVersion }

    /// All licenses, in list order.
    public static let licenses: [SPDXListEntry] = parse(SPDXLicenseData.licenses)
    /// All exceptions, in list order.
    public static let exceptions: [SPDXListEntry] = parse(SPDXLicenseData.exceptions)

    private static let licensesByLowercasedID = Dictionary(licenses.map { ($0.id.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })
    private static let exceptionsByLowercasedID = Dictionary(exceptions.map { ($0.id.lowercased(), $0) }, uniquingKeysWith: { a, _ in a })

    /// The license with this ID, matched case-insensitively as SPDX requires.
    public static func license(_ id: String) -> SPDXListEntry? { licensesByLowercasedID[id.lowercased()] }

    /// The exception with this ID, matched case-insensitively.
    public static func exception(_ id: String) -> SPDXListEntry? { exceptionsByLowercasedID[id.lowercased()] }

    /// The known license ID closest to `text` (for "did you mean …?"), if any is reasonably close.
    public static func suggestion(forLicense text: String) -> String? { nearest(text, in: suggestableLicenses) }

    /// The known exception ID closest to `text`.
    public static func suggestion(forException text: String) -> String? { nearest(text, in: suggestableExceptions) }

    /// The IDs a suggestion may name (not deprecated), lowercased once: a suggestion is computed for every unknown
    /// license, including those in summaries from peers.
    private static let suggestableLicenses = lowercasedIDs(licenses)
    private static let suggestableExceptions = lowercasedIDs(exceptions)

    private static func lowercasedIDs(_ entries: [SPDXListEntry]) -> [(id: String, lowercased: [UInt8])] {
        entries.filter { !$0.isDeprecated }.map { ($0.id, Array($0.id.lowercased().utf8)) }
    }

    private static func nearest(_ text: String, in entries: [(id: String, lowercased: [UInt8])]) -> String? {
        let wanted = Array(text.lowercased().utf8)
        var best: (distance: Int, prefers: Bool, id: String)?
        for entry in entries {
            let candidate = entry.lowercased
            guard abs(candidate.count - wanted.count) <= 4 else { continue }
            let distance = editDistance(wanted, candidate)
            // On a tie, prefer an ID that extends what was typed ("CERN-OHL-S-2" → "CERN-OHL-S-2.0").
            let prefers = candidate.starts(with: wanted)
            if best == nil || distance < best!.distance || (distance == best!.distance && prefers && !best!.prefers) {
                best = (distance, prefers, entry.id)
            }
        }
        guard let best, best.distance <= max(2, wanted.count / 4) else { return nil }
        return best.id
    }

    /// Levenshtein distance between two byte strings.
    static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    private static func parse(_ rows: String) -> [SPDXListEntry] {
        rows.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard fields.count >= 2 else { return nil }
            let flags = fields.count > 2 ? fields[2] : ""
            return SPDXListEntry(id: String(fields[0]), name: String(fields[1]), isDeprecated: flags.contains("D"),
                                 isOSIApproved: flags.contains("O"), isFSFLibre: flags.contains("F"))
        }
    }
}
