// OKHImport+Files.swift: AllmendeModel. The files an OKH manifest lists, as the draft's role hints, and its bill
// of materials (a CSV file in the folder, `[[part]]` tables naming Allmende packages). Pure.

import AllmendeTOML
import CanonicalJSON

extension OKHImport {
    /// OKH's file lists → role hints for the files that are in the folder. Paths are relative to the manifest
    /// (a leading `/` means the folder itself); URLs, `..` and files not in the folder are warned about.
    static func fileHints(_ table: TOMLTable, ext: [String: JSONValue], manifestName: String, files: Set<String>,
                          warnings: inout [String]) -> [String: JSONValue] {
        var hints: [String: JSONValue] = [:]
        func hint(_ path: String, role: FileRole, key: String) {
            guard let path = localPath(path, key: key, files: files, warnings: &warnings) else { return }
            if hints[path] == nil { hints[path] = ["role": .string(role.rawValue)] }
        }
        if case let .object(exported)? = ext["files"] {
            for (path, entry) in exported {
                guard files.contains(path) else {
                    warnings.append("[allmende.files]: '\(path)' is not in the folder")
                    continue
                }
                hints[path] = entry
            }
        }
        if let readme = table["readme"]?.stringValue { hint(readme, role: .readme, key: "readme") }
        for path in stringList(table["bom"]) { hint(path, role: .bom, key: "bom") }
        for key in ["manufacturing-instructions", "user-manual"] { for path in stringList(table[key]) { hint(path, role: .instructions, key: key) } }
        for path in stringList(table["source"]) { hint(path, role: MediaType.guessRole(forPath: path) == .cad ? .cad : .source, key: "source") }
        for path in stringList(table["export"]) {
            hint(path, role: MediaType.guessRole(forPath: path) == .cuttingFile ? .cuttingFile : .drawing, key: "export")
        }
        for path in stringList(table["auxiliary"]) { hint(path, role: .other, key: "auxiliary") }
        switch table["image"] {
        case let .string(path)?: hint(path, role: .photo, key: "image")
        case let .array(images)?:
            for image in images {
                if let path = image.stringValue ?? image["location"]?.stringValue { hint(path, role: .photo, key: "image") }
            }
        default: break
        }
        // The manifest itself travels with the package.
        if files.contains(manifestName), hints[manifestName] == nil {
            let isYAML = manifestName.lowercased().hasSuffix(".yml") || manifestName.lowercased().hasSuffix(".yaml")
            hints[manifestName] = ["role": "other", "mediaType": .string(isYAML ? "application/yaml" : "application/toml")]
        }
        return hints
    }

    /// A path an OKH manifest gives, as a path in the folder; nil (with a warning) for URLs, paths leaving the
    /// folder and files that are not there.
    static func localPath(_ text: String, key: String, files: Set<String>, warnings: inout [String]) -> String? {
        if text.contains("://") {
            warnings.append("\(key): '\(text.prefix(100))' is a URL, not a file of the package; download it into the folder to include it")
            return nil
        }
        var path = Substring(text)
        while path.hasPrefix("/") || path.hasPrefix("./") { path = path.hasPrefix("/") ? path.dropFirst() : path.dropFirst(2) }
        let parts = path.split(separator: "/", omittingEmptySubsequences: false)
        guard !path.isEmpty, !parts.contains(where: { $0 == ".." || $0.isEmpty }) else {
            warnings.append("\(key): '\(text.prefix(100))' leaves the folder or is not a path; not mapped")
            return nil
        }
        guard files.contains(String(path)) else {
            warnings.append("\(key): '\(text.prefix(100))' is not in the folder")
            return nil
        }
        return String(path)
    }

    /// The bill of materials: rows of CSV files the manifest names in `bom`, then `[[part]]` tables whose source
    /// is an Allmende package (sub-assemblies).
    static func bill(_ table: TOMLTable, hints: [String: JSONValue], read: (String) -> String?, warnings: inout [String]) -> JSONValue {
        var lines: [JSONValue] = []
        for (path, hint) in hints.sorted(by: { $0.key < $1.key }) where hint["role"]?.stringValue == "bom" {
            guard path.lowercased().hasSuffix(".csv") else {
                warnings.append("bom: '\(path)' is not a CSV file; it is kept as a file, but the draft's bom stays empty")
                continue
            }
            guard let text = read(path) else {
                warnings.append("bom: '\(path)' could not be read")
                continue
            }
            let (rows, problems) = BOMCSVReader.read(text)
            lines += rows.map(\.json)
            warnings += problems.map { "bom: \(path): \($0)" }
        }
        for part in table["part"]?.arrayValue ?? [] {
            let name = part["name"]?.stringValue ?? "(unnamed part)"
            if let source = part["source"]?.stringValue, source.hasPrefix("urn:allmende:package:"), source.count == 21 + 64 {
                lines.append(["item": .string(String(name.prefix(200))), "quantity": "1", "unit": "pcs", "package": .string(String(source.dropFirst(21)))])
            } else {
                warnings.append("part '\(name.prefix(80))': not an Allmende package; add it to the bom by hand (item, quantity, unit)")
            }
        }
        return .array(lines)
    }
}
