// BundleFormat.swift: AllmendeStore. The offline bundle file (Protocol/bundle.md): a self-describing header, then
// length-prefixed records, each carrying the SHA-256 of its data, then an end record binding them all.

import AllmendeCrypto
import AllmendeModel
import AllmendeSystem
import CanonicalJSON

enum BundleFormat {
    static let magic = Array("AMBUNDLE".utf8)
    static let version: UInt32 = 1
    static let formatName = "allmende/bundle/1"
    /// Largest header JSON.
    static let maximumHeader = 1 << 20
    /// Largest statement or revocation record data.
    static let maximumSmallRecord = 1 << 16
    /// Most packages one bundle lists.
    static let maximumPackages = 100_000
    /// Most bytes of statements and revocations held while a bundle is checked (they are applied only at the end).
    static let maximumSmallBytes = 512 << 20
}

/// The kinds of record.
enum BundleRecordKind: UInt8 {
    /// 32-byte content ID, then the blob (a file, a manifest): the ID is the SHA-256 of the bytes.
    case blob = 1
    /// A signed statement's canonical bytes (publish, attest, retract).
    case statement = 2
    /// A signed revocation's canonical bytes.
    case revocation = 3
    /// Record count and the digest over every record's kind, length and digest.
    case end = 0xFF
}

/// The header: what the bundle holds, as canonical JSON.
struct BundleHeader: Equatable {
    var created: Timestamp
    /// The packages the bundle carries complete (manifest and every file), sorted.
    var packages: [ContentID]
    /// How they were chosen, in words ("--tag timber", "--all"), for people.
    var selection: String
    /// The node that wrote it.
    var creator: NodeID?

    var json: JSONValue {
        var members: [String: JSONValue] = ["format": .string(BundleFormat.formatName), "created": .string(created.description),
                                            "packages": .array(packages.map { .string($0.hex) }), "selection": .string(selection)]
        if let creator { members["creator"] = .string(creator.text) }
        return .object(members)
    }

    static func parse(_ bytes: [UInt8]) throws(BundleError) -> BundleHeader {
        guard let value = try? JSONParser.parse(bytes), case let .object(members) = value,
              members["format"]?.stringValue == BundleFormat.formatName,
              let createdText = members["created"]?.stringValue, let created = Timestamp(parsing: createdText),
              let packageList = members["packages"]?.arrayValue, packageList.count <= BundleFormat.maximumPackages else {
            throw .malformed(offset: 12, reason: "the header is not an \(BundleFormat.formatName) header")
        }
        var packages: [ContentID] = []
        for entry in packageList {
            guard let text = entry.stringValue, let id = try? ContentID(parsing: text), text.count == 64 else {
                throw .malformed(offset: 12, reason: "the header names a package that is not a 64-digit ID")
            }
            packages.append(id)
        }
        let creator = members["creator"]?.stringValue.flatMap { try? NodeID(parsing: $0) }
        return BundleHeader(created: created, packages: packages, selection: members["selection"]?.stringValue ?? "", creator: creator)
    }
}

/// What is wrong with a bundle (or with writing one), and where.
public enum BundleError: Error, CustomStringConvertible, Sendable {
    case notABundle
    case truncated(offset: Int, record: Int)
    case malformed(offset: Int, reason: String)
    case digestMismatch(offset: Int, record: Int, what: String)
    case invalid(String)
    case store(StoreError)

    public var description: String {
        switch self {
        case .notABundle: return "not an Allmende bundle (it does not start with AMBUNDLE)"
        case let .truncated(offset, record):
            return "the bundle is cut short: it ends at byte \(offset), inside record \(record), before its end record; copy it again"
        case let .malformed(offset, reason): return "the bundle is damaged at byte \(offset): \(reason)"
        case let .digestMismatch(offset, record, what):
            return "the bundle is damaged: \(what) (record \(record) at byte \(offset)) does not match its SHA-256; copy it again"
        case let .invalid(reason): return "the bundle cannot be imported: \(reason)"
        case let .store(error): return error.description
        }
    }
}

/// Writes a bundle: header, records, end record; keeps the digest over the records as it goes.
struct BundleWriter {
    let out: FileDescriptor
    private(set) var offset = 0
    private(set) var records = 0
    private let table = SHA256Hasher()

    init(out: FileDescriptor, header: BundleHeader) throws(BundleError) {
        self.out = out
        let json: [UInt8]
        do { json = try CanonicalEncoder.encode(header.json) } catch { throw .invalid("cannot encode the header: \(error)") }
        var head = BundleFormat.magic
        head.appendBigEndian(BundleFormat.version)
        head.appendBigEndian(UInt32(json.count))
        let digest = SHA256Hasher.hash(json)
        try write(head + json + digest.bytes)
        table.update(digest.bytes)
    }

    mutating func write(_ bytes: [UInt8]) throws(BundleError) {
        do { try out.writeAll(bytes) } catch { throw .store(.system(error)) }
        offset += bytes.count
    }

    /// A small record: `data` with its digest.
    mutating func record(_ kind: BundleRecordKind, _ data: [UInt8]) throws(BundleError) {
        let digest = SHA256Hasher.hash(data)
        try write(recordHead(kind, length: 32 + data.count) + digest.bytes + data)
        note(kind, length: 32 + data.count, digest: digest)
    }

    /// The head of a record: kind and length.
    func recordHead(_ kind: BundleRecordKind, length: Int) -> [UInt8] {
        var head: [UInt8] = [kind.rawValue]
        head.appendBigEndian(UInt64(length))
        return head
    }

    /// Adds a written record to the end record's digest.
    mutating func note(_ kind: BundleRecordKind, length: Int, digest: ContentID) {
        var entry = recordHead(kind, length: length)
        entry += digest.bytes
        table.update(entry)
        records += 1
    }

    mutating func advance(by count: Int) { offset += count }

    /// The end record: the number of records and the digest over them.
    mutating func finish() throws(BundleError) {
        var data: [UInt8] = []
        data.appendBigEndian(UInt64(records))
        data += table.finalize().bytes
        try write(recordHead(.end, length: data.count) + data)
    }
}

extension [UInt8] {
    mutating func appendBigEndian(_ value: UInt32) { for shift in stride(from: 24, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) } }
    mutating func appendBigEndian(_ value: UInt64) { for shift in stride(from: 56, through: 0, by: -8) { append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) } }
}
