// NodeCore+Holders.swift: AllmendeNode. Holder records in the core: changed inventories are pushed like
// catalog entries, renewals travel by reconciliation of state IDs, a change whose base is missing is answered
// with the whole state. Pure. Spec: Protocol/holders.md.

import AllmendeCrypto
import AllmendeWire

extension NodeCore {
    /// Bytes of whole states sent in answer to one reconciliation message (the rest come with the next round).
    static var holdersAnswerBytes: Int { 2 << 20 }

    /// Nodes this node knows to hold `package` now (unexpired states, freshest first, at most `holdersPerPackage`).
    public func holders(of package: ContentID) -> [NodeID] { holders.holders(of: package, now: wallTime).map(\.node) }

    /// Takes states saved before a restart (no push: peers reconcile).
    public mutating func restore(holders states: [HolderUpdate]) {
        for state in states { _ = holders.apply(state, now: wallTime) }
        holdersReconciler = nil
    }

    mutating func receiveHoldings(_ message: Message, on link: Link, now: Duration, into actions: inout [NodeAction<Link>]) {
        // Over the rate: dropped unread, no strike.
        guard peers[link]?.holdings.take(now: now) ?? false else { return }
        switch message {
        case let .holdings(bytes):
            actions.append(.checkHoldings(bytes, from: link))
        case let .getHoldings(ids):
            for id in ids.prefix(WireLimits.maximumHoldingsPerRequest) {
                if let whole = holders.whole(named: id), whole.expires > wallTime { actions.append(.sendHoldings(link, whole)) }
            }
        case let .holdersReconcile(payload):
            let ranges: [ReconcileRange]
            do { ranges = try ReconcileCodec.decode(payload) } catch {
                actions.append(.disconnect(link, .protocolError, "holders-reconcile: \(error)"))
                return
            }
            guard !ranges.allSatisfy({ $0.mode == .skip }) else { return }
            let answer = currentHoldersReconciler().respond(to: ranges)
            var budget = Self.holdersAnswerBytes
            for id in answer.have {
                guard let whole = holders.whole(named: id), whole.expires > wallTime else { continue }
                let size = 400 + 67 * whole.count
                if size > budget { break }
                budget -= size
                actions.append(.sendHoldings(link, whole))
            }
            if let reply = answer.reply { actions.append(.send(link, .holdersReconcile(payload: ReconcileCodec.encode(reply)))) }
            // Ask only for states newer than the one kept (the peer may hold an older one of a node known here).
            let need = answer.need.filter { id in
                let seq = id.bytes.suffix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
                return (holders.seq(named: id) ?? 0) < seq
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
            if let from { actions.append(.send(from, .getHoldings(ids: [update.stateID]))) }
        case .mismatch:
            if let from { strike(from, for: "holdings records", now: now, into: &actions) }
        case .stale, .full:
            break
        }
    }

    /// Sends the first message of a reconciliation of holder states (with every catalog session this node starts).
    mutating func startHoldersReconciliation(with link: Link, into actions: inout [NodeAction<Link>]) {
        holders.expire(now: wallTime)
        actions.append(.send(link, .holdersReconcile(payload: ReconcileCodec.encode(currentHoldersReconciler().initialMessage()))))
    }

    private mutating func currentHoldersReconciler() -> RangeReconciler {
        if let cached = holdersReconciler { return cached }
        let reconciler = RangeReconciler(ids: holders.stateIDs(now: wallTime))
        holdersReconciler = reconciler
        return reconciler
    }
}
