// MutationTests.swift: parsers of untrusted input never crash on mutated, truncated or random bytes.

import AllmendeCrypto
import AllmendeModel
import AllmendeTestSupport
import CanonicalJSON
import Testing

@Suite("Parsers under mutation")
struct MutationTests {
    /// `count` variants of `bytes`: a byte flipped, a byte deleted, a byte inserted, or cut short.
    static func mutations(of bytes: [UInt8], count: Int, seed: UInt64) -> [[UInt8]] {
        var random = seed
        func next(_ bound: Int) -> Int {
            random = random &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((random >> 33) % UInt64(max(bound, 1)))
        }
        return (0..<count).map { _ in
            var copy = bytes
            switch next(4) {
            case 0: copy[next(copy.count)] ^= UInt8(1 << next(8))
            case 1: copy.remove(at: next(copy.count))
            case 2: copy.insert(UInt8(next(256)), at: next(copy.count))
            default: copy = Array(copy.prefix(next(copy.count)))
            }
            return copy
        }
    }

    @Test("manifest parsing survives 3,000 mutations of a valid manifest")
    func manifests() throws {
        let valid = Array(Fixtures.manifestJSON().utf8)
        var accepted = 0
        for variant in Self.mutations(of: valid, count: 3000, seed: 1) {
            if (try? DesignManifest(parsing: variant)) != nil { accepted += 1 }
        }
        #expect(accepted < 3000)   // most mutations are refused, none crashes
    }

    @Test("signed statements survive mutations, and a mutated one never verifies unless it is unchanged in meaning")
    func statements() throws {
        let signed = try SignedStatement.sign(
            Statement(kind: .attest, package: SHA256Hasher.hash([1]), identity: Fixtures.lab, time: Timestamp(secondsSinceEpoch: 1_790_000_000),
                      note: "Built at the lab"), with: Fixtures.labKey, delegation: nil)
        let valid = try signed.canonicalBytes()
        for variant in Self.mutations(of: valid, count: 2000, seed: 2) {
            guard let parsed = try? SignedStatement(parsing: variant) else { continue }
            if (try? parsed.verify()) != nil { #expect(parsed == signed) }
        }
    }

    @Test("random bytes are refused by every document parser, without crashing")
    func randomBytes() {
        for seed in 0..<500 {
            let bytes = pseudoRandomBytes(count: seed % 200 + 1, seed: UInt64(seed))
            _ = try? JSONParser.parse(bytes)
            #expect((try? NodeAnnouncement(parsing: bytes)) == nil)
            #expect((try? PackageDraft(parsing: bytes)) == nil)
            #expect((try? SPDXExpression(parsing: String(decoding: bytes, as: UTF8.self))) == nil)
        }
    }
}
