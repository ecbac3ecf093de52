// FileEntry.swift: AllmendeModel. One file of a design package as the manifest pins it. Pure.

import AllmendeCrypto
import CanonicalJSON

/// What a file is for in a package (mapped to OKH fields on export).
public enum FileRole: String, CaseIterable, Sendable {
    case cad, drawing, cuttingFile = "cutting-file", instructions, photo, source, bom, readme, licenseText = "license-text",
         safety, firmware, other
}

/// A file in a package: its path, size, SHA-256, chunk index, media type and role.
public struct FileEntry: Equatable, Sendable {
    public var path: PackagePath
    public var size: Int
    /// The blob ID (SHA-256 of the bytes).
    public var sha256: ContentID
    /// The ID of the blob's chunk index.
    public var chunkIndex: ContentID
    /// IANA media type, e.g. `image/svg+xml`.
    public var mediaType: String
    public var role: FileRole

    public init(path: PackagePath, size: Int, sha256: ContentID, chunkIndex: ContentID, mediaType: String, role: FileRole) {
        self.path = path
        self.size = size
        self.sha256 = sha256
        self.chunkIndex = chunkIndex
        self.mediaType = mediaType
        self.role = role
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> FileEntry {
        var reader = try JSONObjectReader(value, path: path)
        let pathText = try reader.string("path", maximumLength: 1024)
        let packagePath: PackagePath
        do { packagePath = try PackagePath(validating: pathText) } catch {
            throw .invalidField(path: reader.fieldPath("path"), reason: error.description)
        }
        let entry = FileEntry(
            path: packagePath,
            size: try reader.integer("size", maximum: 1 << 53),
            sha256: try reader.contentID("sha256"),
            chunkIndex: try reader.contentID("chunkIndex"),
            mediaType: try MediaType.validate(try reader.string("mediaType", maximumLength: 127), path: reader.fieldPath("mediaType")),
            role: try reader.enumeration("role", FileRole.self)
        )
        try reader.rejectUnknownKeys()
        return entry
    }

    var json: JSONValue {
        ["path": .string(path.text), "size": .integer(size), "sha256": .string(sha256.hex), "chunkIndex": .string(chunkIndex.hex),
         "mediaType": .string(mediaType), "role": .string(role.rawValue)]
    }
}

/// Media types by file extension, for the files a maker publishes.
public enum MediaType {
    /// A guess from the file name's extension; `application/octet-stream` when unknown.
    public static func guess(forPath path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return "application/octet-stream" }
        return byExtension[name[name.index(after: dot)...].lowercased()] ?? "application/octet-stream"
    }

    /// The role a file most likely has, from its path and media type.
    public static func guessRole(forPath path: String) -> FileRole {
        let lower = path.lowercased()
        let name = lower.split(separator: "/").last.map(String.init) ?? lower
        if name.hasPrefix("readme") { return .readme }
        if name.hasPrefix("license") || name.hasPrefix("licence") || name.hasPrefix("copying") { return .licenseText }
        if name.contains("safety") { return .safety }
        if name.hasPrefix("bom") || name.hasSuffix(".csv") { return .bom }
        switch lower.split(separator: ".").last.map(String.init) ?? "" {
        case "dxf", "nc", "gcode", "ngc", "tap": return .cuttingFile
        case "svg", "pdf": return lower.contains("cut") ? .cuttingFile : .drawing
        case "step", "stp", "stl", "3mf", "iges", "igs", "fcstd", "scad", "f3d", "3dm", "dwg", "skp", "ifc": return .cad
        case "md", "txt", "html": return .instructions
        case "jpg", "jpeg", "png", "webp": return .photo
        case "kicad_pcb", "kicad_sch", "sch", "brd": return .source
        case "hex", "bin", "ino", "c", "py": return .firmware
        default: return .other
        }
    }

    static func validate(_ text: String, path: String) throws(ModelError) -> String {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let allowed = { (c: Character) -> Bool in c.isASCII && (c.isLetter || c.isNumber || "!#$&^_.+-".contains(c)) }
        guard parts.count == 2, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(allowed) }) else {
            throw .invalidField(path: path, reason: "'\(text)' is not a media type such as image/svg+xml")
        }
        return text.lowercased()
    }

    private static let byExtension: [String: String] = [
        "svg": "image/svg+xml", "dxf": "image/vnd.dxf", "pdf": "application/pdf", "md": "text/markdown",
        "txt": "text/plain", "csv": "text/csv", "html": "text/html", "json": "application/json", "toml": "application/toml",
        "step": "model/step", "stp": "model/step", "stl": "model/stl", "3mf": "model/3mf", "obj": "model/obj",
        "iges": "model/iges", "igs": "model/iges", "png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg",
        "webp": "image/webp", "gcode": "text/x.gcode", "nc": "text/x.gcode", "zip": "application/zip",
        "fcstd": "application/x-freecad", "scad": "application/x-openscad", "ifc": "application/x-step",
    ]
}

extension JSONObjectReader {
    /// A required string that must be one of an enumeration's raw values.
    mutating func enumeration<E: RawRepresentable & CaseIterable>(_ key: String, _ type: E.Type) throws(ModelError) -> E
    where E.RawValue == String {
        let text = try string(key, maximumLength: 64)
        guard let value = E(rawValue: text) else {
            let allowed = E.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidField(path: fieldPath(key), reason: "'\(text)' is not one of: \(allowed)")
        }
        return value
    }
}
