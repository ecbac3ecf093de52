// InformalLicenseNames.swift: AllmendeModel. What people write for a licence ("GPL3", "CERN OHL", "CC-BY-SA 4.0",
// "Apache 2") and the SPDX IDs they mean, for "did you mean …?". Pure.

/// The informal licence names people really write, each with the SPDX IDs it may mean (open-hardware licences
/// first where the name is ambiguous).
public enum InformalLicenseNames {
    private static let cernOHL = ["CERN-OHL-S-2.0", "CERN-OHL-W-2.0", "CERN-OHL-P-2.0"]

    /// Normalised name (lower case, letters and digits only, "licence"/"license"/"version" and a "v" before a
    /// version dropped) → SPDX IDs.
    private static let table: [String: [String]] = {
        var table: [String: [String]] = [:]
        func add(_ names: [String], _ ids: [String]) { for name in names { table[name] = ids } }
        add(["gpl3", "gpl30", "gnugpl3", "gnugeneralpubliclicense3"], ["GPL-3.0-only", "GPL-3.0-or-later"])
        add(["gpl", "gnugpl"], ["GPL-3.0-or-later", "GPL-2.0-or-later"])
        add(["gpl2", "gpl20"], ["GPL-2.0-only", "GPL-2.0-or-later"])
        add(["lgpl3", "lgpl30"], ["LGPL-3.0-only", "LGPL-3.0-or-later"])
        add(["lgpl21", "lgpl2"], ["LGPL-2.1-only", "LGPL-2.1-or-later"])
        add(["agpl3", "agpl30", "agpl"], ["AGPL-3.0-only", "AGPL-3.0-or-later"])
        add(["cernohl", "ohl", "cernohl2", "cernohl20", "cern", "cernopenhardware", "cernopenhardware2"], cernOHL)
        add(["cernohls", "cernohls2", "cernohls20", "ohls", "cernohlstronglyreciprocal", "cernohl2stronglyreciprocal", "cernopenhardware2stronglyreciprocal"], ["CERN-OHL-S-2.0"])
        add(["cernohlw", "cernohlw2", "cernohlw20", "ohlw", "cernohlweaklyreciprocal", "cernohl2weaklyreciprocal", "cernopenhardware2weaklyreciprocal"], ["CERN-OHL-W-2.0"])
        add(["cernohlp", "cernohlp2", "cernohlp20", "ohlp", "cernohlpermissive", "cernohl2permissive", "cernopenhardware2permissive"], ["CERN-OHL-P-2.0"])
        add(["cernohl12", "ohl12"], ["CERN-OHL-1.2", "CERN-OHL-S-2.0"])
        add(["ccbysa", "ccbysa4", "ccbysa40", "creativecommonsattributionsharealike", "creativecommonsbysa", "creativecommonsbysa40"], ["CC-BY-SA-4.0"])
        add(["ccby", "ccby4", "ccby40", "creativecommonsattribution", "creativecommonsby"], ["CC-BY-4.0"])
        add(["ccbync", "ccbync4", "ccbync40"], ["CC-BY-NC-4.0"])
        add(["ccbyncsa", "ccbyncsa4", "ccbyncsa40"], ["CC-BY-NC-SA-4.0"])
        add(["cc0", "publicdomain", "creativecommonszero"], ["CC0-1.0"])
        add(["apache", "apache2", "apache20", "asl2", "asl20"], ["Apache-2.0"])
        add(["mpl2", "mpl20", "mozillapubliclicense2"], ["MPL-2.0"])
        add(["bsd", "bsd3", "bsd3clause", "newbsd"], ["BSD-3-Clause", "BSD-2-Clause"])
        add(["bsd2", "bsd2clause", "simplifiedbsd"], ["BSD-2-Clause"])
        // Solderpad 2.x is not on the SPDX list (0.5 and 0.51 are): a LicenseRef- names it.
        add(["solderpad", "solderpadhardware", "solderpadhardware21", "shl", "shl21"], ["LicenseRef-SHL-2.1", "SHL-0.51"])
        add(["solderpadhardware20", "shl20"], ["LicenseRef-SHL-2.0", "SHL-0.51"])
        add(["solderpadhardware051", "shl051"], ["SHL-0.51"])
        add(["tapr", "taprohl", "taprohl1", "taprohl10", "taprohardware"], ["TAPR-OHL-1.0"])
        return table
    }()

    /// The SPDX IDs `text` most likely means, or nil if it is not a name in the table.
    public static func suggestions(for text: String) -> [String]? {
        table[normalise(text)]
    }

    static func normalise(_ text: String) -> String {
        var name = text.lowercased()
        for word in ["licence", "license", "version"] { name = name.replacingAll(word, with: "") }
        var letters = Array(name.filter { $0.isASCII && ($0.isLetter || $0.isNumber) })
        // "v3", "v2.0": drop a "v" that stands before a version number.
        var index = 1
        while index < letters.count {
            if letters[index] == "v", index + 1 < letters.count, letters[index + 1].isNumber, !letters[index - 1].isNumber {
                letters.remove(at: index)
            }
            index += 1
        }
        return String(letters)
    }
}

extension String {
    /// `self` with every occurrence of `target` removed or replaced.
    public func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            result += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return result + rest
    }
}
