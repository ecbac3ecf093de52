// DraftTemplate.swift: AllmendeModel. A starting `allmende.json` for a folder of files: every required field,
// each file with the role and media type guessed from its name and first bytes. Pure.

import CanonicalJSON

/// Writes the first draft of a package (what `allmende new` puts in a folder).
public struct DraftTemplate: Sendable {
    /// Licences offered first, with what they mean for a lab (any SPDX expression is accepted too).
    public static let openHardwareLicenses: [(id: String, meaning: String)] = [
        ("CERN-OHL-S-2.0", "strongly reciprocal: changed designs and products made from them stay open"),
        ("CERN-OHL-W-2.0", "weakly reciprocal: changes to the design stay open, combined products need not"),
        ("CERN-OHL-P-2.0", "permissive: anyone may use and change it, also in closed products"),
        ("CC-BY-SA-4.0", "share-alike, common for building plans, furniture and documentation"),
        ("CC-BY-4.0", "attribution only"),
    ]

    /// One file of the folder and its first bytes (for guessing what it is).
    public struct File: Sendable {
        public let path: String
        public let head: [UInt8]
        public init(path: String, head: [UInt8]) {
            self.path = path
            self.head = head
        }
    }

    public var title: String
    public var version = "0.1.0"
    public var summary: String
    public var category: DesignCategory
    public var license: SPDXExpression
    public var licensor: String
    public var language = "en"
    /// The date written as `created` (YYYY-MM-DD).
    public var created: String
    public var files: [File]
    /// Bill of materials lines (read from the folder's bom.csv, if it has one).
    public var bom: [BOMLine] = []
    /// How it is made (`new --process`), and the fabrication needs the bill of materials suggests for them.
    public var processes: [ManufacturingProcess] = []
    public var fabrication: [FabricationNeed] = []

    public init(title: String, summary: String, category: DesignCategory, license: SPDXExpression, licensor: String, created: String,
                files: [File]) {
        self.title = title
        self.summary = summary
        self.category = category
        self.license = license
        self.licensor = licensor
        self.created = created
        self.files = files
    }

    /// A title from a folder name: "cargo-bike_trailer" → "Cargo bike trailer".
    public static func title(fromFolderName name: String) -> String {
        let words = name.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == " " }).joined(separator: " ")
        guard let first = words.first else { return "Untitled design" }
        return first.uppercased() + words.dropFirst()
    }

    /// The draft's text: JSON with one field per line, in the order a person fills them in.
    public func text() -> String {
        func quoted(_ text: String) -> String { (try? CanonicalEncoder.string(.string(text))) ?? "\"\"" }
        var lines = [
            "  \"title\": \(quoted(title)),",
            "  \"version\": \(quoted(version)),",
            "  \"summary\": \(quoted(summary)),",
            "  \"description\": \"\",",
            "  \"category\": \(quoted(category.rawValue)),",
            "  \"tags\": [],",
            "  \"license\": \(quoted(license.description)),",
            "  \"licensors\": [{\"name\": \(quoted(licensor))}],",
            "  \"authors\": [],",
            "  \"created\": \(quoted(created)),",
            "  \"documentationLanguage\": [\(quoted(language))],",
            bom.isEmpty ? "  \"bom\": []," : "  \"bom\": [\n" + bom.map { "    " + ((try? CanonicalEncoder.string($0.json)) ?? "{}") }.joined(separator: ",\n") + "\n  ],",
        ]
        if !processes.isEmpty { lines.append("  \"processes\": [\(processes.map { quoted($0.rawValue) }.joined(separator: ", "))],") }
        if !fabrication.isEmpty {
            lines.append("  \"fabrication\": [\n" + fabrication.map { "    " + ((try? CanonicalEncoder.string($0.json)) ?? "{}") }.joined(separator: ",\n") + "\n  ],")
        }
        let entries = files.map { file in
            "    \(quoted(file.path)): {\"role\": \(quoted(MediaType.guessRole(forPath: file.path, head: file.head).rawValue)), "
                + "\"mediaType\": \(quoted(MediaType.guess(forPath: file.path, head: file.head)))}"
        }
        lines.append("  \"files\": {\n" + entries.joined(separator: ",\n") + "\n  }")
        return "{\n" + lines.joined(separator: "\n") + "\n}\n"
    }
}

extension MediaType {
    /// A guess from the name, or when the name does not tell, from the first bytes (PDF, PNG, JPEG, ZIP, STEP,
    /// SVG, STL, UTF-8 text).
    public static func guess(forPath path: String, head: [UInt8]) -> String {
        let byName = guess(forPath: path)
        guard byName == "application/octet-stream" else { return byName }
        func starts(_ prefix: String) -> Bool { head.starts(with: Array(prefix.utf8)) }
        if starts("%PDF-") { return "application/pdf" }
        if head.starts(with: [0x89, 0x50, 0x4E, 0x47]) { return "image/png" }
        if head.starts(with: [0xFF, 0xD8, 0xFF]) { return "image/jpeg" }
        if head.starts(with: [0x50, 0x4B, 0x03, 0x04]) { return "application/zip" }
        let text = String(decoding: head, as: UTF8.self)
        if starts("ISO-10303-21") { return "model/step" }
        if text.contains("<svg") { return "image/svg+xml" }
        if starts("solid ") { return "model/stl" }
        // Text: no NUL and valid UTF-8 (the head may end inside a character).
        if !head.contains(0), (0...3).contains(where: { String(validating: head.dropLast($0), as: UTF8.self) != nil }) { return "text/plain" }
        return byName
    }

    /// The role from the name, or from the media type the first bytes reveal.
    public static func guessRole(forPath path: String, head: [UInt8]) -> FileRole {
        let byName = guessRole(forPath: path)
        guard byName == .other else { return byName }
        switch guess(forPath: path, head: head) {
        case "application/pdf", "image/svg+xml": return .drawing
        case "image/png", "image/jpeg": return .photo
        case "model/step", "model/stl": return .cad
        case "text/plain": return .instructions
        default: return .other
        }
    }
}
