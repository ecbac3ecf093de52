// GazetteerTests.swift: the offline gazetteer and great-circle distances against known city pairs.

import AllmendePlaces
import Testing

@Suite struct GazetteerTests {
    let gazetteer = Gazetteer.shared

    func place(_ name: String) throws -> Place {
        guard case let .found(place, _) = gazetteer.resolve(name) else { throw Unresolved(name: name) }
        return place
    }

    struct Unresolved: Error { let name: String }

    @Test func knowsTheCitiesOfGeoNames() {
        #expect(gazetteer.count > 30_000)
    }

    @Test func distancesBetweenKnownCityPairs() throws {
        // Great-circle distances (spherical, mean radius) of well-known pairs, within 1 %.
        let pairs: [(String, String, Double)] = [("Hamburg, DE", "Berlin, DE", 255), ("Paris, FR", "London, GB", 344),
                                                 ("München", "Wien", 355), ("Madrid", "Barcelona", 505)]
        for (a, b, expected) in pairs {
            let x = try place(a), y = try place(b)
            let km = FabricationMatch.distanceKM(latitude1: x.latitude, longitude1: x.longitude, latitude2: y.latitude, longitude2: y.longitude)
            #expect(abs(km - expected) / expected < 0.01, "\(a)–\(b): \(km) km, expected about \(expected)")
        }
    }

    @Test func nonASCIINamesWithAndWithoutAccents() throws {
        for spelling in ["München", "Muenchen", "Munchen", "MÜNCHEN", "Munich"] {
            let found = try place(spelling)
            #expect(found.name == "Munich" && found.country == "DE", "\(spelling) → \(found.label)")
        }
        #expect(try place("Zürich").country == "CH")
        #expect(try place("Zuerich").country == "CH")
        #expect(try place("Kraków").country == "PL")
        #expect(try place("Malmö").country == "SE")
        #expect(try place("São Paulo").country == "BR")
    }

    @Test func ambiguousNamesAndCountries() throws {
        // "Frankfurt" begins two German city names: the larger is meant, the other is named as an alternative.
        guard case let .found(frankfurt, others) = gazetteer.resolve("Frankfurt, DE") else { Issue.record("not found"); return }
        #expect(frankfurt.name == "Frankfurt am Main")
        #expect(others.contains { $0.name == "Frankfurt (Oder)" })
        // A name in several countries: the country decides; without one, the most populous.
        #expect(try place("London, CA").country == "CA")
        #expect(try place("London").country == "GB")
        #expect(try place("Cambridge, US").country == "US")
        #expect(try place("Cambridge, GB").country == "GB")
    }

    @Test func unknownNamesGetSuggestions() {
        guard case let .unknown(suggestions) = gazetteer.resolve("Hambrug") else { Issue.record("resolved a misspelling"); return }
        #expect(suggestions.first == "Hamburg, DE")
        guard case let .unknown(none) = gazetteer.resolve("Xqzvwpt") else { Issue.record("resolved nonsense"); return }
        #expect(none.isEmpty)
        guard case .unknown = gazetteer.resolve("Hamburg, FR") else { Issue.record("Hamburg is not in France"); return }
    }

    @Test func coordinatesAsSuch() {
        #expect(gazetteer.resolve("53.55, 9.99") == .coordinates(latitude: 53.55, longitude: 9.99))
        #expect(gazetteer.resolve("-33.87,151.21") == .coordinates(latitude: -33.87, longitude: 151.21))
        if case .coordinates = gazetteer.resolve("95,10") { Issue.record("latitude 95 accepted") }
    }
}
