// RangeReconcilerTests.swift: two sides find exactly their differences; messages survive their encoding.

import AllmendeCrypto
import AllmendeNode
import AllmendeTestSupport
import Testing

/// Runs a reconciliation to the end, passing every message through its byte encoding.
func reconcile(_ a: [ContentID], _ b: [ContentID], buckets: Int = 8, threshold: Int = 8)
    throws -> (aHave: Set<ContentID>, aNeed: Set<ContentID>, bytes: Int, messages: Int) {
    let left = RangeReconciler(ids: a, buckets: buckets, idListThreshold: threshold)
    let right = RangeReconciler(ids: b, buckets: buckets, idListThreshold: threshold)
    var aHave: Set<ContentID> = [], aNeed: Set<ContentID> = []
    var message: [ReconcileRange]? = left.initialMessage()
    var bytes = 0, messages = 0
    var turn = 1   // 1: right answers, 0: left answers
    while let current = message {
        let encoded = ReconcileCodec.encode(current)
        bytes += encoded.count
        messages += 1
        let decoded = try ReconcileCodec.decode(encoded)
        let answer = turn == 1 ? right.respond(to: decoded) : left.respond(to: decoded)
        if turn == 1 {   // what the right side has is what the left needs
            aNeed.formUnion(answer.have)
            aHave.formUnion(answer.need)
        } else {
            aHave.formUnion(answer.have)
            aNeed.formUnion(answer.need)
        }
        message = answer.reply
        turn ^= 1
        if messages > 40 { Issue.record("did not converge"); break }
    }
    return (aHave, aNeed, bytes, messages)
}

@Suite("Range-based set reconciliation")
struct RangeReconcilerTests {
    static func ids(_ count: Int, seed: UInt64) -> [ContentID] {
        (0..<count).map { SHA256Hasher.hash(pseudoRandomBytes(count: 8, seed: seed &* 1_000_003 &+ UInt64($0))) }
    }

    @Test("finds exactly the symmetric difference", arguments: [(0, 0, 0), (1000, 0, 5), (1000, 5, 0), (5000, 40, 60), (20, 3, 3), (0, 0, 30)])
    func exactDifference(shared: Int, onlyA: Int, onlyB: Int) throws {
        let common = Self.ids(shared, seed: 1)
        let extraA = Self.ids(onlyA, seed: 2)
        let extraB = Self.ids(onlyB, seed: 3)
        let result = try reconcile(common + extraA, common + extraB)
        #expect(result.aHave == Set(extraA))
        #expect(result.aNeed == Set(extraB))
    }

    @Test("identical sets settle in one round trip with a few hundred bytes")
    func identical() throws {
        let set = Self.ids(10_000, seed: 4)
        let result = try reconcile(set, set.reversed())
        #expect(result.aHave.isEmpty && result.aNeed.isEmpty)
        #expect(result.messages == 1)
        #expect(result.bytes < 400)
    }

    @Test("traffic grows with the differences, not the set size")
    func scaling() throws {
        let small = try reconcile(Self.ids(2_000, seed: 5) + Self.ids(10, seed: 6), Self.ids(2_000, seed: 5))
        let large = try reconcile(Self.ids(50_000, seed: 7) + Self.ids(10, seed: 8), Self.ids(50_000, seed: 7))
        #expect(large.bytes < small.bytes * 3)
        #expect(large.bytes < 50_000 * 32 / 20)
    }

    @Test("malformed messages are refused (including no ranges, and a last range that does not reach the end)", arguments: [[UInt8](), [9], [1, 40], [1, 0xFF, 7], [1, 0xFF, 2, 0, 2, 1, 2, 3], [1, 0xFF, 0, 0xFF, 0], [1], [1, 1, 0x80, 0]])
    func malformed(bytes: [UInt8]) {
        #expect(throws: ReconcileCodec.DecodingError.self) { try ReconcileCodec.decode(bytes) }
    }
}
