// GossipBenchmark.swift: allmende-bench. 1,000 simulated nodes: rounds to full coverage, messages and bytes per node.

import AllmendeNode
import Foundation

struct GossipBenchmark {
    func run() {
        print("## gossip: one new catalog entry among 1,000 simulated nodes (random topology, average degree 8)")
        print("| fanout | loss | latency (rounds) | anti-entropy every | rounds to full coverage (median of 5 seeds) | messages / node | bytes / node | time (ms) |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|")
        for (fanout, loss, latency, antiEntropy) in [(4, 0.0, 1, 4), (4, 0.1, 1, 4), (4, 0.2, 2, 4), (8, 0.0, 1, 4), (2, 0.1, 1, 4), (4, 0.1, 1, 0)] {
            var rounds: [Int] = []
            var messages = 0.0, bytes = 0.0
            let start = ContinuousClock.now
            for seed in 1...5 {
                var simulation = GossipSimulation()
                simulation.fanout = fanout
                simulation.loss = loss
                simulation.latency = latency
                simulation.antiEntropyEvery = antiEntropy
                simulation.seed = UInt64(seed)
                let outcome = simulation.run(maximumRounds: 100)
                rounds.append(outcome.roundsToFullCoverage ?? 999)
                messages += outcome.messagesPerNode / 5
                bytes += outcome.bytesPerNode / 5
            }
            let elapsed = ContinuousClock.now - start
            let milliseconds = (Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15) / 5
            let median = rounds.sorted()[2]
            print(String(format: "| %d | %.0f %% | %d | %@ | %@ | %.1f | %.0f | %.0f |", fanout, loss * 100, latency,
                         antiEntropy == 0 ? "never" : "\(antiEntropy) rounds", median == 999 ? "not reached" : "\(median)",
                         messages, bytes, milliseconds))
        }
    }
}
