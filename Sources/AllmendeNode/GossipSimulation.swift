// GossipSimulation.swift: AllmendeNode. Many GossipCores on a simulated network with latency, loss and a
// virtual clock of rounds. Pure and deterministic for a given seed.

import AllmendeCrypto

extension GossipSimulation {
    /// Messages and bytes of one reconciliation between two catalogs, plus the entries it moves.
    static func reconcileCost(_ a: [ContentID], _ b: [ContentID], entryBytes: Int) -> (messages: Int, bytes: Int) {
        let left = RangeReconciler(ids: a)
        let right = RangeReconciler(ids: b)
        var message: [ReconcileRange]? = left.initialMessage()
        var messages = 0, bytes = 0
        var rightTurn = true
        while let current = message, messages < 32 {
            messages += 1
            bytes += ReconcileCodec.encode(current).count + 9   // + frame header and session number
            let answer = (rightTurn ? right : left).respond(to: current)
            let moved = answer.have.count + answer.need.count
            messages += moved
            bytes += moved * entryBytes
            message = answer.reply
            rightTurn.toggle()
        }
        return (messages, bytes)
    }
}

/// What a simulation measured.
public struct GossipOutcome: Sendable {
    /// Rounds until every node had the entry, or nil if it never happened within the limit.
    public let roundsToFullCoverage: Int?
    /// Nodes that had the entry at the end.
    public let covered: Int
    public let messagesPerNode: Double
    public let bytesPerNode: Double
}

/// A network of `nodeCount` gossip nodes on a random topology (each node links to `degree / 2` random others,
/// giving an average degree of `degree`). One round: every message sent in the previous round arrives (or is
/// lost with probability `loss`, or arrives `latency` rounds later); every `antiEntropyEvery` rounds each node
/// reconciles with one random neighbour.
public struct GossipSimulation {
    public var nodeCount = 1000
    public var degree = 8
    public var fanout = 4
    public var loss = 0.0
    /// Rounds a message travels.
    public var latency = 1
    public var antiEntropyEvery = 4
    /// Bytes of one pushed catalog entry (a signed statement with summary).
    public var entryBytes = 1200
    /// Catalog entries every node already shares (they make each reconciliation exchange realistically sized).
    public var sharedEntries = 10_000
    public var seed: UInt64 = 1

    public init() {}

    /// Publishes one entry at node 0 and runs until every node has it (or `maximumRounds`).
    public func run(maximumRounds: Int = 200) -> GossipOutcome {
        var random = SplitMix64(seed: seed)
        var neighbours = [Set<Int>](repeating: [], count: nodeCount)
        for node in 0..<nodeCount {
            while neighbours[node].count < degree / 2 {
                let other = Int.random(in: 0..<nodeCount, using: &random)
                if other != node { neighbours[node].insert(other); neighbours[other].insert(node) }
            }
        }
        let peers = neighbours.map { Array($0).sorted() }
        var cores = [GossipCore<Int>](repeating: GossipCore(fanout: fanout), count: nodeCount)
        let entry = SHA256Hasher.hash(Array("simulated entry \(seed)".utf8))
        var inFlight: [(arrival: Int, to: Int, from: Int)] = []
        var messages = 0
        var bytes = 0
        var coveredCount = 0

        // Reconciliation between two nodes can only see two catalogs: the shared one with or without the new entry.
        // Run the real RangeReconciler once for each pairing and charge its measured messages and bytes.
        let shared = (0..<sharedEntries).map { SHA256Hasher.hash(Array("shared entry \($0)".utf8)) }
        var exchangeCost: [Bool: [Bool: (messages: Int, bytes: Int)]] = [:]
        for initiatorHas in [false, true] {
            for responderHas in [false, true] {
                exchangeCost[initiatorHas, default: [:]][responderHas] = Self.reconcileCost(
                    shared + (initiatorHas ? [entry] : []), shared + (responderHas ? [entry] : []), entryBytes: entryBytes)
            }
        }

        func send(from: Int, to: Int, at round: Int) {
            messages += 1
            bytes += entryBytes
            if Double.random(in: 0..<1, using: &random) >= loss { inFlight.append((round + latency, to, from)) }
        }

        for target in cores[0].accept(entry, from: nil, connected: peers[0], using: &random) { send(from: 0, to: target, at: 0) }
        coveredCount = 1
        for round in 1...maximumRounds {
            let arriving = inFlight.filter { $0.arrival <= round }
            inFlight.removeAll { $0.arrival <= round }
            for message in arriving {
                let wasKnown = cores[message.to].known.contains(entry)
                for target in cores[message.to].accept(entry, from: message.from, connected: peers[message.to], using: &random) {
                    send(from: message.to, to: target, at: round)
                }
                if !wasKnown { coveredCount += 1 }
            }
            if antiEntropyEvery > 0 && round % antiEntropyEvery == 0 {
                for node in 0..<nodeCount {
                    guard let partner = peers[node].randomElement(using: &random) else { continue }
                    let mine = cores[node].known.contains(entry), theirs = cores[partner].known.contains(entry)
                    let cost = exchangeCost[mine]?[theirs] ?? (0, 0)
                    messages += cost.messages
                    bytes += cost.bytes
                    if mine != theirs {
                        cores[mine ? partner : node].learn([entry])
                        coveredCount += 1
                    }
                }
            }
            if coveredCount == nodeCount {
                return GossipOutcome(roundsToFullCoverage: round, covered: coveredCount, messagesPerNode: Double(messages) / Double(nodeCount),
                                     bytesPerNode: Double(bytes) / Double(nodeCount))
            }
        }
        return GossipOutcome(roundsToFullCoverage: nil, covered: coveredCount, messagesPerNode: Double(messages) / Double(nodeCount),
                             bytesPerNode: Double(bytes) / Double(nodeCount))
    }
}
