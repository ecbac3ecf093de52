// GossipSimulationTests.swift: 1,000 gossip cores on a simulated network: a new entry reaches every node.

import AllmendeCrypto
import AllmendeNode
import Testing

@Suite("Gossip simulation")
struct GossipSimulationTests {
    @Test("a new entry reaches all 1,000 nodes within 20 rounds", arguments: [(0.0, 1, UInt64(1)), (0.1, 1, UInt64(2)), (0.2, 2, UInt64(3))])
    func fullCoverage(loss: Double, latency: Int, seed: UInt64) {
        var simulation = GossipSimulation()
        simulation.loss = loss
        simulation.latency = latency
        simulation.seed = seed
        let outcome = simulation.run()
        #expect(outcome.covered == 1000)
        let rounds = outcome.roundsToFullCoverage ?? .max
        #expect(rounds <= 20 * latency, "took \(rounds) rounds")
    }

    @Test("push never goes back to the sender or out twice")
    func pushRules() {
        var core = GossipCore<Int>(fanout: 3)
        var random = SplitMix64(seed: 9)
        let entry = SHA256Hasher.hash([1])
        let targets = core.accept(entry, from: 5, connected: [1, 2, 3, 4, 5], using: &random)
        #expect(targets.count == 3)
        #expect(!targets.contains(5))
        #expect(core.accept(entry, from: 2, connected: [1, 2, 3, 4, 5], using: &random).isEmpty)
    }

    @Test("without anti-entropy, push alone can miss nodes; anti-entropy closes the gap")
    func antiEntropyMatters() {
        var pushOnly = GossipSimulation()
        pushOnly.fanout = 2
        pushOnly.antiEntropyEvery = 0
        pushOnly.loss = 0.3
        pushOnly.seed = 11
        let without = pushOnly.run(maximumRounds: 60)
        var withRepair = pushOnly
        withRepair.antiEntropyEvery = 3
        let with = withRepair.run(maximumRounds: 60)
        #expect(without.covered < 1000)
        #expect(with.covered == 1000)
    }
}
