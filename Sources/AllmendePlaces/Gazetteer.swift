// Gazetteer.swift: AllmendePlaces. City names to coordinates without a network: the GeoNames cities of 15,000
// people or more (GazetteerData), found by name with or without accents ("München", "Muenchen", "Munchen"),
// narrowed by country ("Frankfurt, DE"), with suggestions for names it does not know. Pure.

/// A city the gazetteer knows.
public struct Place: Equatable, Sendable {
    public let name: String
    /// ISO 3166-1 alpha-2.
    public let country: String
    public let latitude: Double
    public let longitude: Double
    public let population: Int

    /// "Hamburg, DE".
    public var label: String { "\(name), \(country)" }
}

/// What a place name resolved to.
public enum PlaceResolution: Equatable, Sendable {
    /// The place meant (the most populous of those the name fits), and the others it could mean.
    case found(Place, others: [Place])
    /// Coordinates given as such.
    case coordinates(latitude: Double, longitude: Double)
    /// Not known: names close to it, most likely first.
    case unknown(suggestions: [String])
}

public final class Gazetteer: Sendable {
    /// The embedded gazetteer, read on first use.
    public static let shared = Gazetteer(data: GazetteerData.cities)

    private let places: [Place]
    /// Folded name (and folded local spellings, in both foldings) → places.
    private let byKey: [String: [Int]]
    private let keys: [(key: String, place: Int)]

    init(data: String) {
        var places: [Place] = []
        var byKey: [String: [Int]] = [:]
        var keys: [(String, Int)] = []
        places.reserveCapacity(40_000)
        keys.reserveCapacity(100_000)
        // Read as bytes: splitting 1.8 MB of text by Character (grapheme clusters) costs most of the start-up.
        let bytes = Array(data.utf8)
        for line in bytes.split(separator: 0x0A) {
            let columns = line.split(separator: 0x09, omittingEmptySubsequences: false)
            guard columns.count == 6, let latitude = Double(String(decoding: columns[2], as: UTF8.self)),
                  let longitude = Double(String(decoding: columns[3], as: UTF8.self)),
                  let population = Int(String(decoding: columns[4], as: UTF8.self)) else { continue }
            let index = places.count
            let name = String(decoding: columns[0], as: UTF8.self)
            places.append(Place(name: name, country: String(decoding: columns[1], as: UTF8.self), latitude: latitude, longitude: longitude,
                                population: population))
            var names = [name]
            if !columns[5].isEmpty { names += columns[5].split(separator: 0x7C).map { String(decoding: $0, as: UTF8.self) } }
            var added: Set<String> = []
            for name in names {
                let plain = TextFold.key(name)
                // ä/ö/ü written ae/oe/ue: a second key only for names that have them.
                let german = name.utf8.allSatisfy({ $0 < 0x80 }) ? plain : TextFold.key(TextFold.germanTransliteration(name))
                for key in [plain, german] where added.insert(key).inserted {
                    byKey[key, default: []].append(index)
                    keys.append((key, index))
                }
            }
        }
        self.places = places
        self.byKey = byKey
        self.keys = keys
    }

    /// How many cities it knows.
    public var count: Int { places.count }

    /// The place a lab's "city, country" names, by exact (folded) name only: a dictionary lookup, no scan, for
    /// the many lookups of one `makers` question. Nil if no city has that name in that country.
    public func place(city: String, country: String) -> Place? {
        (byKey[TextFold.key(city)] ?? []).lazy.map { self.places[$0] }.filter { $0.country == country }.max { $0.population < $1.population }
    }

    /// Resolves "Hamburg", "Frankfurt, DE", "München", or coordinates "53.55,9.99".
    public func resolve(_ text: String) -> PlaceResolution {
        if let coordinates = Self.coordinates(text) { return .coordinates(latitude: coordinates.0, longitude: coordinates.1) }
        var name = Substring(text)
        var country: String?
        if let comma = text.lastIndex(of: ",") {
            let code = text[text.index(after: comma)...].trimmingSpaces
            if code.count == 2, code.allSatisfy({ $0.isASCII && $0.isLetter }) {
                country = code.uppercased()
                name = text[..<comma]
            }
        }
        let key = TextFold.key(String(name))
        guard !key.isEmpty else { return .unknown(suggestions: []) }
        let fits: (Int) -> Bool = { country == nil || self.places[$0].country == country }
        let exact = (byKey[key] ?? []).filter(fits)
        // "Frankfurt" also begins "Frankfurt am Main" and "Frankfurt (Oder)": names that begin with the words given.
        // Only by a city's own name, not its local spellings ("Hamburg-Wandsbek" is Wandsbek, not another Hamburg).
        let longer = keys.filter { $0.key.hasPrefix(key + " ") && fits($0.place) && TextFold.key(places[$0.place].name).hasPrefix(key + " ") }.map(\.place)
        let byPopulation: (Int, Int) -> Bool = { (self.places[$0].population, self.places[$1].name) > (self.places[$1].population, self.places[$0].name) }
        var ranked: [Int] = []
        for index in exact.sorted(by: byPopulation) + longer.sorted(by: byPopulation) where !ranked.contains(index) { ranked.append(index) }
        if let best = ranked.first {
            let others = ranked.dropFirst().map { places[$0] }.sorted { ($0.population, $1.name) > ($1.population, $0.name) }
            return .found(places[best], others: Array(others.prefix(10)))
        }
        return .unknown(suggestions: suggestions(for: key, country: country))
    }

    /// Up to five known names within two edits of `key` (most populous first).
    private func suggestions(for key: String, country: String?) -> [String] {
        let target = Array(key.unicodeScalars)
        var found: [(distance: Int, place: Place)] = []
        var seen: Set<Int> = []
        for entry in keys where abs(entry.key.unicodeScalars.count - target.count) <= 2 && !seen.contains(entry.place) {
            let place = places[entry.place]
            if let country, place.country != country { continue }
            let distance = TextFold.editDistance(Array(entry.key.unicodeScalars), target, limit: 2)
            guard distance <= 2 else { continue }
            seen.insert(entry.place)
            found.append((distance, place))
        }
        return found.sorted { ($0.distance, $1.place.population, $0.place.label) < ($1.distance, $0.place.population, $1.place.label) }
            .prefix(5).map(\.place.label)
    }

    /// "53.55,9.99", "53.55, 9.99", "-33.87,151.21".
    static func coordinates(_ text: String) -> (Double, Double)? {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces }
        guard parts.count == 2, let latitude = Double(parts[0]), let longitude = Double(parts[1]),
              parts.allSatisfy({ $0.allSatisfy { $0.isNumber || $0 == "." || $0 == "-" } }),
              abs(latitude) <= 90, abs(longitude) <= 180 else { return nil }
        return (latitude, longitude)
    }
}

/// Folding of names for comparison: lower case, Latin letters without accents (ß → ss, ø → o), hyphens and
/// runs of spaces as one space.
public enum TextFold {
    public static func key(_ text: String) -> String {
        // Most names are ASCII: fold their bytes directly (a tenth of the time the scalar path takes).
        if text.utf8.allSatisfy({ $0 < 0x80 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(text.utf8.count)
            var lastWasSpace = true
            for byte in text.utf8 {
                if byte == 0x20 || byte == 0x2D || byte == 0x09 || byte == 0x5F {
                    if !lastWasSpace { bytes.append(0x20) }
                    lastWasSpace = true
                    continue
                }
                lastWasSpace = false
                bytes.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
            if bytes.last == 0x20 { bytes.removeLast() }
            return String(decoding: bytes, as: UTF8.self)
        }
        var out = ""
        var lastWasSpace = true
        for scalar in text.unicodeScalars {
            if scalar == " " || scalar == "-" || scalar == "\t" || scalar == "_" {
                if !lastWasSpace { out.append(" ") }
                lastWasSpace = true
                continue
            }
            lastWasSpace = false
            if scalar.isASCII {
                out.unicodeScalars.append(Unicode.Scalar(UInt8(ascii: scalar) | (scalar.properties.isUppercase ? 0x20 : 0)))
            } else if let folded = GazetteerData.folds[scalar.value] {
                out += folded
            } else if scalar.properties.generalCategory == .nonspacingMark {
                continue
            } else {
                out += scalar.properties.lowercaseMapping
            }
        }
        if out.hasSuffix(" ") { out.removeLast() }
        return out
    }

    /// German spelling without umlauts: ä → ae, ö → oe, ü → ue (so "Muenchen" finds "München").
    public static func germanTransliteration(_ text: String) -> String {
        var out = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "ä": out += "ae"
            case "ö": out += "oe"
            case "ü": out += "ue"
            case "Ä": out += "Ae"
            case "Ö": out += "Oe"
            case "Ü": out += "Ue"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Levenshtein distance, or `limit + 1` once it is certainly above `limit`.
    static func editDistance(_ a: [Unicode.Scalar], _ b: [Unicode.Scalar], limit: Int) -> Int {
        var previous = Array(0...b.count)
        for i in 1...max(a.count, 1) where !a.isEmpty {
            var current = [i] + Array(repeating: 0, count: b.count)
            var best = i
            for j in 1...max(b.count, 1) where !b.isEmpty {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
                best = min(best, current[j])
            }
            if best > limit { return limit + 1 }
            previous = current
        }
        return a.isEmpty ? b.count : previous[b.count]
    }
}

/// ISO 3166-1 alpha-2 codes and the names of the countries (GeoNames).
public enum Countries {
    private static let byKey: [String: String] = {
        var table: [String: String] = [:]
        for line in GazetteerData.countries.split(separator: "\n") {
            let columns = line.split(separator: "\t")
            guard columns.count == 2 else { continue }
            table[TextFold.key(String(columns[1]))] = String(columns[0])
            table[String(columns[0]).lowercased()] = String(columns[0])
        }
        return table
    }()

    /// "DE" for "DE", "de", "Germany"; nil for names it does not know.
    public static func code(for text: String) -> String? {
        byKey[TextFold.key(text)] ?? byKey[text.lowercased()]
    }

    /// The name of the country with `code`.
    public static func name(of code: String) -> String? {
        for line in GazetteerData.countries.split(separator: "\n") where line.hasPrefix(code + "\t") { return String(line.dropFirst(3)) }
        return nil
    }
}
