// PackageDraft.swift: AllmendeModel. The human-written `allmende.json` in a folder to publish. Pure.

import AllmendeCrypto
import CanonicalJSON

/// Per-file hints in a draft: a role or media type that the file name does not tell.
public struct FileHint: Equatable, Sendable {
    public var role: FileRole?
    public var mediaType: String?
}

/// The draft manifest a lab writes by hand: everything but the files, sizes, hashes and publisher, which
/// `publish` fills in.
public struct PackageDraft: Equatable, Sendable {
    /// The draft's file name inside the folder.
    public static let fileName = "allmende.json"

    public var info: DesignInfo
    /// Creation time; `publish` uses the newest file's modification time when absent.
    public var created: Timestamp?
    /// Hints by relative path.
    public var fileHints: [String: FileHint]

    /// Parses a draft, naming the field of every problem. `resolve` turns a short package ID prefix (in
    /// `derivedFrom` and BOM `package` fields) into the full ID, as every ID argument of the CLI accepts prefixes.
    public init(parsing bytes: [UInt8], resolve: (String) -> ContentID? = { _ in nil }) throws(ModelError) {
        var value: JSONValue
        // Editors on some systems start UTF-8 files with a byte-order mark: accepted in a draft.
        let text = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        do { value = try JSONParser.parse(text, maximumLength: DesignManifest.maximumSize) } catch { throw .invalidJSON(error) }
        value = Self.normalised(value, resolve: resolve)
        var reader = try JSONObjectReader(value, path: "")
        if reader.value("publisher") != nil {
            throw .invalidField(path: "publisher", reason: "is filled in by 'allmende publish' from your lab key; remove it from the draft")
        }
        if let schema = try reader.optionalString("schema", maximumLength: 100), schema != DesignManifest.schema {
            throw .unknownSchema(found: schema, expected: DesignManifest.schema)
        }
        info = try DesignInfo.read(&reader)
        if let createdText = try reader.optionalString("created", maximumLength: 20) {
            guard let created = Timestamp(parsing: createdText) else {
                throw .invalidField(path: "created", reason: "'\(createdText)' is not a date such as 2026-05-01 or 2026-05-01T12:00:00Z")
            }
            self.created = created
        }
        var hints: [String: FileHint] = [:]
        if let files = reader.value("files") {
            guard case let .object(entries) = files else {
                throw .invalidField(path: "files", reason: "expected an object mapping paths to {\"role\", \"mediaType\"}")
            }
            for (path, entry) in entries {
                do { _ = try PackagePath(validating: path) } catch { throw .invalidField(path: "files", reason: error.description) }
                var hintReader = try JSONObjectReader(entry, path: "files.\(path)")
                var hint = FileHint()
                if hintReader.value("role") != nil { hint.role = try hintReader.enumeration("role", FileRole.self) }
                if let mediaType = try hintReader.optionalString("mediaType", maximumLength: 127) {
                    hint.mediaType = try MediaType.validate(mediaType, path: hintReader.fieldPath("mediaType"))
                }
                try hintReader.rejectUnknownKeys()
                hints[path] = hint
            }
        }
        fileHints = hints
        try reader.rejectUnknownKeys()
    }

    /// What a person writes, made what the manifest needs: tags in lower case, package ID prefixes in full.
    static func normalised(_ value: JSONValue, resolve: (String) -> ContentID?) -> JSONValue {
        guard case var .object(members) = value else { return value }
        if case let .array(tags)? = members["tags"] {
            members["tags"] = .array(tags.map { tag in if case let .string(text) = tag { .string(text.lowercased()) } else { tag } })
        }
        func full(_ entry: JSONValue) -> JSONValue {
            guard case var .object(fields) = entry, case let .string(text)? = fields["package"], text.count >= 4, text.count < 64,
                  let id = resolve(text) else { return entry }
            fields["package"] = .string(id.hex)
            return .object(fields)
        }
        for key in ["derivedFrom", "bom"] {
            if case let .array(entries)? = members[key] { members[key] = .array(entries.map(full)) }
        }
        if case let .string(text)? = members["supersedes"], text.count >= 4, text.count < 64, let id = resolve(text) {
            members["supersedes"] = .string(id.hex)
        }
        return .object(members)
    }
}
