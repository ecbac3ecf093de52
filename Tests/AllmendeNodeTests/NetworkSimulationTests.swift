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
        #expect(network.sessionsEnded > 200)
    }

    @Test("a new node joining a 2,000-entry catalog receives it all, with at most 1.2 times the entries' bytes")
    func join() {
        var settings = NetworkSettings()
        settings.seed = 7
        let network = NetworkSimulation(nodeCount: 100, sharedEntries: 2000, entryBytes: 1000, settings: settings)
        network.connectRandomly(dials: 2...3)
        network.run(until: Self.round)
        let newcomer = network.join(dials: 3, at: network.now)
        network.run(until: Self.round * 4)
        #expect(network.hasFullCatalog(newcomer))
        #expect(network.catalog(of: newcomer).count == 2000)
        let ratio = Double(network.bytesReceived(by: newcomer)) / Double(2000 * 1000)
        #expect(ratio >= 1 && ratio <= 1.2, "received \(ratio) times the entries' bytes")
    }

    @Test("forged entries from a liar reach no honest node, and its peers drop it after three")
    func liar() {
        let network = NetworkSimulation(nodeCount: 60, sharedEntries: 50)
        network.connectRandomly(dials: 2...3)
        network.run(until: .seconds(1))
        let liar = 59
        #expect(!network.links(of: liar).isEmpty)
        let forged = network.announceForged(from: liar, count: 3, at: .seconds(2))
        let honest = network.publish(at: 0, time: .seconds(3))
        network.run(until: Self.round * 5)
        #expect(network.links(of: liar).isEmpty)
        for node in 0..<59 {
            #expect(!forged.contains(where: network.catalog(of: node).contains))
            #expect(network.catalog(of: node).contains(honest))
        }
    }

    @Test("push alone leaves nodes without a new entry under loss; reconciliation rounds close the gap")
    func reconciliationMatters() {
        var settings = NetworkSettings()
        settings.loss = 0.2
        settings.core.fanout = 2
        settings.seed = 3
        let network = NetworkSimulation(nodeCount: 300, sharedEntries: 10, settings: settings)
        network.connectRandomly(dials: 2...3)
        network.run(until: Self.round)
        let entry = network.publish(at: 0, time: network.now)
        // Within a fifth of a round only push has acted.
        network.run(until: Self.round * 1.2)
        let byPush = network.holders[entry] ?? 0
        network.run(until: Self.round * 20)
        #expect(byPush < 300)
        #expect(network.holders[entry] == 300)
    }
}

@Suite("Discovery in the simulation of the real node core")
struct DiscoverySimulationTests {
    @Test("120 nodes that each dial 2: discovery brings every node to its outbound target; 99.9 % of pairs can reach each other")
    func discovery() {
        var settings = NetworkSettings()
        settings.discovery = true
        settings.seed = 5
        let count = 120
        let network = NetworkSimulation(nodeCount: count, settings: settings)
        network.connectRandomly(dials: 2...2)
        network.run(until: NetworkSimulationTests.round * 3)
        let outbound = (0..<count).map { network.outboundCount(of: $0) }
        #expect(outbound.allSatisfy { $0 >= NodeCore<Int>.Settings().directory.targetOutbound }, "\(outbound.sorted().prefix(10))")
        var unreachable = 0
        for node in 0..<count { for other in 0..<count where other != node && !network.canReach(node, other) { unreachable += 1 } }
        #expect(Double(unreachable) <= Double(count * (count - 1)) * 0.001, "\(unreachable) of \(count * (count - 1)) pairs cannot reach each other")
    }
}
