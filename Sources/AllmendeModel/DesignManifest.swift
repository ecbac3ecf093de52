// DesignManifest.swift: AllmendeModel. The signed description of a design package. Spec: Protocol/manifest.md.

import AllmendeCrypto
import CanonicalJSON

/// A design package's manifest: what the design is, who publishes it under which license, its bill of
/// materials, and every file pinned by size and SHA-256.
///
/// The **package ID** is the SHA-256 of the manifest's RFC 8785 canonical JSON bytes, so the same content
/// from the same publisher always gets the same ID, on any machine and in any implementation.
public struct DesignManifest: Equatable, Sendable {
    /// The schema string this version reads and writes.
    public static let schema = "allmende/design-package/1"
    /// Largest manifest accepted, in bytes (4 MiB: 10,000 files plus a 5,000-line BOM fit comfortably).
    public static let maximumSize = 4 << 20
    /// Most files per package.
    public static let maximumFileCount = 10_000
    /// Largest total size of a package's files, in bytes (2^53, the largest integer every JSON reader keeps exact).
    public static let maximumTotalSize = 1 << 53

    public var info: DesignInfo
    /// The lab identity that publishes the package.
    public var publisher: NodeID
    /// When the design was created (from the draft; part of the content, so it is stable across publishes).
    public var created: Timestamp
    /// The package's files, sorted by path.
    public var files: [FileEntry]

    public init(info: DesignInfo, publisher: NodeID, created: Timestamp, files: [FileEntry]) {
        self.info = info
        self.publisher = publisher
        self.created = created
        self.files = files.sorted { $0.path < $1.path }
    }

    /// Parses and validates manifest bytes (strict JSON, known schema, every field checked).
    public init(parsing bytes: [UInt8]) throws(ModelError) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes, maximumLength: Self.maximumSize) } catch { throw .invalidJSON(error) }
        try self.init(json: value)
    }

    init(json value: JSONValue) throws(ModelError) {
        var reader = try JSONObjectReader(value, path: "")
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let info = try DesignInfo.read(&reader)
        let publisher = try reader.nodeID("publisher")
        let createdText = try reader.string("created", maximumLength: 20)
        guard let created = Timestamp(parsing: createdText) else {
            throw .invalidField(path: "created", reason: "'\(createdText)' is not a UTC time such as 2026-05-01T12:00:00Z")
        }
        let files = try reader.array("files", maximumCount: Self.maximumFileCount, minimumCount: 1) { (value, path) throws(ModelError) in
            try FileEntry.parse(value, path: path)
        }
        try reader.rejectUnknownKeys()
        var seen: Set<PackagePath> = []
        var total = 0
        for (index, file) in files.enumerated() {
            guard seen.insert(file.path).inserted else { throw .invalidField(path: "files[\(index)].path", reason: "'\(file.path)' appears twice") }
            // Each size is at most 2^53, so the running total cannot overflow before it passes the limit.
            total += file.size
            guard total <= Self.maximumTotalSize else {
                throw .invalidField(path: "files[\(index)].size", reason: "the files' total size passes \(Self.maximumTotalSize) bytes (2^53)")
            }
        }
        self.init(info: info, publisher: publisher, created: created, files: files)
        guard files == self.files else { throw .invalidField(path: "files", reason: "must be sorted by path (byte order)") }
        try requireNormalForm(json, input: value)
    }

    /// The manifest as a JSON value.
    public var json: JSONValue {
        var members = info.jsonMembers
        members["schema"] = .string(Self.schema)
        members["publisher"] = .string(publisher.text)
        members["created"] = .string(created.description)
        members["files"] = .array(files.map(\.json))
        return .object(members)
    }

    /// The RFC 8785 canonical bytes, whose SHA-256 is the package ID.
    public func canonicalBytes() throws(ModelError) -> [UInt8] {
        do { return try CanonicalEncoder.encode(json) } catch { throw .notCanonical(error.description) }
    }

    /// The package ID: SHA-256 of the canonical bytes.
    public func packageID() throws(ModelError) -> ContentID { SHA256Hasher.hash(try canonicalBytes()) }

    /// Total size of all files in bytes. A parsed manifest's total is at most `maximumTotalSize`; a manifest built
    /// in memory with larger sizes saturates at `Int.max` rather than trapping.
    public var totalSize: Int {
        files.reduce(0) { total, file in
            let (sum, overflow) = total.addingReportingOverflow(file.size)
            return overflow ? Int.max : sum
        }
    }

    /// The file at `path`, if any.
    public func file(at path: String) -> FileEntry? { files.first { $0.path.text == path } }
}
