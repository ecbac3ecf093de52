// NodeCore+Holders.swift: AllmendeNode. Holder records in the core: changed inventories are pushed like
// catalog entries, renewals travel by reconciliation of state IDs, and a peer one state behind is sent a change
// from its state (else the whole state). Pure. Spec: Protocol/holders.md.

import AllmendeCrypto
import AllmendeWire

extension NodeCore {
    /// Bytes of whole states sent in answer to one reconciliation message (the rest come with the next round).
    static var holdersAnswerBytes: Int { 2 << 20 }

    /// About the bytes of a record on the wire (canonical JSON: ~420 for the state, 67 per ID listed).
    static func estimatedSize(_ update: HolderUpdate) -> Int { 420 + 67 * (update.added.count + update.removed.count) + (update.lab?.delegation.count ?? 0) }

    /// Nodes this node knows to hold `package` now (unexpired states, freshest first, at most `holdersPerPackage`).
    public func holders(of package: ContentID) -> [NodeID] { holders.holders(of: package, now: wallTime).map(\.node) }

    /// Replaces the holder table (a simulation starts every node from one converged table, and carries a node's
    /// table across its restart as the daemon does with its saved file).
    public mutating func replaceHolders(_ table: HolderTable) {
        holders = table
        holdersReconciler = nil
    }

    /// Takes states saved before a restart (no push: peers reconcile).
    public mutating func restore(holders states: [HolderUpdate]) {
        for state in states { _ = holders.apply(state, now: wallTime) }
        holdersReconciler = nil
    }

    mutating func receiveHoldings(_ message: Message, on link: Link, now: Duration, catalog: some CatalogReading,
                                  into actions: inout [NodeAction<Link>]) {
        // Over the rate: dropped unread, no strike.
        guard peers[link]?.holdings.take(now: now) ?? false else { return }
        switch message {
        case let .holdings(bytes):
            actions.append(.checkHoldings(bytes, from: link))
        case let .getHoldings(ids):
            // Each ID names a node and the state the peer keeps of it (seq 0: none): a change from that state
            // when it is the one before this node's, else the whole state; nothing if the peer's is as new.
            // At most `holdersAnswerBytes` per request: what is left the peer asks again for after reconciling.
            var budget = Self.holdersAnswerBytes
            for id in ids.prefix(WireLimits.maximumHoldingsPerRequest) {
                guard let whole = holders.whole(named: id), whole.expires > wallTime, whole.seq > HolderTable.seq(of: id) else { continue }
                let form = holders.change(forPeerWith: id) ?? whole
                let size = Self.estimatedSize(form)
                if size > budget { break }
                budget -= size
                actions.append(.sendHoldings(link, form))
            }
        case let .holdersReconcile(payload):
            let ranges: [ReconcileRange]
            do { ranges = try ReconcileCodec.decode(payload) } catch {
                actions.append(.disconnect(link, .protocolError, "holders-reconcile: \(error)"))
                return
            }
            guard !ranges.allSatisfy({ $0.mode == .skip }) else { return }
            let answer = currentHoldersReconciler(catalog).respond(to: ranges)
            // The peer's states of nodes whose newer state it lacks: when its state is the one before the newer,
            // a change from it is enough (for a renewal, no IDs at all).
            var peerStates: [ContentID: ContentID] = [:]
            for id in answer.need { peerStates[HolderTable.key(id)] = id }
            var budget = Self.holdersAnswerBytes
            for id in answer.have {
                guard let whole = holders.whole(named: id), whole.expires > wallTime else { continue }
                let peerState = peerStates[HolderTable.key(id)]
                // The peer has a newer state of that node: it sends it, this node asks for it.
                if let peerState, HolderTable.seq(of: peerState) > whole.seq { continue }
                let form = peerState.flatMap { holders.change(forPeerWith: $0) } ?? whole
                let size = Self.estimatedSize(form)
                if size > budget { break }
                budget -= size
                actions.append(.sendHoldings(link, form))
            }
            if let reply = answer.reply { actions.append(.send(link, .holdersReconcile(payload: ReconcileCodec.encode(reply)))) }
            // Ask only for states newer than the one kept (the peer may hold an older one of a node known here),
            // naming the state kept so the answer can be a change from it.
            let need = answer.need.compactMap { id -> ContentID? in
                let kept = holders.seq(named: id) ?? 0
                return kept < HolderTable.seq(of: id) ? HolderTable.stateID(key: HolderTable.key(id), seq: kept) : nil
            }
            for start in stride(from: 0, to: need.count, by: WireLimits.maximumHoldingsPerRequest) {
                actions.append(.send(link, .getHoldings(ids: Array(need[start..<min(start + WireLimits.maximumHoldingsPerRequest, need.count)]))))
            }
        default:
            break
        }
    }

    mutating func holdingsChecked(_ update: HolderUpdate?, from: Link?, now: Duration, into actions: inout [NodeAction<Link>]) {
        guard let update else {
            if let from { strike(from, for: "holdings records", now: now, into: &actions) }
            return
        }
        switch holders.apply(update, now: wallTime) {
        case let .applied(changed):
            holdersReconciler = nil
            actions.append(.holdersChanged)
            // A changed set is pushed on (as it came: a change stays small); a renewal travels by reconciliation.
            // This node's own states go to every peer, renewals included.
            guard changed || from == nil else { return }
            let senderNode = from.flatMap { peers[$0]?.node }
            var targets = readyLinks.filter { $0 != from && peers[$0]?.node != senderNode && peers[$0]?.node != update.node }
            if from != nil {
                targets.shuffle(using: &random)
                targets = Array(targets.prefix(settings.fanout))
            }
            for link in targets { actions.append(.sendHoldings(link, update)) }
        case .needsBase:
            if let from {
                let kept = holders.state(of: update.node)?.update.seq ?? 0
                actions.append(.send(from, .getHoldings(ids: [HolderTable.stateID(node: update.node, seq: kept)])))
            }
        case .mismatch:
            if let from { strike(from, for: "holdings records", now: now, into: &actions) }
        case .stale, .full:
            break
        }
    }

    /// Sends the first message of a reconciliation of holder states (with every catalog session this node starts).
    mutating func startHoldersReconciliation(with link: Link, catalog: some CatalogReading, into actions: inout [NodeAction<Link>]) {
        actions.append(.send(link, .holdersReconcile(payload: ReconcileCodec.encode(currentHoldersReconciler(catalog).initialMessage()))))
    }

    /// A reconciler over the unexpired states (expired ones are dropped first), kept until the table changes.
    private mutating func currentHoldersReconciler(_ catalog: some CatalogReading) -> RangeReconciler {
        if let cached = holdersReconciler, cached.builtAt == wallTime || !holders.hasExpired(now: wallTime) { return cached.value }
        holders.expire(now: wallTime)
        let reconciler = catalog.holdersReconciler(holders, now: wallTime)
        holdersReconciler = (reconciler, wallTime)
        return reconciler
    }
}
