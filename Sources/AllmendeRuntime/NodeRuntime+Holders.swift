// NodeRuntime+Holders.swift: AllmendeRuntime. Fetching from labs this node is not connected to: the nodes whose
// signed holdings list a package, and those that signed its publish statement; the core dials them through the
// address book (signed node announcements). This node's own holdings: signed when the stored set changes or is
// due for renewal. Spec: Protocol/holders.md, Protocol/wire.md "Fetching a package".

import AllmendeCrypto
import AllmendeModel
import AllmendeNode
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Foundation

extension NodeRuntime {
    /// Nodes that signed a publish statement of `package` in this node's catalog (other than this node).
    func publishingNodes(of package: ContentID) -> [NodeID] {
        var nodes: Set<NodeID> = []
        for id in store.catalog.ids {
            guard let bytes = store.catalog.entryBytes(id), case let .statement(signed)? = try? CatalogEntry(parsingStored: bytes),
                  signed.statement.kind == .publish, signed.statement.package == package else { continue }
            nodes.insert(signed.signer)
        }
        nodes.remove(nodeID)
        return nodes.sorted()
    }

    /// Asks the core to connect to the holders of `package` it is not connected to, and waits until one of them is
    /// ready (at most `NodeTimeouts.holderConnect`). Returns how many holders are known, how many have an address
    /// in the address book, and how many are connected now; `progress` hears the same as it changes.
    func connectToHolders(of package: ContentID, isCancelled: () -> Bool, progress: (_ known: Int, _ withAddress: Int, _ connected: Int) -> Void)
        -> (known: Int, withAddress: Int, connected: Int) {
        // The nodes whose holdings list it (freshest first), then those that published it.
        var holders = self.holders(of: package).map(\.node).filter { $0 != nodeID }
        for node in publishingNodes(of: package) where !holders.contains(node) { holders.append(node) }
        let wantedUntil = ContinuousClock.now - startedAt + NodeTimeouts.holderWanted
        let withAddress = core.withLock { core in
            holders.filter { !core.directory.addresses(of: $0).isEmpty || !(core.holders.state(of: $0)?.update.addresses.isEmpty ?? true) }.count
        }
        func connected() -> Int { Set(readyConnections().map(\.peer)).intersection(holders).count }
        guard !holders.isEmpty else { return (0, 0, 0) }
        let before = connected()
        progress(holders.count, withAddress, before)
        // Nothing to dial: no address known, or every holder is connected already.
        guard withAddress > 0, before < holders.count else { return (holders.count, withAddress, before) }
        drive(.seek(holders, until: wantedUntil))
        let deadline = ContinuousClock.now + NodeTimeouts.holderConnect
        var now = connected()
        // Dials run on their own threads; the connection is ready once the hellos are exchanged.
        while now == before && ContinuousClock.now < deadline && !state.withLock({ $0.isStopping }) && !isCancelled() {
            Thread.sleep(forTimeInterval: 0.02)
            now = connected()
        }
        if now != before { progress(holders.count, withAddress, now) }
        return (holders.count, withAddress, now)
    }
}

// MARK: Holdings records (Protocol/holders.md)

extension NodeRuntime {
    /// How often the stored set is compared with the last announced one (a fetch or removal asks sooner).
    static let holdingsCheckInterval: Duration = .seconds(10)

    /// True if this node announces what it holds: by default public nodes do, nodes with an allow-list do not.
    var announcesHoldings: Bool { options.announcesHoldings ?? (options.allowList == nil) }

    /// Signs a new holdings state when the stored set changed or the last state is due for renewal, and hands it
    /// to the core (which keeps it and pushes it to peers).
    func announceHoldingsIfDue() {
        guard announcesHoldings else { return }
        let now = ContinuousClock.now
        let (own, lookedAt, dirty) = state.withLock { ($0.ownHoldings, $0.holdingsLookedAt, $0.holdingsDirty) }
        let addresses = holdingsAddresses()
        let renewalDue = own.map { now - $0.signed >= options.holdingsRenewal } ?? true
        guard renewalDue || dirty || addresses != own?.addresses || lookedAt.map({ now - $0 >= Self.holdingsCheckInterval }) ?? true else { return }
        let stored = Set(store.packageFolderIDs().prefix(HoldingsRecord.maximumPackages))
        state.withLock {
            $0.holdingsLookedAt = now
            $0.holdingsDirty = false
        }
        guard renewalDue || stored != own?.ids || addresses != own?.addresses else { return }
        let previous = core.withLock { $0.holders.state(of: nodeID) }
        let time = Timestamp(secondsSinceEpoch: Int64(Date().timeIntervalSince1970))
        // Sequence numbers follow the clock, so they keep growing across restarts without being stored.
        let seq = max((previous?.update.seq ?? 0) + 1, UInt64(max(time.secondsSinceEpoch, 1)))
        let record: HoldingsRecord
        do { record = try HoldingsRecord.sign(stored, addresses: addresses, seq: seq, time: time, lifetime: options.holdingsLifetime, with: key) } catch {
            logger.warning("could not sign this node's holdings", ["reason": "\(error)"])
            return
        }
        var whole = record
        whole.delegation = labDelegation()
        let form = previous.map { record.change(from: $0.update.seq, Set($0.ids), to: stored) } ?? whole
        state.withLock { $0.ownHoldings = (stored, addresses, now) }
        logger.debug("announcing holdings", ["packages": String(stored.count), "seq": String(seq), "whole": String(form.isWhole)])
        drive(.holdingsChecked(HolderUpdate(form), from: nil))
    }

    /// Where this node says it listens in its holdings: the advertised addresses, else the hosts peers observe
    /// (confirmed by two or more), then this end of its connections, with the listen port — not loopback unless
    /// every connection is on this machine (a test network); at most 4, stable in order.
    func holdingsAddresses() -> [String] {
        guard listenPort != 0 else { return [] }
        if !options.advertise.isEmpty { return Array(options.advertise.prefix(HoldingsRecord.maximumAddresses)) }
        let hosts = Set(readyConnections().compactMap(\.localHost).filter { !Self.isUnspecified($0) })
        let local = hosts.filter { !Self.isLoopback($0) }
        // What peers observe first (behind NAT that is the outside address), then this end of the connections.
        let observed = observedHosts().filter { !Self.isLoopback($0) || local.isEmpty }
        let chosen = observed + (local.isEmpty ? hosts : local).sorted().filter { !observed.contains($0) }
        return chosen.prefix(HoldingsRecord.maximumAddresses).map(listenAddress(of:))
    }

    /// The delegation by which a lab lets this node sign for it (keys/delegation.json), if there is a valid one.
    func labDelegation() -> Delegation? {
        let path = LabIdentity.delegationPath(home)
        guard FileSystem.exists(path), let delegation = try? LabIdentity.readDelegation(path), delegation.device == nodeID else { return nil }
        return delegation
    }

    /// Asks for the stored set to be looked at on the next tick (a package was fetched, published or removed).
    func holdingsMayHaveChanged() { state.withLock { $0.holdingsDirty = true } }

    /// Parses and verifies a holdings record (asked for by the core); nil, with the reason logged, if it is refused.
    func checkHoldings(_ bytes: [UInt8], from sender: PeerConnection?) -> HolderUpdate? {
        let from = sender?.peer.text ?? "?"
        var record: HoldingsRecord
        do { record = try HoldingsRecord(parsing: bytes) } catch {
            logger.warning("rejected holdings record", ["from": from, "reason": "\(error)"])
            return nil
        }
        guard record.isSignatureValid else {
            logger.warning("rejected holdings record", ["from": from, "reason": "the signature does not verify with key \(record.state.node.text)"])
            return nil
        }
        guard record.isDelegationValid else {
            logger.warning("rejected holdings record", ["from": from, "reason": "its lab delegation is not signed by the lab or not for node \(record.state.node.text)"])
            return nil
        }
        guard !Self.isInFuture(record.state.time) else {
            logger.warning("rejected holdings record", ["from": from, "reason": "its time \(record.state.time) is in the future"])
            return nil
        }
        // A delegation its lab revoked names no lab (the node still counts as a holder).
        if let delegation = record.delegation,
           state.withLock({ $0.revocations.revocations.contains { $0.identity == delegation.identity && $0.device == delegation.device } }) {
            record.delegation = nil
        }
        return HolderUpdate(record)
    }

    /// Nodes known to hold `package` now, freshest first, with when their state was signed and until when it holds.
    public func holders(of package: ContentID) -> [(node: NodeID, time: Timestamp, expires: Timestamp)] {
        let now = Int64(Date().timeIntervalSince1970)
        return core.withLock { $0.holders.holders(of: package, now: now) }.map {
            ($0.node, Timestamp(secondsSinceEpoch: $0.time), Timestamp(secondsSinceEpoch: $0.expires))
        }
    }

    /// The lab `node` signs for, as its holdings' delegation says (nil: none known, or the lab revoked the node).
    public func holderLab(of node: NodeID) -> HolderLab? {
        guard let lab = core.withLock({ $0.holders.state(of: node)?.update.lab }) else { return nil }
        let revoked = state.withLock { $0.revocations.revocations.contains { $0.identity == lab.identity && $0.device == node } }
        return revoked ? nil : lab
    }

    /// How many nodes are known to hold `package` now.
    /// Nodes whose unexpired holdings this node keeps (itself included once it announced).
    public func holderNodeCount() -> Int {
        let now = Int64(Date().timeIntervalSince1970)
        return core.withLock { $0.holders.states(now: now).count }
    }

    public func holderCount(of package: ContentID) -> Int {
        let now = Int64(Date().timeIntervalSince1970)
        return core.withLock { $0.holders.holderCount(of: package, now: now) }
    }

    /// Holders per package for every package some node is known to hold.
    public func holderCounts() -> [ContentID: Int] {
        let now = Int64(Date().timeIntervalSince1970)
        return core.withLock { $0.holders.holderCounts(now: now) }
    }
}

extension HolderUpdate {
    convenience init(_ record: HoldingsRecord) {
        let lab = record.delegation.flatMap { delegation in
            (try? CanonicalEncoder.encode(delegation.json)).map { HolderLab(identity: delegation.identity, label: delegation.label, delegation: $0) }
        }
        self.init(node: record.state.node, addresses: record.state.addresses, seq: record.state.seq, time: record.state.time.secondsSinceEpoch,
                  expires: record.state.expires.secondsSinceEpoch, count: record.state.count, digest: record.state.digest,
                  signature: record.state.signature.rawRepresentation, base: record.base, added: record.added, removed: record.removed, lab: lab)
    }
}

extension HoldingsRecord {
    /// The record for a state the core keeps (its signature was checked when it came).
    init(_ update: HolderUpdate) throws {
        let state = State(node: update.node, addresses: update.addresses, seq: update.seq, time: Timestamp(secondsSinceEpoch: update.time),
                          expires: Timestamp(secondsSinceEpoch: update.expires), count: update.count, digest: update.digest,
                          signature: try Ed25519Signature(rawRepresentation: update.signature))
        // The lab's delegation goes with whole states only.
        let delegation = update.base == 0 ? update.lab.flatMap { try? Delegation.parse(try JSONParser.parse($0.delegation)) } : nil
        self.init(state: state, base: update.base, added: update.added, removed: update.removed, delegation: delegation)
    }
}
