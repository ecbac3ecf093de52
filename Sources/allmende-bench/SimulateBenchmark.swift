// SimulateBenchmark.swift: allmende-bench. The real NodeCore at network scale: N simulated nodes on a virtual
// network (100 ms links, 5 % loss), a 10,000-entry catalog; a new entry spreading, and a new node joining.

import AllmendeCrypto
import AllmendeNode
import Foundation

struct SimulateBenchmark {
    let nodeCounts: [Int]
    var catalogEntries = 10_000
    var entryBytes = 1200
    var dials = 4

    func run() {
        let round = NodeCore<Int>.Settings().antiEntropyInterval
        print("## simulate: the real NodeCore on a virtual network (each node dials \(dials) others; 100 ms links, 100 Mbit/s, 5 % of messages lost;")
        print("## a catalog of \(catalogEntries) entries of \(entryBytes) bytes; one round = the reconciliation interval, \(round))")
        print("| nodes | new entry: rounds to full coverage | receptions per node | bytes per node per round | new node: time to full catalog | bytes received / entry bytes | memory per node | wall time |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for nodes in nodeCounts { measure(nodes: nodes, round: round) }
        print(String(format: "peak process memory: %.0f MiB", Double(Self.peakResidentBytes()) / 1_048_576))
    }

    private func measure(nodes: Int, round: Duration) {
        let started = ContinuousClock.now
        let baseline = Self.residentBytes()
        var settings = NetworkSettings()
        settings.loss = 0.05
        settings.seed = UInt64(nodes)
        let network = NetworkSimulation(nodeCount: nodes, sharedEntries: catalogEntries, entryBytes: entryBytes, settings: settings)
        network.connectRandomly(dials: dials...dials)
        // Warm up: every connection up and its first reconciliation done.
        network.run(until: round)
        let bytesBefore = network.bytes
        let start = network.now
        let entry = network.publish(at: 0, time: start)
        let newcomer = network.join(dials: 3, at: start)
        var coverageRounds: Int?
        var joined: Duration?
        var step = 0
        while step < 40 * 10 && (coverageRounds == nil || joined == nil) {
            step += 1
            network.run(until: start + round * Double(step) / 10)
            if coverageRounds == nil && network.holders[entry] == network.nodeCount { coverageRounds = (step + 9) / 10 }
            if joined == nil && network.hasFullCatalog(newcomer) { joined = network.now - start }
        }
        let rounds = Double(step) / 10
        let receptions = Double(network.receptions[entry] ?? 0) / Double(network.nodeCount)
        let perRound = Double(network.bytes - bytesBefore) / Double(network.nodeCount) / rounds
        let joinRatio = Double(network.bytesReceived(by: newcomer)) / Double(catalogEntries * entryBytes + entryBytes)
        let memory = Double(max(0, Self.residentBytes() - baseline)) / Double(network.nodeCount)
        let wall = ContinuousClock.now - started
        print(String(format: "| %d | %@ | %.2f | %.0f | %@ | %.3f | %.1f KiB | %.1f s |", nodes,
                     coverageRounds.map { "\($0)" } ?? "not within 40", receptions, perRound,
                     joined.map { String(format: "%.1f s", Double($0.components.seconds) + Double($0.components.attoseconds) / 1e18) } ?? "not within 40 rounds",
                     joinRatio, memory / 1024, Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18))
    }

    /// Discovery at `nodes` nodes: each dials 2 random others, then signed node announcements (re-signed on every
    /// connection, forwarded, exchanged 32 at a time) and the outbound target do the rest.
    func discovery(nodes counts: [Int]) {
        let round = NodeCore<Int>.Settings().antiEntropyInterval
        print("## simulate --discovery: node announcements and the outbound target in the real core (each node dials 2 at start; 100 ms links; 5 rounds)")
        print("| nodes | nodes at the outbound target (8) | pairs that can reach each other (20,000 sampled) | node-announcement messages received per node | bytes of them per node | wall time |")
        print("|---:|---:|---:|---:|---:|---:|")
        for count in counts {
            let started = ContinuousClock.now
            var settings = NetworkSettings()
            settings.discovery = true
            settings.seed = UInt64(count) &+ 7
            let network = NetworkSimulation(nodeCount: count, settings: settings)
            network.connectRandomly(dials: 2...2)
            network.run(until: round * 5)
            let atTarget = (0..<count).filter { network.outboundCount(of: $0) >= 8 }.count
            var random = SplitMix64(seed: 99)
            var reachable = 0
            for _ in 0..<20_000 {
                let a = Int(random.next() % UInt64(count)), b = Int(random.next() % UInt64(count))
                if a == b || network.canReach(a, b) { reachable += 1 }
            }
            let wall = ContinuousClock.now - started
            print(String(format: "| %d | %.1f %% | %.2f %% | %.0f | %.0f | %.1f s |", count, Double(atTarget) * 100 / Double(count),
                         Double(reachable) / 200, Double(network.nodeMessages) / Double(count), Double(network.nodeBytes) / Double(count),
                         Double(wall.components.seconds) + Double(wall.components.attoseconds) / 1e18))
        }
    }

    static func residentBytes() -> Int { processStatusKiB("VmRSS:") * 1024 }
    static func peakResidentBytes() -> Int { processStatusKiB("VmHWM:") * 1024 }
}
