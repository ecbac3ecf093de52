// NodeEvent.swift: AllmendeNode. What goes into NodeCore (events) and what comes out (actions), and the narrow
// read-only view of the catalog it is handed. Pure.

import AllmendeCrypto
import AllmendeWire

/// The node's catalog as NodeCore may read it: membership, entry bytes, and a reconciler over all IDs. The
/// runtime backs it with the catalog log; the simulation with shared in-memory sets.
public protocol CatalogReading {
    func contains(_ id: ContentID) -> Bool
    func entryBytes(_ id: ContentID) -> [UInt8]?
    /// A reconciler over every entry ID (the reader caches it between changes).
    func reconciler() -> RangeReconciler
    /// A reconciler over the holder table's state IDs (a simulation shares them between nodes with equal tables).
    func holdersReconciler(_ table: HolderTable, now: Int64) -> RangeReconciler
}

extension CatalogReading {
    public func holdersReconciler(_ table: HolderTable, now: Int64) -> RangeReconciler { RangeReconciler(ids: table.stateIDs(now: now)) }
}

/// What checking (verifying, admitting and appending) an offered catalog entry came to.
public enum EntryCheck: Equatable, Sendable {
    /// Verified and appended: it is forwarded.
    case accepted
    /// Already in the catalog.
    case duplicate
    /// Malformed, badly signed or dated in the future: a strike against the sender.
    case rejected
    /// A local fault (disk full, I/O error): never the sender's fault.
    case notStored
    /// Signed by a revoked device key: refused, no strike.
    case revokedSigner
    /// A stranger over its quota or budget: refused, not asked for again, no strike.
    case overBudget
}

/// Something that happened to the node. `Link` names one connection (the runtime uses the connection object's
/// identity, the simulation a node number).
public enum NodeEvent<Link: Hashable & Sendable>: Sendable {
    /// A connection completed its hello with `peer` (`address`: the one dialled, for outbound connections).
    case connected(Link, peer: NodeID, isOutbound: Bool, address: String = "")
    /// A connection closed (either side).
    case closed(Link)
    /// A catalog message arrived (`announce`, `reconcile`, `get-entries`; others are ignored).
    case received(Link, Message)
    /// The executor checked an entry asked for by `.checkEntry` (or offered locally, `from` nil).
    case entryChecked(ContentID, bytes: [UInt8], from: Link?, EntryCheck)
    /// Entries evicted from the catalog (strangers' budget): not asked for again by reconciliation.
    case declined([ContentID])
    /// This node added an entry itself (publish, a revocation): push it to peers.
    case publishedLocally(ContentID)
    /// The operator asked to reconcile now with every ready peer.
    case reconcileNow
    /// The peers to keep dialled and the allow-list (at start and on every change of the configuration).
    case configured(peers: [DialTarget], allowList: [NodeID]?)
    /// One more configured peer (`peers add` on a running node).
    case peerAdded(DialTarget)
    /// Connect to these nodes (holders of a package being fetched) if the address book knows them, until `until`;
    /// once it has passed, such connections beyond the outbound target are closed.
    case seek([NodeID], until: Duration)
    /// A dial asked for by `.dial` ended.
    case dialEnded(DialTarget, DialOutcome)
    /// The executor checked a node announcement asked for by `.checkNodeAnnouncement` (nil: refused).
    case nodeAnnouncementChecked(VerifiedAnnouncement?, from: Link)
    /// The executor checked a holdings record asked for by `.checkHoldings` (nil: malformed or badly signed, a
    /// strike), or this node signed a new state of its own (`from` nil).
    case holdingsChecked(HolderUpdate?, from: Link?)
    /// A node this node dialled at `address` said goodbye `too many connections`: back off from it like a failed dial.
    case peerIsFull(address: String)
    /// Time passed (at least by `nextWake`).
    case tick
}

/// What NodeCore asks the executor to do.
public enum NodeAction<Link: Hashable & Sendable>: Equatable, Sendable {
    /// Queue this message on the connection.
    case send(Link, Message)
    /// Say goodbye with this code and close the connection.
    case disconnect(Link, GoodbyeCode, String)
    /// Verify, admit and append this entry, then report with `.entryChecked`.
    case checkEntry(ContentID, bytes: [UInt8], from: Link?)
    /// A reconciliation session with `peer` ended on this side: it sent `sent` entries and asked for `asked`.
    case reconciled(Link, peer: NodeID, sent: Int, asked: Int)
    /// Dial this address (then report with `.dialEnded`).
    case dial(DialTarget)
    /// Verify this node announcement's signature and time, then report with `.nodeAnnouncementChecked`.
    case checkNodeAnnouncement([UInt8], from: Link)
    /// Parse this holdings record and verify its signature and times, then report with `.holdingsChecked`.
    case checkHoldings([UInt8], from: Link)
    /// Encode this holder state (whole or a change, as given) and send it as a `holdings` message.
    case sendHoldings(Link, HolderUpdate)
    /// The holder table changed (the executor may save it).
    case holdersChanged
}
