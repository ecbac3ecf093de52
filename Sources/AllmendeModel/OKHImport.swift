// OKHImport.swift: AllmendeModel. An Open Know-How manifest (OKH-LOSH TOML, read by AllmendeTOML) as a draft
// `allmende.json`: field by field as Protocol/manifest.md's OKH-LOSH column says, in reverse, with a warning for
// every field that could not be mapped. Pure: the caller lists the folder's files and reads a BOM file.

import AllmendeCrypto
import AllmendeTOML
import CanonicalJSON

/// Why an OKH manifest cannot become a draft.
public struct OKHImportError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

public enum OKHImport {
    /// What an import gives: the draft's fields and what the importer could not carry over.
    public struct Draft: Sendable {
        public let members: [String: JSONValue]
        public let warnings: [String]

        /// The draft as `allmende.json` text: one field per line, files one per line.
        public var text: String {
            let order = ["title", "version", "summary", "description", "category", "tags", "license", "licensors", "authors", "created",
                         "documentationLanguage", "readiness", "processes", "fabrication", "healthSafety", "homepage", "supersedes", "derivedFrom", "bom"]
            func encoded(_ value: JSONValue) -> String { (try? CanonicalEncoder.string(value)) ?? "null" }
            var lines = order.compactMap { key in members[key].map { "  \(encoded(.string(key))): \(encoded($0))" } }
            if case let .object(files)? = members["files"] {
                lines.append("  \"files\": {\n" + files.keys.sorted().map { "    \(encoded(.string($0))): \(encoded(files[$0]!))" }.joined(separator: ",\n") + "\n  }")
            }
            return "{\n" + lines.joined(separator: ",\n") + "\n}\n"
        }
    }

    /// Keys this importer reads (every other top-level key is listed as not mapped).
    static let mappedKeys: Set<String> = [
        "okhv", "name", "repo", "version", "release", "license", "licensor", "function", "documentation-language", "technology-readiness-level",
        "tsdc", "readme", "bom", "manufacturing-instructions", "user-manual", "source", "export", "auxiliary", "image", "forkOf", "part", "allmende",
    ]

    /// The draft for the OKH-LOSH manifest `table`, read from the file `manifestName` in a folder named
    /// `folderName` that holds `files` (relative paths); `read` gives a file's text (for a CSV bill of materials).
    public static func draft(_ table: TOMLTable, manifestName: String, folderName: String, files: Set<String>,
                             read: (String) -> String?) throws(OKHImportError) -> Draft {
        var warnings: [String] = []
        var draft: [String: JSONValue] = [:]
        let ext = table["allmende"]?.tableValue.map(json) ?? [:]
        switch table["okhv"]?.stringValue {
        case nil: warnings.append("okhv: missing; read as OKH-LOSH v1")
        case let version? where version == "OKH-LOSHv1.0" || version.hasPrefix("2."): break
        case let version?: warnings.append("okhv: '\(version)' is not a version this importer knows (OKH-LOSHv1.0, 2.x); read as OKH-LOSH v1")
        }
        for key in table.keys where !mappedKeys.contains(key) { warnings.append("\(key): not mapped (Allmende has no such field)") }

        // Names and numbers.
        if let name = table["name"]?.stringValue, !name.isEmpty {
            draft["title"] = .string(String(name.prefix(120)))
            if name.count > 120 { warnings.append("name: cut to 120 characters") }
        } else {
            draft["title"] = .string(DraftTemplate.title(fromFolderName: folderName))
            warnings.append("name: missing; the title is taken from the folder name")
        }
        switch table["version"] {
        case let .string(version)?: draft["version"] = .string(version.replacingAll(" ", with: "-"))
        case let .integer(number)?: draft["version"] = .string(String(number))
        case let .float(number)?: draft["version"] = .string(String(number))
        default:
            draft["version"] = .string("0.1.0")
            warnings.append("version: missing; set to 0.1.0")
        }
        draft["license"] = .string(try license(table["license"], warnings: &warnings))
        draft["licensors"] = .array(licensors(table["licensor"], ext: ext, warnings: &warnings))
        if let repo = table["repo"]?.stringValue, repo.hasPrefix("http://") || repo.hasPrefix("https://") {
            draft["homepage"] = .string(repo)
        } else if let repo = table["repo"]?.stringValue, !repo.hasPrefix("urn:allmende:") {
            warnings.append("repo: '\(repo.prefix(80))' is not an http(s) URL; not mapped")
        } else if table["repo"] == nil {
            warnings.append("repo: missing (OKH requires it)")
        }
        if let release = table["release"]?.stringValue, !release.hasPrefix("urn:allmende:package:") {
            warnings.append("release: '\(release.prefix(80))' not mapped (the published package is its own release)")
        }
        let languages = stringList(table["documentation-language"])
        draft["documentationLanguage"] = ext["documentationLanguage"] ?? .array((languages.isEmpty ? ["en"] : languages).map { .string($0) })
        if languages.isEmpty && ext["documentationLanguage"] == nil { warnings.append("documentation-language: missing; set to en") }
        switch table["technology-readiness-level"] {
        case let .string(level)? where ReadinessLevel(rawValue: level.uppercased()) != nil: draft["readiness"] = .string(level.uppercased())
        case let .integer(level)? where (1...6).contains(level): draft["readiness"] = .string("OTRL-\(level)")
        case nil: break
        case let other?: warnings.append("technology-readiness-level: '\(other)' is not OTRL-1 … OTRL-6; not mapped")
        }

        // The description: from `function`, unless it is what the [allmende] table's fields compose.
        describe(table["function"]?.stringValue, ext: ext, into: &draft, warnings: &warnings)
        if let category = ext["category"] { draft["category"] = category } else {
            draft["category"] = .string(DesignCategory.other.rawValue)
            warnings.append("category: OKH has none; set to other (choose one of \(DesignCategory.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        for key in ["created", "authors", "supersedes", "derivedFrom", "fabrication"] { if let value = ext[key] { draft[key] = value } }
        draft["processes"] = ext["processes"] ?? processes(table["tsdc"], warnings: &warnings)
        if draft["derivedFrom"] == nil, let fork = table["forkOf"]?.stringValue {
            if fork.hasPrefix("urn:allmende:package:"), fork.count == 21 + 64 {
                draft["derivedFrom"] = .array([["package": .string(String(fork.dropFirst(21))), "note": .string("forked")]])
            } else {
                warnings.append("forkOf: '\(fork.prefix(80))' is not an Allmende package; name the parent in derivedFrom once it is published here")
            }
        }

        // Files and the bill of materials.
        let hints = fileHints(table, ext: ext, manifestName: manifestName, files: files, warnings: &warnings)
        draft["files"] = .object(hints)
        draft["bom"] = ext["bom"] ?? bill(table, hints: hints, read: read, warnings: &warnings)
        if case let .array(lines)? = draft["bom"], lines.isEmpty { draft["bom"] = nil }
        if case let .array(list)? = draft["processes"], list.isEmpty { draft["processes"] = nil }
        return Draft(members: draft, warnings: warnings)
    }

    // MARK: Fields

    static func license(_ value: TOMLValue?, warnings: inout [String]) throws(OKHImportError) -> String {
        guard let text = value?.stringValue, !text.isEmpty else {
            throw OKHImportError(description: "license: missing; OKH requires an SPDX expression (e.g. CERN-OHL-S-2.0); add it to the manifest")
        }
        if (try? SPDXExpression(parsing: text)) != nil {
            if ["LicenseRef-NOASSERTION", "LicenseRef-NONE", "LicenseRef-AllRightsReserved"].contains(text) {
                throw OKHImportError(description: "license: '\(text)' says the design is not under an open licence; Allmende publishes open hardware only")
            }
            return text
        }
        if let ids = InformalLicenseNames.suggestions(for: text), ids.count == 1 {
            warnings.append("license: '\(text)' is not an SPDX expression; read as \(ids[0])")
            return ids[0]
        }
        let hint = InformalLicenseNames.suggestions(for: text).map { "did you mean \($0.joined(separator: " or "))? " }
            ?? SPDXLicenseList.suggestion(forLicense: text).map { "did you mean \($0)? " } ?? ""
        throw OKHImportError(description: "license: '\(text)' is not an SPDX licence expression; \(hint)write the SPDX ID in the manifest and import again")
    }

    static func licensors(_ value: TOMLValue?, ext: [String: JSONValue], warnings: inout [String]) -> [JSONValue] {
        if case let .array(people)? = ext["licensors"], !people.isEmpty { return people }
        var people: [JSONValue] = []
        let entries = value?.arrayValue ?? (value.map { [$0] } ?? [])
        for entry in entries {
            if let text = entry.stringValue {
                people.append(person(fromAgent: text))
            } else if let table = entry.tableValue, let name = table["name"]?.stringValue {
                var members: [String: JSONValue] = ["name": .string(name)]
                if let email = table["email"]?.stringValue { members["email"] = .string(email) }
                if let url = table["url"]?.stringValue { members["url"] = .string(url) }
                people.append(.object(members))
            } else {
                warnings.append("licensor: an entry without a name; not mapped")
            }
        }
        if people.isEmpty {
            warnings.append("licensor: missing; write who grants the licence in licensors")
            people.append(["name": "(licensor)"])
        }
        return people
    }

    /// "Name <email>" → {name, email}; a bare name → {name}.
    static func person(fromAgent text: String) -> JSONValue {
        if let open = text.lastIndex(of: "<"), text.hasSuffix(">") {
            let name = text[..<open].trimmingSpaces
            let email = String(text[text.index(after: open)..<text.index(before: text.endIndex)])
            if !name.isEmpty, email.contains("@") { return ["name": .string(name), "email": .string(email)] }
        }
        return ["name": .string(text.trimmingSpaces)]
    }

    /// Summary (first paragraph), description (the rest), health and safety and keywords, as OKHExport writes
    /// `function`; the [allmende] table's exact fields when `function` is still what they compose.
    static func describe(_ function: String?, ext: [String: JSONValue], into draft: inout [String: JSONValue], warnings: inout [String]) {
        var composed = ext["summary"]?.stringValue ?? ""
        if let description = ext["description"]?.stringValue, !description.isEmpty { composed += "\n\n" + description }
        if let safety = ext["healthSafety"]?.stringValue { composed += "\n\nHealth and safety: " + safety }
        if case let .array(tags)? = ext["tags"], !tags.isEmpty { composed += "\n\nKeywords: " + tags.compactMap(\.stringValue).joined(separator: ", ") }
        if ext["summary"] != nil, function == composed {
            for key in ["summary", "description", "healthSafety", "tags"] { if let value = ext[key] { draft[key] = value } }
            return
        }
        guard var text = function?.replacingAll("\r\n", with: "\n"), !text.isEmpty else {
            warnings.append("function: missing; the summary repeats the title")
            draft["summary"] = draft["title"]
            return
        }
        if let range = text.range(of: "\n\nKeywords: ", options: .backwards) {
            let words = text[range.upperBound...].split(separator: ",").map { String($0).trimmingSpaces.lowercased().replacingAll(" ", with: "-") }
            draft["tags"] = .array(words.filter { !$0.isEmpty && $0.count <= 40 && $0.allSatisfy { $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") } }
                .prefix(20).map { .string($0) })
            text = String(text[..<range.lowerBound])
        }
        if let range = text.range(of: "\n\nHealth and safety: ", options: .backwards) {
            draft["healthSafety"] = .string(String(text[range.upperBound...].prefix(8192)))
            text = String(text[..<range.lowerBound])
        }
        let paragraphs = text.components(separatedBy: "\n\n")
        var summary = paragraphs[0].replacingAll("\n", with: " ").trimmingSpaces
        var rest = paragraphs.dropFirst().joined(separator: "\n\n")
        if summary.count > 280 {
            // The first sentence if it fits, else the first 277 characters and an ellipsis; all of it stays in the description.
            let sentence = summary.split(separator: ".", maxSplits: 1).first.map { String($0) + "." } ?? ""
            rest = paragraphs.joined(separator: "\n\n")
            summary = sentence.count <= 280 ? sentence : String(summary.prefix(277)) + "…"
            warnings.append("function: the first paragraph is longer than a summary (280 characters); the summary is shortened and the whole text kept as the description")
        }
        draft["summary"] = .string(summary)
        if !rest.isEmpty { draft["description"] = .string(String(rest.prefix(65_536))) }
    }

    static func processes(_ value: TOMLValue?, warnings: inout [String]) -> JSONValue {
        let codes = ["3DP": "3d-printing", "LAS": "laser-cutting", "CNC": "cnc-milling", "PCB": "pcb", "CIR": "electronics-assembly",
                     "WEL": "welding", "ASM": "assembly"]
        var found: [JSONValue] = []
        for code in stringList(value) {
            if let process = codes[code.uppercased()] { found.append(.string(process)) } else {
                warnings.append("tsdc: '\(code)' has no single Allmende process; add processes by hand")
            }
        }
        return .array(found)
    }

    static func stringList(_ value: TOMLValue?) -> [String] {
        if let text = value?.stringValue { return [text] }
        return value?.arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// TOML as the JSON a draft holds (date-times as their text).
    static func json(_ value: TOMLValue) -> JSONValue {
        switch value {
        case let .string(text): .string(text)
        case let .integer(number): .integer(Int(number))
        case let .float(number): .number(number)
        case let .boolean(flag): .bool(flag)
        case let .dateTime(time): .string(time.text)
        case let .array(values): .array(values.map(json))
        case let .table(table): .object(json(table))
        }
    }

    static func json(_ table: TOMLTable) -> [String: JSONValue] {
        var members: [String: JSONValue] = [:]
        for key in table.keys { if let value = table[key] { members[key] = json(value) } }
        return members
    }
}

extension StringProtocol {
    /// Without leading and trailing white space.
    public var trimmingSpaces: String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars = scalars.dropFirst() }
        while let last = scalars.last, last.isWhitespace { scalars = scalars.dropLast() }
        return String(scalars)
    }
}
