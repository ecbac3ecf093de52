// NetworkSimulationTests.swift: the simulated tier. Hundreds of real NodeCores on a virtual network and clock:
// latency, loss, a partition that heals, nodes restarting and joining.

import AllmendeCrypto
import AllmendeNode
import Testing

@Suite("Network simulation of the real node core")
struct NetworkSimulationTests {
    static let round = NodeCore<Int>.Settings().antiEntropyInterval

    @Test("200 nodes, 5 % loss, a partition that heals and 10 % churn: every node ends with the full catalog", arguments: [UInt64(1), 2])
    func convergence(seed: UInt64) {
        var settings = NetworkSettings()
        settings.loss = 0.05
        settings.seed = seed
        let network = NetworkSimulation(nodeCount: 200, sharedEntries: 100, settings: settings)
        network.connectRandomly(dials: 2...3)
        var published: [ContentID] = []
        for number in 0..<40 {
            published.append(network.publish(at: (number * 37) % 200, time: Self.round * Double(number) / 4))
        }
        // Half the network is cut off for four rounds while entries are published on both sides.
        network.partition(Set(0..<100), from: Self.round * 2, until: Self.round * 6)
        // 20 nodes restart, each down for one to three rounds.
        for index in 0..<20 {
            network.restart(10 * index + 5, at: Self.round * (1 + Double(index % 7)), downtime: Self.round * (1 + Double(index % 3)))
        }
        network.run(until: Self.round * 30)
        #expect(network.onlineCount == 200)
        #expect(network.nodesWithFullCatalog() == 200)
        for id in published { #expect(network.holders[id] == 200) }
        print("messages \(network.messages), bytes/node \(network.bytes / 200), sessions \(network.sessionsEnded)")
    }
}
