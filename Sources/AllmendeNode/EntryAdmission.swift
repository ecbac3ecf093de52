// EntryAdmission.swift: AllmendeNode. Whether a catalog entry from a stranger is kept: per-identity daily
// quotas and a total budget with oldest-first eviction. Pure: days, sizes and standing are passed in.
// Spec: Protocol/statements.md "Admission".

/// Limits for entries by identities without standing (strangers).
public struct StrangerLimits: Sendable, Equatable {
    /// Entries one stranger identity may add per UTC day.
    public var entriesPerDay = 64
    /// Bytes one stranger identity may add per UTC day.
    public var bytesPerDay = 256 * 1024
    /// Bytes of strangers' entries kept in all; past it the oldest are evicted.
    public var totalBytes = 64 << 20
    /// Stranger identities tracked per day (the oldest counters are dropped first; a dropped identity starts again).
    public var trackedIdentities = 100_000

    public init() {}
}

/// What happens to a new entry.
public enum EntryAdmissionDecision: Sendable, Equatable {
    /// Keep it (an identity with standing, or a stranger within its quota and the total budget).
    case keep
    /// Keep it, then evict strangers' oldest entries until at least this many bytes are freed.
    case keepAfterEvicting(bytes: Int)
    /// Do not keep it (not the sender's fault: no strike).
    case refuse(String)
}

/// Counts what each stranger identity added today and how much strangers hold in all.
public struct EntryAdmission: Sendable {
    public let limits: StrangerLimits
    /// Bytes of strangers' entries held now.
    public private(set) var strangerBytes: Int
    private var day: Int64 = -1
    private var today: [String: (entries: Int, bytes: Int)] = [:]

    public init(limits: StrangerLimits, strangerBytes: Int = 0) {
        self.limits = limits
        self.strangerBytes = strangerBytes
    }

    /// Decides about an entry of `size` bytes by `identity` (its text form), arriving on UTC day `day`.
    public mutating func admit(identity: String, hasStanding: Bool, size: Int, day: Int64) -> EntryAdmissionDecision {
        guard !hasStanding else { return .keep }
        if day != self.day {
            self.day = day
            today.removeAll(keepingCapacity: true)
        }
        let used = today[identity] ?? (0, 0)
        guard used.entries < limits.entriesPerDay else {
            return .refuse("\(identity) has added \(limits.entriesPerDay) entries today, the most a lab this node does not know may add")
        }
        guard used.bytes + size <= limits.bytesPerDay else {
            return .refuse("\(identity) has added \(used.bytes) bytes today; a lab this node does not know may add \(limits.bytesPerDay)")
        }
        guard size <= limits.totalBytes else { return .refuse("an entry of \(size) bytes does not fit the strangers' budget") }
        if today[identity] == nil && today.count >= limits.trackedIdentities { today.removeAll(keepingCapacity: true) }
        today[identity] = (used.entries + 1, used.bytes + size)
        strangerBytes += size
        let over = strangerBytes - limits.totalBytes
        return over > 0 ? .keepAfterEvicting(bytes: over) : .keep
    }

    /// Records that strangers' entries of `bytes` in all were evicted.
    public mutating func evicted(bytes: Int) {
        strangerBytes = max(0, strangerBytes - bytes)
    }
}
