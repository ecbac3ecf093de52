// Statement.swift: AllmendeModel. Signed claims about a package: publish, attest, retract. Spec: Protocol/statements.md.

import AllmendeCrypto
import CanonicalJSON

/// What a statement claims.
public enum StatementKind: String, CaseIterable, Sendable {
    /// The identity publishes the package.
    case publish
    /// A lab built the design; a free-text report, optionally with photos.
    case attest
    /// The package is withdrawn (for example a safety problem), with a reason.
    case retract
}

/// A claim by a lab identity about one package, before signing.
public struct Statement: Equatable, Sendable {
    public static let schema = "allmende/statement/1"
    /// Domain-separation context prepended to the canonical bytes before signing.
    public static let signingContext = Array("Allmende statement v1\u{0}".utf8)

    public var kind: StatementKind
    public var package: ContentID
    /// The lab identity making the claim.
    public var identity: NodeID
    public var time: Timestamp
    /// Build report (attest) or explanation (publish); Markdown.
    public var note: String?
    /// Photo blob IDs (attest).
    public var photos: [ContentID]
    /// Why the package is withdrawn (retract; required there).
    public var reason: String?
    /// Publish only: the package's searchable summary, signed with the statement.
    public var summary: PackageSummary?

    public init(kind: StatementKind, package: ContentID, identity: NodeID, time: Timestamp, note: String? = nil,
                photos: [ContentID] = [], reason: String? = nil, summary: PackageSummary? = nil) {
        self.kind = kind
        self.package = package
        self.identity = identity
        self.time = time
        self.note = note
        self.photos = photos
        self.reason = reason
        self.summary = summary
    }

    var json: JSONValue {
        var members: [String: JSONValue] = [
            "schema": .string(Self.schema), "kind": .string(kind.rawValue), "package": .string(package.hex),
            "identity": .string(identity.text), "time": .string(time.description),
        ]
        if let note { members["note"] = .string(note) }
        if !photos.isEmpty { members["photos"] = .array(photos.map { .string($0.hex) }) }
        if let reason { members["reason"] = .string(reason) }
        if let summary { members["summary"] = summary.json }
        return .object(members)
    }

    static func parse(_ value: JSONValue, path: String) throws(ModelError) -> Statement {
        var reader = try JSONObjectReader(value, path: path)
        let schema = try reader.string("schema", maximumLength: 100)
        guard schema == Self.schema else { throw .unknownSchema(found: schema, expected: Self.schema) }
        let kind = try reader.enumeration("kind", StatementKind.self)
        let package = try reader.contentID("package")
        let identity = try reader.nodeID("identity")
        let timeText = try reader.string("time", maximumLength: 20)
        guard let time = Timestamp(parsing: timeText), timeText.count == 20 else {
            throw .invalidField(path: reader.fieldPath("time"), reason: "'\(timeText)' is not a UTC time such as 2026-05-01T12:00:00Z")
        }
        var statement = Statement(kind: kind, package: package, identity: identity, time: time)
        statement.note = try reader.optionalString("note", maximumLength: 16_384)
        statement.photos = try reader.array("photos", maximumCount: 32) { (value, path) throws(ModelError) in
            try JSONObjectReader.contentID(try stringElement(value, path: path, maximumLength: 64), path: path)
        }
        statement.reason = try reader.optionalString("reason", maximumLength: 4096)
        if let summary = reader.value("summary") { statement.summary = try PackageSummary.parse(summary, path: reader.fieldPath("summary")) }
        try reader.rejectUnknownKeys()
        try statement.validate(path: path)
        return statement
    }

    /// Checks the fields each kind needs.
    public func validate(path: String = "statement") throws(ModelError) {
        switch kind {
        case .retract:
            guard let reason, !reason.isEmpty else { throw .invalidField(path: path + ".reason", reason: "a retraction needs a reason") }
        case .attest:
            guard let note, !note.isEmpty else { throw .invalidField(path: path + ".note", reason: "an attestation needs a build report") }
        case .publish:
            guard photos.isEmpty, reason == nil else { throw .invalidField(path: path, reason: "a publish statement has no photos or reason") }
        }
        if kind != .attest && !photos.isEmpty { throw .invalidField(path: path + ".photos", reason: "only attestations carry photos") }
        if kind != .publish && summary != nil { throw .invalidField(path: path + ".summary", reason: "only publish statements carry a summary") }
    }

    /// The bytes that are signed: context string ‖ canonical JSON.
    func signingMessage() throws(ModelError) -> [UInt8] {
        do { return Self.signingContext + (try CanonicalEncoder.encode(json)) } catch { throw .notCanonical(error.description) }
    }
}
