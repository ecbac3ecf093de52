// PackageJSON.swift: AllmendeStore. The JSON shapes of packages, listings, statements and bills of materials,
// shared by the CLI's --json and the HTTP API (Protocol/http.md), so both say the same in the same words.

import AllmendeCrypto
import AllmendeModel
import CanonicalJSON

public enum PackageJSON {
    /// A catalog listing as `search --json` prints it; `holders`: nodes known to hold it (Protocol/holders.md).
    /// `olderVersions`: how many older versions of the design this row stands for (grouped search and ls).
    public static func listing(_ listing: CatalogListing, holders: Int = 0, olderVersions: Int? = nil) -> JSONValue {
        var entry: [String: JSONValue] = [
            "package": .string(listing.package.hex), "title": .string(listing.summary.title), "version": .string(listing.summary.version),
            "license": .string(listing.summary.license), "tags": .array(listing.summary.tags.map { .string($0) }),
            "category": .string(listing.summary.category), "size": .integer(listing.summary.size),
            "publisher": .string(listing.publisher.text), "stored": .bool(listing.isStored),
            "attestations": .integer(listing.attestations), "openHardware": .bool(listing.openHardwareProblem == nil),
            "holders": .integer(holders),
        ]
        if let reason = listing.retraction { entry["retracted"] = .string(reason) }
        if listing.isSignerRevoked { entry["signerRevoked"] = .bool(true) }
        if let supersedes = listing.summary.supersedes { entry["supersedes"] = .string(supersedes.hex) }
        if let olderVersions { entry["olderVersions"] = .integer(olderVersions) }
        return .object(entry)
    }

    /// The versions of a package's design the catalog knows (`show --json` member `versions`): `latest` is the
    /// newest version that is not retracted, if newer than this one (else null).
    public static func versions(_ status: VersionStatus) -> JSONValue {
        func entry(_ listing: CatalogListing) -> JSONValue {
            var members: [String: JSONValue] = ["package": .string(listing.package.hex), "version": .string(listing.summary.version),
                                                "publishedAt": .string(listing.publishedAt.description), "stored": .bool(listing.isStored)]
            if let reason = listing.retraction { members["retracted"] = .string(reason) }
            return .object(members)
        }
        return ["latest": status.latest.map(entry) ?? .null, "newer": .array(status.newer.map(entry)), "older": .array(status.older.map(entry))]
    }

    /// A package known only from the catalog, as `show --json` prints it.
    public static func unfetched(_ listing: CatalogListing, holders: Int = 0, versions: VersionStatus? = nil) -> JSONValue {
        let summary = listing.summary
        var summaryJSON: [String: JSONValue] = [
            "title": .string(summary.title), "version": .string(summary.version), "license": .string(summary.license),
            "category": .string(summary.category), "tags": .array(summary.tags.map { .string($0) }),
            "size": .integer(summary.size), "files": .integer(summary.files),
        ]
        if let supersedes = summary.supersedes { summaryJSON["supersedes"] = .string(supersedes.hex) }
        if !summary.derivedFrom.isEmpty { summaryJSON["derivedFrom"] = .array(summary.derivedFrom.map { .string($0.hex) }) }
        return ["package": .string(listing.package.hex), "fetched": false,
                "summary": .object(summaryJSON),
                "publisher": .string(listing.publisher.text), "publishedAt": .string(listing.publishedAt.description),
                "attestations": .integer(listing.attestations), "retraction": listing.retraction.map { .string($0) } ?? .null,
                "holders": .integer(holders), "versions": versions.map(Self.versions) ?? .null]
    }

    /// A stored package as `show --json` prints it.
    public static func package(_ id: ContentID, manifest: DesignManifest, statements: [VerifiedStatement], holders: Int = 0,
                               versions: VersionStatus? = nil) -> JSONValue {
        ["package": .string(id.hex), "manifest": manifest.json, "statements": .array(statements.map { statement($0, publisher: manifest.publisher) }),
         "holders": .integer(holders), "versions": versions.map(Self.versions) ?? .null]
    }

    /// One verified statement; `advisory` marks a retraction by anyone but the publisher.
    public static func statement(_ verified: VerifiedStatement, publisher: NodeID? = nil) -> JSONValue {
        var entry: [String: JSONValue] = ["id": .string(verified.id.hex), "kind": .string(verified.statement.kind.rawValue),
                                          "identity": .string(verified.identity.text), "device": .string(verified.device.text),
                                          "time": .string(verified.statement.time.description)]
        if let publisher { entry["byPublisher"] = .bool(verified.identity == publisher) }
        // A retraction by anyone but the publisher does not withdraw the package: it is advice.
        if let publisher, verified.statement.kind == .retract, verified.identity != publisher { entry["advisory"] = .bool(true) }
        if let label = verified.deviceLabel { entry["deviceLabel"] = .string(label) }
        if let note = verified.statement.note { entry["note"] = .string(note) }
        if let reason = verified.statement.reason { entry["reason"] = .string(reason) }
        if !verified.statement.photos.isEmpty { entry["photos"] = .array(verified.statement.photos.map { .string($0.hex) }) }
        return .object(entry)
    }

    /// A rolled-up bill of materials as `bom --json` prints it.
    public static func bom(_ rollup: BOMRollup, id: ContentID) -> JSONValue {
        ["package": .string(id.hex), "builds": .integer(rollup.builds),
         "lines": .array(rollup.lines.map { entry in
             var members: [String: JSONValue] = ["item": .string(entry.line.item), "quantity": .string(entry.total.description),
                                                 "unit": .string(entry.line.unit.rawValue), "via": .array(entry.via.map { .string($0) })]
             if let material = entry.line.material { members["material"] = .string(material) }
             if let cost = entry.cost, let currency = entry.line.unitCost?.currency {
                 members["cost"] = ["amount": .string(cost.rounded(toDigits: 2)), "currency": .string(currency)]
             }
             return .object(members)
         }),
         "materials": .array(rollup.materialTotals.map { ["material": .string($0.material), "unit": .string($0.unit.rawValue),
                                                          "quantity": .string($0.quantity.description)] }),
         "costs": .object(rollup.costTotals.mapValues { .string($0.rounded(toDigits: 2)) })]
    }
}
