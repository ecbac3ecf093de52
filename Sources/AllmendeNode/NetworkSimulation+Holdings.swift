// NetworkSimulation+Holdings.swift: AllmendeNode. Holder records in the simulation: nodes announce what they hold
// (a state signed by the simulated node, as the daemon signs one), and what each node's core then knows of holders.
// Pure. Spec: Protocol/holders.md.

import AllmendeCrypto
import AllmendeWire

extension NetworkSimulation {
    /// Simulated states live `lifetime` seconds, as the daemon's do.
    public static var holdingsLifetime: Int64 { 3 * 24 * 3600 }

    /// At `time`, `node` announces that it holds exactly `packages` (a new state; a renewal if unchanged).
    public func announceHoldings(at node: Int, _ packages: Set<ContentID>, time: Duration) {
        queue.push(.holdings(node, packages), at: time)
    }

    /// Every node starts knowing every other node's holdings (a converged network): each node's own state is
    /// signed now, and every core gets one table holding them all (shared until a core changes it).
    public func seedHoldings(_ holdings: [Int: Set<ContentID>]) {
        var table = HolderTable(settings: settings.core.holders)
        for (node, packages) in holdings.sorted(by: { $0.key < $1.key }) { _ = table.apply(signedHoldings(of: node, packages), now: wallTime) }
        for node in nodes.indices { nodes[node].core.replaceHolders(table) }
    }

    /// At `time`, `node` wants to fetch `package`: its core is asked to connect to the holders it knows.
    public func seek(_ package: ContentID, at node: Int, time: Duration) { queue.push(.seek(node, package), at: time) }

    /// True if `node` is connected to an online node its core knows to hold `package`.
    public func isConnectedToHolder(of package: ContentID, at node: Int) -> Bool {
        knownHolders(of: package, at: node).contains { index[$0].map { nodes[$0].isOnline && nodes[node].links[$0] != nil } ?? false }
    }

    /// How often `node` restarted.
    public func restartCount(of node: Int) -> Int { nodes[node].restarts }

    /// The simulated node with this ID.
    public func node(_ id: NodeID) -> Int? { index[id] }

    /// The seq `node`'s core keeps for `holder`'s holdings (0: none).
    public func holdingsSeq(of holder: Int, at node: Int) -> UInt64 { nodes[node].core.holders.state(of: nodes[holder].id)?.update.seq ?? 0 }

    /// The seq of `node`'s own latest holdings state.
    public func ownHoldingsSeq(_ node: Int) -> UInt64 { ownHoldings[node]?.seq ?? 0 }

    /// The holders of `package` that `node`'s core knows now.
    public func knownHolders(of package: ContentID, at node: Int) -> [NodeID] {
        nodes[node].core.holders.holders(of: package, now: wallTime).map(\.node)
    }

    /// The node ID of simulated node `index`.
    public func nodeID(of index: Int) -> NodeID { nodes[index].id }

    /// (package, node) pairs in `node`'s holder table.
    public func holderPairs(at node: Int) -> Int { nodes[node].core.holders.pairs }

    /// A new state of `node`'s holdings: whole the first time, a change against its previous state after.
    func signedHoldings(of node: Int, _ packages: Set<ContentID>) -> HolderUpdate {
        let previous = ownHoldings[node]
        let seq = (previous?.seq ?? 0) + 1
        ownHoldings[node] = (seq, packages)
        let sorted = packages.sorted()
        let base = previous.map(\.seq) ?? 0
        let added = previous.map { packages.subtracting($0.ids).sorted() } ?? sorted
        let removed = previous.map { $0.ids.subtracting(packages).sorted() } ?? []
        return HolderUpdate(node: nodes[node].id, addresses: ["sim:\(node)"], seq: seq, time: wallTime, expires: wallTime + Self.holdingsLifetime, count: sorted.count,
                            digest: ContentID.setDigest(sorted), signature: [UInt8](repeating: 0, count: 64), base: base,
                            added: added, removed: removed)
    }

    /// A short key standing for a holder state's bytes on the simulated wire.
    func register(_ update: HolderUpdate) -> [UInt8] {
        var key = update.stateID.bytes
        for shift in stride(from: 56, through: 0, by: -8) { key.append(UInt8(truncatingIfNeeded: update.base >> UInt64(shift))) }
        if holdingsSent[key] == nil { holdingsSent[key] = update }
        return key
    }

    /// The size the record would have on the wire (canonical JSON: ~420 bytes of state, 67 per listed ID).
    func holdingsSize(_ key: [UInt8]) -> Int {
        guard let update = holdingsSent[key] else { return key.count }
        return 420 + 67 * (update.added.count + update.removed.count)
    }
}
