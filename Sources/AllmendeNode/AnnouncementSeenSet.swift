// AnnouncementSeenSet.swift: AllmendeNode. Which node announcements were already seen, so none circulates.
// Pure: time is passed in. Spec: Protocol/wire.md "Peer discovery".

/// Node announcements seen recently, by the hash of their bytes; separate from the address book, so an
/// announcement the full address book just dropped is still "seen" and is not forwarded again. Entries expire
/// after `lifetime`; at most `capacity` are kept (the oldest go first).
public struct AnnouncementSeenSet<Key: Hashable & Sendable>: Sendable {
    public let lifetime: Duration
    public let capacity: Int
    private var seenAt: [Key: Duration] = [:]
    private var order: [(key: Key, at: Duration)] = []
    private var head = 0

    public init(lifetime: Duration = .seconds(3600), capacity: Int = 20_000) {
        self.lifetime = lifetime
        self.capacity = capacity
    }

    /// Records `key` at `now`; true if it was not seen within the lifetime (forward it), false if it was.
    public mutating func insert(_ key: Key, now: Duration) -> Bool {
        expire(now: now)
        if let at = seenAt[key], now - at < lifetime { return false }
        seenAt[key] = now
        order.append((key, now))
        while seenAt.count > capacity, head < order.count {
            let oldest = order[head]
            head += 1
            if seenAt[oldest.key] == oldest.at { seenAt[oldest.key] = nil }
        }
        compact()
        return true
    }

    /// Number of announcements remembered.
    public var count: Int { seenAt.count }

    private mutating func expire(now: Duration) {
        while head < order.count, now - order[head].at >= lifetime {
            let oldest = order[head]
            head += 1
            if seenAt[oldest.key] == oldest.at { seenAt[oldest.key] = nil }
        }
    }

    private mutating func compact() {
        if head > 1024 && head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }
}
