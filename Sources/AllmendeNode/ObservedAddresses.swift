// ObservedAddresses.swift: AllmendeNode. What peers say this node's address looks like from their side (the
// `observed` message), and which of those enough different peers agree on to announce. Pure.
// Spec: Protocol/wire.md section 7 "Observed addresses".

/// Observations of this node's host by its peers: the latest per peer node, bounded. A host counts as confirmed
/// when peers at `minimumPeers` different hosts (so one machine with many node keys cannot make one up) reported
/// it within `window`.
public struct ObservedAddresses<Peer: Hashable & Sendable>: Sendable {
    public struct Observation: Sendable {
        public let host: String
        /// Where the reporting peer connected from (its own host).
        public let peerHost: String
        public let at: Duration
    }

    /// Peers whose latest observation is kept.
    public let capacity: Int
    public let minimumPeers: Int
    public let window: Duration
    private var latest: [Peer: Observation] = [:]

    public init(capacity: Int = 64, minimumPeers: Int = 2, window: Duration = .seconds(3600)) {
        self.capacity = capacity
        self.minimumPeers = minimumPeers
        self.window = window
    }

    /// Records that `peer`, connected from `peerHost`, sees this node at `host` (only the host: ports of
    /// outbound connections are not where this node listens). Unusable hosts are ignored.
    public mutating func record(_ host: String, from peer: Peer, peerHost: String, now: Duration) {
        guard Self.isUsable(host), host.utf8.count <= 64 else { return }
        latest[peer] = Observation(host: host, peerHost: peerHost, at: now)
        if latest.count > capacity, let oldest = latest.min(by: { $0.value.at < $1.value.at }) { latest[oldest.key] = nil }
    }

    /// Hosts confirmed by peers at `minimumPeers` different hosts within the window, most confirmations first.
    public func confirmed(now: Duration) -> [String] {
        var reporters: [String: Set<String>] = [:]
        for observation in latest.values where now - observation.at <= window {
            reporters[observation.host, default: []].insert(observation.peerHost)
        }
        return reporters.filter { $0.value.count >= minimumPeers }
            .sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }.map(\.key)
    }

    /// True for a host that could be dialled: not empty, not unspecified (0.0.0.0, ::), no port or spaces.
    static func isUsable(_ host: String) -> Bool {
        !host.isEmpty && host != "0.0.0.0" && host != "::" && !host.contains(" ") && !host.contains("[")
            && host.unicodeScalars.allSatisfy { $0.isASCII && $0.value > 32 }
    }
}
