// InboundAdmission.swift: AllmendeNode. Whether a new inbound connection gets a slot, and whom it replaces when
// the slots are full. Pure: connections and time are passed in. Spec: Protocol/wire.md "Connection limits".

/// An inbound connection as admission sees it.
public struct InboundSlot: Sendable, Equatable {
    /// An opaque key the caller uses to find the connection again.
    public let key: Int
    public let host: String
    /// When the connection was established (monotonic).
    public let connectedAt: Duration
    /// When the peer last sent something useful (catalog entries, reconciliation, requests, answers), if ever.
    public let lastUseful: Duration?
    /// A configured or allow-listed peer: never replaced.
    public let isProtected: Bool

    public init(key: Int, host: String, connectedAt: Duration, lastUseful: Duration?, isProtected: Bool) {
        self.key = key
        self.host = host
        self.connectedAt = connectedAt
        self.lastUseful = lastUseful
        self.isProtected = isProtected
    }
}

/// Limits on inbound connections (outbound connections never count against them).
public struct InboundLimits: Sendable, Equatable {
    /// Inbound connections in all (established plus handshaking).
    public var total = 64
    /// From one host.
    public var perHost = 8
    /// From one address range: an IPv4 /24 or an IPv6 /64.
    public var perRange = 32
    /// A connection younger than this is not replaced (it has not had time to be useful yet).
    public var grace: Duration = .seconds(10)
    /// Useful traffic within this long protects a connection from being replaced.
    public var usefulWindow: Duration = .seconds(120)
    /// Newcomers a full node still lets in at once, only to tell them other nodes' addresses before its goodbye.
    public var referrals = 4

    public init() {}
}

/// What to do with a new inbound connection.
public enum InboundDecision: Sendable, Equatable {
    case admit
    /// Admit it and close the connection with this key to make room.
    case admitReplacing(key: Int)
    /// The node is full: complete the handshake only to send the newcomer addresses of other nodes (peer
    /// exchange), then say goodbye `too many connections` with this reason.
    case refer(String)
    case refuse(String)
}

/// Inbound admission: per-host, per-range and total limits; when one is reached, the least useful connection in
/// its scope (not protected, past its grace period, nothing useful lately; from the most crowded range, the one
/// quiet longest, then the newest) makes room, so squatters cannot keep a newcomer out for long.
public enum InboundAdmission {
    /// `referring`: newcomers being referred onward now (counted apart from `inbound`).
    public static func decide(host: String, inbound: [InboundSlot], handshakes: [String: Int], limits: InboundLimits, now: Duration,
                              referring: Int = 0) -> InboundDecision {
        let range = Self.range(of: host)
        let hostCount = inbound.count { $0.host == host } + handshakes[host, default: 0]
        let rangeCount = inbound.count { Self.range(of: $0.host) == range }
            + handshakes.reduce(0) { $0 + (Self.range(of: $1.key) == range ? $1.value : 0) }
        let total = inbound.count + handshakes.values.reduce(0, +)
        let scope: [InboundSlot]
        let limit: String
        if hostCount >= limits.perHost {
            scope = inbound.filter { $0.host == host }
            limit = "too many connections from \(host) (at most \(limits.perHost))"
        } else if rangeCount >= limits.perRange {
            scope = inbound.filter { Self.range(of: $0.host) == range }
            limit = "too many connections from \(range) (at most \(limits.perRange))"
        } else if total >= limits.total {
            scope = inbound
            limit = "too many connections (at most \(limits.total))"
        } else {
            return .admit
        }
        let crowding = Dictionary(grouping: inbound, by: { Self.range(of: $0.host) }).mapValues(\.count)
        let candidates = scope.filter { slot in
            !slot.isProtected && now - slot.connectedAt >= limits.grace
                && (slot.lastUseful.map { now - $0 >= limits.usefulWindow } ?? true)
        }
        let victim = candidates.max { a, b in
            let (crowdA, crowdB) = (crowding[Self.range(of: a.host)] ?? 0, crowding[Self.range(of: b.host)] ?? 0)
            if crowdA != crowdB { return crowdA < crowdB }
            let (quietA, quietB) = (a.lastUseful ?? .seconds(-1_000_000_000), b.lastUseful ?? .seconds(-1_000_000_000))
            if quietA != quietB { return quietA > quietB }   // quiet longest wins
            return a.connectedAt < b.connectedAt              // then the newest
        }
        if let victim { return .admitReplacing(key: victim.key) }
        // Full with nobody to replace: a newcomer within its host's and range's limits still learns where else to
        // go (a few at a time; floods from one host or range are refused before this).
        if total >= limits.total && hostCount < limits.perHost && rangeCount < limits.perRange && referring < limits.referrals {
            return .refer(limit)
        }
        return .refuse(limit)
    }

    /// The address range of `host`: the first three parts of an IPv4 address (a /24), the first four groups of an
    /// IPv6 address (a /64), or the host itself.
    public static func range(of host: String) -> String {
        if host.contains(":") {
            var groups = host.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
            if let gap = groups.firstIndex(of: ""), host.contains("::") {
                let filled = max(0, 8 - groups.filter { !$0.isEmpty }.count)
                groups = Array(groups[..<gap]).filter { !$0.isEmpty } + Array(repeating: "0", count: filled)
                    + Array(groups[(gap + 1)...]).filter { !$0.isEmpty }
            }
            return groups.prefix(4).map { $0.isEmpty ? "0" : $0.lowercased() }.joined(separator: ":") + "::/64"
        }
        let parts = host.split(separator: ".")
        guard parts.count == 4 else { return host }
        return parts.prefix(3).joined(separator: ".") + ".0/24"
    }
}
