// BlobFetchPlanTests.swift: the download of one blob, answer by answer on a virtual clock: a liar, a slow peer,
// a busy peer, batching of checks.

import AllmendeCrypto
import AllmendeNode
import AllmendeWire
import Testing

@Suite("Blob fetch plan")
struct BlobFetchPlanTests {
    static let honest = NodeCoreTests.nodeID(1), liar = NodeCoreTests.nodeID(2), slow = NodeCoreTests.nodeID(3), busy = NodeCoreTests.nodeID(4)

    /// Runs a plan to the end: each peer answers as `behaviour` says (nil: never answers); chunks check out unless
    /// they come from the liar. Returns the plan, who served each chunk, and the peers dropped.
    static func run(chunks: Int, peers: [NodeID], batchSize: Int = 1,
                    behaviour: (NodeID, Int, Int) -> BlobFetchPlan.Answer?) -> (plan: BlobFetchPlan, servedBy: [Int: NodeID], dropped: [NodeID], cancels: Int) {
        var plan = BlobFetchPlan(chunkCount: chunks, have: [], peers: peers, batchSize: batchSize, window: 4, totalWindow: 8)
        var now = Duration.zero
        var servedBy: [Int: NodeID] = [:]
        var dropped: [NodeID] = []
        var cancels = 0
        var asked: [NodeID: Int] = [:]
        var queue = plan.start(now: now)
        var steps = 0
        while !plan.isComplete && !plan.isStuck(now: now) && steps < 10_000 {
            steps += 1
            while !queue.isEmpty {
                let action = queue.removeFirst()
                switch action {
                case let .request(peer, chunk):
                    asked[peer, default: 0] += 1
                    if let answer = behaviour(peer, chunk, asked[peer] ?? 0), !dropped.contains(peer) {
                        queue += plan.answered(chunk: chunk, from: peer, answer, now: now)
                    }
                case .cancel:
                    cancels += 1
                case let .drop(peer, _):
                    dropped.append(peer)
                    queue += plan.peersReady(Set(peers).subtracting(dropped), now: now)
                case let .check(batch):
                    #expect(batch.count <= max(batchSize, 1) || batch.count <= 8)
                    let verdicts = batch.map { ($0.chunk, $0.peer, $0.peer != liar) }
                    for (chunk, peer, isValid) in verdicts where isValid { servedBy[chunk] = peer }
                    queue += plan.checked(verdicts, now: now)
                }
            }
            now = plan.nextWake(now: now) ?? now + .seconds(1)
            queue += plan.tick(now: now)
        }
        return (plan, servedBy, dropped, cancels)
    }

    @Test("a liar is dropped after 3 bad chunks and its chunks come from an honest peer")
    func liar() {
        let result = Self.run(chunks: 40, peers: [Self.liar, Self.honest]) { _, chunk, _ in .data(ChunkData([UInt8(chunk % 256)])) }
        #expect(result.plan.isComplete)
        #expect(result.dropped == [Self.liar])
        #expect(result.servedBy.count == 40 && result.servedBy.values.allSatisfy { $0 == Self.honest })
    }

    @Test("a peer that never answers times out, and every chunk it held is asked of another")
    func slowPeer() {
        let result = Self.run(chunks: 30, peers: [Self.slow, Self.honest]) { peer, chunk, _ in
            peer == Self.slow ? nil : .data(ChunkData([UInt8(chunk % 256)]))
        }
        #expect(result.plan.isComplete)
        #expect(result.cancels >= 1)
        #expect(result.servedBy.values.allSatisfy { $0 == Self.honest })
    }

    @Test("a busy peer rests and is asked again; one busy for good is given up and the rest comes from others")
    func busyPeer() {
        // Busy for its first 6 answers, then serves.
        let recovering = Self.run(chunks: 20, peers: [Self.busy]) { _, chunk, asked in asked <= 6 ? .busy : .data(ChunkData([UInt8(chunk)])) }
        #expect(recovering.plan.isComplete)
        #expect(recovering.servedBy.values.allSatisfy { $0 == Self.busy })
        // Always busy beside an honest peer: the honest one serves everything.
        let stubborn = Self.run(chunks: 20, peers: [Self.busy, Self.honest]) { peer, chunk, _ in peer == Self.busy ? .busy : .data(ChunkData([UInt8(chunk)])) }
        #expect(stubborn.plan.isComplete)
        #expect(stubborn.servedBy.values.allSatisfy { $0 == Self.honest })
        // Alone and always busy: the plan ends stuck instead of asking forever.
        let alone = Self.run(chunks: 5, peers: [Self.busy]) { _, _, _ in .busy }
        #expect(!alone.plan.isComplete && alone.plan.isStuck(now: .seconds(3600)))
    }

    @Test("chunks nobody can give end the plan, naming them")
    func unobtainable() {
        let result = Self.run(chunks: 10, peers: [Self.honest, Self.slow]) { _, chunk, _ in chunk == 7 ? .failed : .data(ChunkData([UInt8(chunk)])) }
        #expect(!result.plan.isComplete)
        #expect(result.plan.unobtainableChunks == [7])
        #expect(result.plan.storedCount == 9)
    }

    @Test("arrived chunks are checked in full batches, and the rest once nothing else is on its way")
    func batching() {
        var plan = BlobFetchPlan(chunkCount: 20, have: [], peers: [Self.honest], batchSize: 8, window: 20, totalWindow: 20)
        let requests = plan.start(now: .zero).compactMap { if case let .request(_, chunk) = $0 { chunk } else { nil } }
        #expect(requests.count == 20)
        var batches: [Int] = []
        for chunk in requests {
            for case let .check(batch) in plan.answered(chunk: chunk, from: Self.honest, .data(ChunkData([1])), now: .milliseconds(1)) {
                batches.append(batch.count)
                _ = plan.checked(batch.map { ($0.chunk, $0.peer, true) }, now: .milliseconds(1))
            }
        }
        #expect(batches == [8, 8])
        for case let .check(batch) in plan.tick(now: .milliseconds(2)) {
            batches.append(batch.count)
            _ = plan.checked(batch.map { ($0.chunk, $0.peer, true) }, now: .milliseconds(2))
        }
        #expect(batches == [8, 8, 4])
        #expect(plan.isComplete)
    }
}
