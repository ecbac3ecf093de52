// ReconcileVectorTests.swift: Protocol/vectors/reconciliation.json, made by an independent Python implementation.

import AllmendeCrypto
import AllmendeNode
import AllmendeTestSupport
import Testing

@Suite("Reconciliation vectors")
struct ReconcileVectorTests {
    static func item(_ n: Int) -> ContentID { SHA256Hasher.hash(Array("catalog-entry-\(n)".utf8)) }
    static func cases() throws -> [[String: Any]] { try Repository.vectorCases("reconciliation.json") }

    @Test("fingerprints match")
    func fingerprints() throws {
        let cases = try Self.cases().filter { $0["fingerprint"] is String && $0["ids"] != nil }
        #expect(cases.count == 3)
        for entry in cases {
            let ids = (entry["ids"] as? [String] ?? []).compactMap { try? ContentID(parsing: $0) }
            #expect(Hex.encode(RangeReconciler(ids: ids).setFingerprint) == entry["fingerprint"] as? String, "\(entry["name"] ?? "")")
        }
    }

    @Test("messages decode to their meaning and re-encode to the same bytes")
    func messages() throws {
        let cases = try Self.cases().filter { $0["hex"] is String }
        #expect(cases.count == 2)
        for entry in cases {
            let bytes = Hex.decode(entry["hex"] as? String ?? "") ?? []
            let decoded = try ReconcileCodec.decode(bytes)
            let expected: [ReconcileRange] = (entry["message"] as? [[String: Any]] ?? []).map { range in
                let bound = (range["bound"] as? String).flatMap(Hex.decode)
                switch range["mode"] as? String {
                case "fingerprint": return ReconcileRange(upperBound: bound, mode: .fingerprint(Hex.decode(range["fingerprint"] as? String ?? "") ?? []))
                case "idList": return ReconcileRange(upperBound: bound, mode: .idList((range["ids"] as? [String] ?? []).compactMap { try? ContentID(parsing: $0) }))
                default: return ReconcileRange(upperBound: bound, mode: .skip)
                }
            }
            #expect(decoded == expected)
            #expect(ReconcileCodec.encode(decoded) == bytes)
        }
    }

    @Test("the exchange finds exactly the listed differences")
    func exchange() throws {
        let entry = try #require(try Self.cases().first { $0["onlyA"] != nil })
        let shared = (0..<3000).map(Self.item)
        let result = try reconcile(shared + (10_000..<10_007).map(Self.item), shared + (20_000..<20_005).map(Self.item))
        #expect(result.aHave.map(\.hex).sorted() == entry["onlyA"] as? [String])
        #expect(result.aNeed.map(\.hex).sorted() == entry["onlyB"] as? [String])
    }
}
