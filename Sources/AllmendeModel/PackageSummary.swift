// PackageSummary.swift: AllmendeModel. What a catalog shows about a package before it is downloaded. Pure.

import AllmendeCrypto
import CanonicalJSON

/// The searchable summary a publish statement carries (signed with it): title, version, license, category,
/// tags, total size and file count, and the earlier version it supersedes, copied from the manifest.
public struct PackageSummary: Equatable, Sendable {
    public var title: String
    public var version: String
    public var license: String
    public var category: String
    public var tags: [String]
    public var size: Int
    public var files: Int
    /// The package this one is a new version of (catalogs honour it only if both have the same publisher).
    public var supersedes: ContentID?
    /// The parents the manifest names in `derivedFrom`, in its order (so lineage is known before a fetch).
    public var derivedFrom: [ContentID] = []
    /// What making it needs: the manifest's `fabrication` needs, then each of its `processes` no need names (so
    /// a node can tell which labs can make it before anything is fetched).
    public var fabrication: [FabricationNeed] = []

    public init(manifest: DesignManifest) {
        title = manifest.info.title
        version = manifest.info.version
        license = manifest.info.license.description
        category = manifest.info.category.rawValue
        tags = manifest.info.tags
        size = manifest.totalSize
        files = manifest.files.count
        supersedes = manifest.info.supersedes
        derivedFrom = manifest.info.derivedFrom.map(\.package)
        fabrication = Self.needs(of: manifest.info)
    }

    /// The fabrication needs a summary carries for `info`.
    public static func needs(of info: DesignInfo) -> [FabricationNeed] {
        var needs = info.fabrication
        for process in info.processes where !needs.contains(where: { $0.process == process }) { needs.append(FabricationNeed(process: process)) }
        return needs
    }

    /// True if it agrees with `manifest` (a fetcher checks this once the manifest arrives).
    public func matches(_ manifest: DesignManifest) -> Bool { self == PackageSummary(manifest: manifest) }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "title": .string(title), "version": .string(version), "license": .string(license), "category": .string(category),
            "tags": .array(tags.map { .string($0) }), "size": .integer(size), "files": .integer(files),
        ]
        if let supersedes { members["supersedes"] = .string(supersedes.hex) }
        if !derivedFrom.isEmpty { members["derivedFrom"] = .array(derivedFrom.map { .string($0.hex) }) }
        if !fabrication.isEmpty { members["fabrication"] = .array(fabrication.map(\.json)) }
        return .object(members)
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> PackageSummary {
        var reader = try JSONObjectReader(value, path: path)
        let title = try reader.string("title", maximumLength: 120)
        let version = try reader.string("version", maximumLength: 64)
        let licenseText = try reader.string("license", maximumLength: 500)
        do { _ = try SPDXExpression(parsing: licenseText) } catch { throw .invalidLicense(path: reader.fieldPath("license"), error: error) }
        let category = try reader.enumeration("category", DesignCategory.self).rawValue
        let tags = try reader.array("tags", maximumCount: 20) { (value, path) throws(ModelError) in try stringElement(value, path: path, maximumLength: 40) }
        let size = try reader.integer("size", maximum: 1 << 53)
        let files = try reader.integer("files", maximum: DesignManifest.maximumFileCount)
        let supersedes = reader.value("supersedes") == nil ? nil : try reader.contentID("supersedes")
        let derivedFrom = try reader.array("derivedFrom", maximumCount: 50) { (value, path) throws(ModelError) in
            try JSONObjectReader.contentID(try stringElement(value, path: path, maximumLength: 64), path: path)
        }
        let fabrication = try reader.array("fabrication", maximumCount: FabricationNeed.maximumCount * 2) { (value, path) throws(ModelError) in
            try FabricationNeed.parse(value, path: path)
        }
        try reader.rejectUnknownKeys()
        return PackageSummary(title: title, version: version, license: licenseText, category: category, tags: tags, size: size, files: files,
                              supersedes: supersedes, derivedFrom: derivedFrom, fabrication: fabrication)
    }

    /// A summary from its fields (as read back from a node's own listing snapshot).
    public init(title: String, version: String, license: String, category: String, tags: [String], size: Int, files: Int,
                supersedes: ContentID? = nil, derivedFrom: [ContentID] = [], fabrication: [FabricationNeed] = []) {
        self.title = title
        self.version = version
        self.license = license
        self.category = category
        self.tags = tags
        self.size = size
        self.files = files
        self.supersedes = supersedes
        self.derivedFrom = derivedFrom
        self.fabrication = fabrication
    }
}
