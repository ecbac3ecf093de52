// RuntimeEvent.swift: AllmendeRuntime. What a running node decided, as typed events: for tests, status and
// operators (the log says the same in words; nothing should parse the words).

import AllmendeCrypto
import AllmendeWire
import Synchronization

/// One decision of a running node about a peer, an entry or a package.
public enum RuntimeEvent: Sendable, Equatable {
    /// An inbound connection was refused before its handshake (a connection limit).
    case inboundRefused(address: String, reason: String)
    /// An inbound connection was closed to make room for a newcomer.
    case inboundReplaced(peer: NodeID, by: String)
    /// A TLS handshake or identity check failed.
    case handshakeFailed(address: String, reason: String)
    /// The peer presented another key than the one this node dialled for.
    case unexpectedPeer(address: String, expected: NodeID, actual: NodeID)
    /// A node not on the allow-list was turned away.
    case notAllowed(peer: NodeID, address: String)
    /// This node closed a connection with a goodbye other than `normal` (a bad frame, a time-out, misbehaviour).
    case closedPeer(peer: NodeID, code: GoodbyeCode, reason: String)
    /// A catalog entry was refused as bad (the sender gets a strike).
    case entryRejected(from: NodeID?, reason: String)
    /// A catalog entry signed by a revoked device key was refused (no strike).
    case entryRevoked(from: NodeID?)
    /// A reconciliation session with `peer` ended on this side (it had nothing more to say): it sent `sent`
    /// entries the peer lacked and asked for `asked` entries it lacked.
    case reconciliationEnded(peer: NodeID, sent: Int, asked: Int)
    /// A stranger's entry was not kept: over its daily quota, or too big for the strangers' budget (no strike).
    case entryOverBudget(from: NodeID?, identity: NodeID)
    /// Strangers' oldest entries were evicted to keep them within their budget.
    case strangersEvicted(entries: Int, bytes: Int)
    /// A chunk did not match its chunk index.
    case corruptChunk(from: NodeID, blob: ContentID, chunk: Int)
    /// A mirror policy fetched a package.
    case mirrored(package: ContentID)
    /// A mirror fetch failed; it is tried again later.
    case mirrorFailed(package: ContentID, reason: String)
    /// A mirrored package was removed to stay within a quota.
    case evicted(package: ContentID)
    /// A package was not mirrored because it does not fit any quota.
    case overQuota(package: ContentID)
    /// A mirrored package was removed because its publisher retracted it (kept when the node serves retracted
    /// packages, as an archive does).
    case retractedDropped(package: ContentID)
}

/// The most recent events (at most `capacity`), for tests and status.
public final class EventLog: Sendable {
    public let capacity: Int
    private let events = Mutex<[RuntimeEvent]>([])
    private let counterState = Mutex(NodeCounters())

    public init(capacity: Int = 4096) { self.capacity = capacity }

    func record(_ event: RuntimeEvent) {
        events.withLock { list in
            if list.count >= capacity { list.removeFirst(list.count - capacity + 1) }
            list.append(event)
        }
        switch event {
        case .entryRejected: count { $0.strikes += 1 }
        case .entryRevoked: count { $0.entriesRevoked += 1 }
        case .reconciliationEnded: count { $0.reconciliations += 1 }
        default: break
        }
    }

    /// Totals since the node started (never trimmed, unlike the events).
    public var counters: NodeCounters { counterState.withLock { $0 } }

    func count(_ update: (inout NodeCounters) -> Void) { counterState.withLock { update(&$0) } }

    /// The events kept, oldest first.
    public var all: [RuntimeEvent] { events.withLock { $0 } }

    /// True if an event satisfying `predicate` was recorded.
    public func contains(where predicate: (RuntimeEvent) -> Bool) -> Bool { all.contains(where: predicate) }
}

/// Running totals for `/metrics` (Prometheus counters: they only grow while the node runs).
public struct NodeCounters: Sendable, Equatable {
    /// Goodbyes this node sent, by code name.
    public var goodbyesSent: [String: Int] = [:]
    public var fetchesStarted = 0
    public var fetchesFinished = 0
    public var fetchesFailed = 0
    /// Chunks sent to peers.
    public var chunksServed = 0
    /// Catalog entries from peers (gossip and reconciliation) appended to the catalog.
    public var entriesFromPeers = 0
    /// Bad entries refused (each a strike against the sender).
    public var strikes = 0
    /// Entries refused because a revoked device key signed them (no strike).
    public var entriesRevoked = 0
    /// Reconciliation sessions ended on this side.
    public var reconciliations = 0
    /// Bytes of connections already closed, by direction ("in": accepted, "out": dialled) — live ones are added when read.
    public var closedBytesIn: [String: Int] = [:]
    public var closedBytesOut: [String: Int] = [:]
}
