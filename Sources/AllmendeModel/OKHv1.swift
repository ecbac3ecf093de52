// OKHv1.swift: AllmendeModel. An OKH v1.0 manifest (YAML, 2019) in OKH-LOSH terms, following the LOSH
// data-mapping rules (function = description + intended use + health and safety notice; hardware licence first;
// project-link → repo; made / made-independently / prototype → OTRL-3), so one importer reads both. Pure.

import AllmendeTOML

public enum OKHv1 {
    /// Keys carried over (everything else is kept under its own name, so the importer lists it as not mapped).
    static let mapped: Set<String> = [
        "title", "description", "intended-use", "health-safety-notice", "keywords", "version", "license", "licensor", "project-link",
        "documentation-home", "documentation-language", "documentation_language", "derivative-of", "variant-of", "bom", "design-files",
        "schematics", "making-instructions", "manufacturing-instructions", "manufacturing-files", "operating-instructions",
        "maintenance-instructions", "image", "contributors", "made", "made-independently", "development-stage",
    ]

    /// The OKH-LOSH table for the OKH v1 manifest in `bytes`.
    public static func losh(fromYAML bytes: [UInt8]) throws(TOMLError) -> TOMLTable {
        guard let text = String(validating: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self) else {
            throw TOMLError(line: 1, column: 1, message: "the manifest is not valid UTF-8")
        }
        let v1 = try YAMLSubset.parse(text)
        var losh = TOMLTable()
        losh["okhv"] = .string("OKH-LOSHv1.0")
        if let title = v1["title"] { losh["name"] = title }
        var function = v1["description"]?.stringValue?.trimmingSpaces ?? ""
        if let use = v1["intended-use"]?.stringValue?.trimmingSpaces, !use.isEmpty { function += "\n\n" + use }
        if let safety = v1["health-safety-notice"]?.stringValue?.trimmingSpaces, !safety.isEmpty { function += "\n\nHealth and safety: " + safety }
        let keywords = v1["keywords"]?.arrayValue?.compactMap(\.stringValue) ?? v1["keywords"]?.stringValue.map { $0.split(separator: ",").map(String.init) } ?? []
        if !keywords.isEmpty { function += "\n\nKeywords: " + keywords.map(\.trimmingSpaces).joined(separator: ", ") }
        if !function.isEmpty { losh["function"] = .string(function) }
        if let version = v1["version"] { losh["version"] = version }
        switch v1["license"] {
        case let .table(licenses)?:
            let kinds = ["hardware", "documentation", "software"].filter { licenses[$0] != nil }
            if let first = kinds.first { losh["license"] = licenses[first] }
            // The others are not the package's licence: listed as not mapped (write an AND expression if they apply).
            for kind in kinds.dropFirst() { losh["license-\(kind)"] = licenses[kind] }
        case let license?: losh["license"] = license
        case nil: break
        }
        if let licensor = v1["licensor"] { losh["licensor"] = licensor }
        if let repo = v1["project-link"] ?? v1["documentation-home"] { losh["repo"] = repo }
        if let language = v1["documentation-language"] ?? v1["documentation_language"] { losh["documentation-language"] = language }
        if let fork = (v1["derivative-of"] ?? v1["variant-of"])?["web"] ?? (v1["derivative-of"] ?? v1["variant-of"])?["manifest"] { losh["forkOf"] = fork }
        if let bom = v1["bom"] { losh["bom"] = bom }
        func paths(_ keys: [String]) -> TOMLValue? {
            let found = keys.flatMap { key -> [TOMLValue] in
                guard let value = v1[key] else { return [] }
                // "Documents": a list of {path, title}, or paths.
                return (value.arrayValue ?? [value]).compactMap { $0.stringValue.map(TOMLValue.string) ?? $0["path"] }
            }
            return found.isEmpty ? nil : .array(found)
        }
        if let source = paths(["design-files", "schematics"]) { losh["source"] = source }
        if let instructions = paths(["making-instructions", "manufacturing-instructions"]) { losh["manufacturing-instructions"] = instructions }
        if let export = paths(["manufacturing-files"]) { losh["export"] = export }
        if let manual = paths(["operating-instructions", "maintenance-instructions"]) { losh["user-manual"] = manual }
        if let image = v1["image"] { losh["image"] = image }
        if v1["made-independently"]?.stringValue == "true" || v1["made"]?.stringValue == "true"
            || v1["development-stage"]?.stringValue?.lowercased() == "prototype" {
            losh["technology-readiness-level"] = .string("OTRL-3")
        }
        if let contributors = v1["contributors"]?.arrayValue {
            var authors: [TOMLValue] = []
            for contributor in contributors {
                guard let name = contributor["name"]?.stringValue else { continue }
                var person = TOMLTable()
                person["name"] = .string(name)
                if let email = contributor["email"]?.stringValue { person["email"] = .string(email) }
                person["role"] = .string("contributor")
                authors.append(.table(person))
            }
            var ext = TOMLTable()
            ext["authors"] = .array(authors)
            if !authors.isEmpty { losh["allmende"] = .table(ext) }
        }
        for key in v1.keys where !mapped.contains(key) { losh[key] = v1[key] }
        return losh
    }
}
