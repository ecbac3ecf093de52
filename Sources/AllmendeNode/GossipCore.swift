// GossipCore.swift: AllmendeNode. Push gossip of catalog entries: forward each new entry to a few peers, never
// back to the sender and never twice. Pure: the caller supplies peers and randomness.

import AllmendeCrypto

/// The push-gossip state of one node.
public struct GossipCore<Peer: Hashable & Sendable>: Sendable {
    /// Peers each new entry is forwarded to.
    public let fanout: Int
    /// Entry IDs this node has accepted (the seen-set).
    public private(set) var known: Set<ContentID> = []

    public init(fanout: Int = 4) { self.fanout = fanout }

    /// Accepts an entry (from `sender`, or local when nil); returns the peers to forward it to — none if it was
    /// already known.
    public mutating func accept(_ id: ContentID, from sender: Peer?, connected peers: [Peer],
                                using random: inout some RandomNumberGenerator) -> [Peer] {
        guard known.insert(id).inserted else { return [] }
        var candidates = peers.filter { $0 != sender }
        candidates.shuffle(using: &random)
        return Array(candidates.prefix(fanout))
    }

    /// Adds entries learned by anti-entropy (they are not pushed on: the peer that lacked them will reconcile too).
    public mutating func learn(_ ids: some Sequence<ContentID>) { known.formUnion(ids) }
}

/// SplitMix64: a small, fast, seedable generator for reproducible simulations.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
