// ReconcileSessions.swift: AllmendeNode. Which reconciliation sessions are open, how long they may run and how
// many at once. Pure: time is passed in. Spec: Protocol/wire.md "Catalog gossip and reconciliation".

import AllmendeWire

/// The reconciliation sessions of one node, keyed by connection and session number.
///
/// A node runs at most one session it started (so a new node does not pull the catalog from several peers at
/// once), answers at most `maximumResponding` sessions of others and one per connection (a newer one replaces
/// it), and while its own session is open it declines others' — except that when two nodes start a session with
/// each other at the same moment, the one with the larger node ID yields and answers. A session that exchanged
/// `maximumMessages` messages on this side, or was silent for `timeout`, is over.
public struct ReconcileSessions<Link: Hashable & Sendable>: Sendable {
    public struct Key: Hashable, Sendable {
        public let link: Link
        public let id: UInt32
        public init(link: Link, id: UInt32) {
            self.link = link
            self.id = id
        }
    }

    /// What to do with a `reconcile` message.
    public enum Admission: Equatable, Sendable {
        /// Answer it.
        case proceed
        /// Answer with "skip everything" (end the peer's session) without looking at it.
        case decline
        /// The session ran past its message cap: end it.
        case overCap
    }

    struct Session: Sendable {
        var isInitiated: Bool
        var messages: Int
        var lastHeard: Duration
        var sent = 0
        var asked = 0
    }

    public let maximumMessages: Int
    public let maximumResponding: Int
    public let timeout: Duration
    private var sessions: [Key: Session] = [:]

    public init(maximumMessages: Int = WireLimits.reconcileMessagesPerSession,
                maximumResponding: Int = WireLimits.reconcileSessionsAnswered, timeout: Duration = NodeTimeouts.reconcileSession) {
        self.maximumMessages = maximumMessages
        self.maximumResponding = maximumResponding
        self.timeout = timeout
    }

    /// The session this node started and is still running, if any.
    public var initiated: Key? { sessions.first { $0.value.isInitiated }?.key }
    /// Open sessions started by others.
    public var respondingCount: Int { sessions.values.filter { !$0.isInitiated }.count }
    /// All open sessions.
    public var count: Int { sessions.count }

    /// This node starts session `key`.
    public mutating func begin(_ key: Key, now: Duration) {
        sessions[key] = Session(isInitiated: true, messages: 0, lastHeard: now)
    }

    /// A message of session `key` arrived. `yields` says whether this node gives way when the peer started a
    /// session with it while its own session with that same peer is open (true on the side with the larger node ID).
    public mutating func admit(_ key: Key, now: Duration, yields: Bool) -> Admission {
        if var session = sessions[key] {
            session.messages += 1
            session.lastHeard = now
            guard session.messages <= maximumMessages else {
                sessions[key] = nil
                return .overCap
            }
            sessions[key] = session
            return .proceed
        }
        if let mine = initiated {
            guard mine.link == key.link && yields else { return .decline }
            sessions[mine] = nil
        }
        // One session per connection: a newer one from the same peer replaces the old.
        for old in sessions.keys where old.link == key.link && !(sessions[old]?.isInitiated ?? true) { sessions[old] = nil }
        guard respondingCount < maximumResponding else { return .decline }
        sessions[key] = Session(isInitiated: false, messages: 1, lastHeard: now)
        return .proceed
    }

    /// Counts entries sent to and asked of the peer in session `key`.
    public mutating func record(_ key: Key, sent: Int, asked: Int) {
        sessions[key]?.sent += sent
        sessions[key]?.asked += asked
    }

    /// Ends session `key`; the entries sent and asked in it, if it was open.
    @discardableResult
    public mutating func finish(_ key: Key) -> (sent: Int, asked: Int)? {
        sessions.removeValue(forKey: key).map { ($0.sent, $0.asked) }
    }

    /// Forgets every session on a closed connection.
    public mutating func closed(_ link: Link) {
        sessions = sessions.filter { $0.key.link != link }
    }

    /// Ends sessions silent for `timeout` at `now`; returns them.
    public mutating func expire(now: Duration) -> [Key] {
        let expired = sessions.filter { now - $0.value.lastHeard >= timeout }.map(\.key)
        for key in expired { sessions[key] = nil }
        return expired
    }

    /// When the next session times out, if any is open.
    public var nextDeadline: Duration? { sessions.values.map { $0.lastHeard + timeout }.min() }
}

extension ReconcileSessions {
    /// True if session `key` is open.
    public func isOpen(_ key: Key) -> Bool { sessions[key] != nil }
    /// True if any session is open on `link`.
    public func isOpen(with link: Link) -> Bool { sessions.keys.contains { $0.link == link } }
}
