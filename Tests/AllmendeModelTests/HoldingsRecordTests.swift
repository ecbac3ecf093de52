// HoldingsRecordTests.swift: signing, encoding and parsing holdings records; refused shapes; the vectors in
// Protocol/vectors/holdings.json.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Foundation
import Testing

@Suite("Holdings records")
struct HoldingsRecordTests {
    let t0 = Timestamp(parsing: "2026-12-01T12:00:00Z")!
    let ids = (0..<5).map { SHA256Hasher.hash(Array("package \($0)".utf8)) }

    @Test("signed whole, it survives its canonical bytes and verifies; a change form carries the same signed state")
    func roundTrip() throws {
        let record = try HoldingsRecord.sign(Set(ids), addresses: ["198.51.100.7:7310", "[2001:db8::7]:7310"], seq: 7, time: t0, lifetime: 3600,
                                             with: Fixtures.labKey)
        #expect(record.state.addresses.count == 2)
        #expect(record.isWhole && record.added == ids.sorted() && record.state.count == 5)
        #expect(record.state.digest == ContentID.setDigest(ids.sorted()))
        #expect(record.isSignatureValid)
        let parsed = try HoldingsRecord(parsing: try record.canonicalBytes())
        #expect(parsed == record && parsed.isSignatureValid)
        let change = record.change(from: 6, Set(ids.prefix(4) + [SHA256Hasher.hash(Array("gone".utf8))]), to: Set(ids))
        #expect(change.base == 6 && change.added == [ids[4]] && change.removed == [SHA256Hasher.hash(Array("gone".utf8))])
        let reparsed = try HoldingsRecord(parsing: try change.canonicalBytes())
        #expect(reparsed == change && reparsed.isSignatureValid)
    }

    @Test("a changed state field breaks the signature; the lists are not signed (the digest checks them)")
    func tampering() throws {
        let record = try HoldingsRecord.sign(Set(ids), seq: 1, time: t0, lifetime: 3600, with: Fixtures.labKey)
        for change in [{ (r: inout HoldingsRecord) in r.state.seq = 2 }, { $0.state.count = 4 },
                       { $0.state.expires = Timestamp(secondsSinceEpoch: $0.state.expires.secondsSinceEpoch + 1) },
                       { $0.state.node = Fixtures.device }, { $0.state.digest = SHA256Hasher.hash([1]) },
                       { $0.state.addresses = ["203.0.113.9:7310"] }] {
            var forged = record
            change(&forged)
            #expect(!forged.isSignatureValid)
        }
        var listChanged = record
        listChanged.added.removeLast()
        #expect(listChanged.isSignatureValid, "the lists are checked against the digest where the set is kept")
    }

    @Test("refused shapes name the field: unsorted or repeated IDs, a base not before seq, seq 0, a lifetime over 7 days, a whole record that removes")
    func refusedShapes() throws {
        let record = try HoldingsRecord.sign(Set(ids), seq: 5, time: t0, lifetime: 3600, with: Fixtures.labKey)
        let text = String(decoding: try record.canonicalBytes(), as: UTF8.self)
        let sorted = ids.sorted().map(\.hex)
        let cases: [(String, String)] = [
            (text.replacingOccurrences(of: "\"\(sorted[0])\",\"\(sorted[1])\"", with: "\"\(sorted[1])\",\"\(sorted[0])\""), "added"),
            (text.replacingOccurrences(of: "\"\(sorted[1])\"", with: "\"\(sorted[0])\""), "added"),
            (text.replacingOccurrences(of: "\"base\":0", with: "\"base\":5"), "base"),
            (text.replacingOccurrences(of: "\"seq\":5", with: "\"seq\":0"), "seq"),
            (text.replacingOccurrences(of: "\"expires\":\"2026-12-01T13:00:00Z\"", with: "\"expires\":\"2026-12-09T12:00:00Z\""), "expires"),
            (text.replacingOccurrences(of: "\"expires\":\"2026-12-01T13:00:00Z\"", with: "\"expires\":\"2026-12-01T12:00:00Z\""), "expires"),
            (text.replacingOccurrences(of: "\"base\":0,", with: "\"base\":0,\"removed\":[\"\(sorted[0])\"],"), "removed"),
            (text.replacingOccurrences(of: "\"base\":0,", with: "\"base\":0,\"extra\":1,"), "extra"),
        ]
        for (bytes, field) in cases {
            #expect(bytes != text, "the mutation for \(field) applied")
            #expect(throws: ModelError.self, "\(field)") { try HoldingsRecord(parsing: Array(bytes.utf8)) }
            do { _ = try HoldingsRecord(parsing: Array(bytes.utf8)) } catch { #expect("\(error)".contains(field), "\(error)") }
        }
        #expect(throws: ModelError.self) { try HoldingsRecord.sign(Set(ids), seq: 1, time: t0, lifetime: 8 * 24 * 3600, with: Fixtures.labKey) }
        #expect(throws: ModelError.self) { try HoldingsRecord.sign(Set(ids), seq: 0, time: t0, lifetime: 60, with: Fixtures.labKey) }
    }

    @Test("the vectors: each valid one parses, re-encodes byte for byte and verifies; each invalid one is refused")
    func vectors() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: Repository.root + "/Protocol/vectors/holdings.json"))
        let root = try JSONParser.parse(Array(data))
        guard case let .array(cases)? = root["cases"] else { Issue.record("no cases"); return }
        #expect(cases.count >= 6)
        var sets: [String: Set<ContentID>] = [:]
        for item in cases {
            let name = item["name"]?.stringValue ?? "?"
            let bytes = Array((item["record"]?.stringValue ?? "").utf8)
            if item["valid"]?.boolValue == true {
                let record = try HoldingsRecord(parsing: bytes)
                #expect(try record.canonicalBytes() == bytes, "\(name)")
                #expect(record.isSignatureValid == (item["signatureValid"]?.boolValue ?? true), "\(name)")
                #expect(record.isDelegationValid == (item["delegationValid"]?.boolValue ?? true), "\(name)")
                if item["delegationValid"]?.boolValue == true { #expect(record.delegation?.identity == Fixtures.device, "\(name)") }
                if let digest = item["digestOfAdded"]?.stringValue, record.isWhole {
                    #expect(ContentID.setDigest(record.added).hex == digest && record.state.digest.hex == digest, "\(name)")
                }
                if record.isWhole { sets[name] = Set(record.added) }
                if let base = item["appliesTo"]?.stringValue, var set = sets[base] {
                    // A change applies to its base state: the result has the signed count and digest.
                    for id in record.removed { #expect(set.remove(id) != nil, "\(name)") }
                    for id in record.added { #expect(set.insert(id).inserted, "\(name)") }
                    #expect(set.count == record.state.count && ContentID.setDigest(set.sorted()) == record.state.digest, "\(name)")
                    #expect(record.state.digest.hex == item["resultingDigest"]?.stringValue, "\(name)")
                }
            } else {
                #expect(throws: ModelError.self, "\(name)") { try HoldingsRecord(parsing: bytes) }
            }
        }
    }
}
