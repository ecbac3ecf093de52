// StrikeCounter.swift: AllmendeNode. Strikes against peers that decay with time. Pure: time is passed in.
// Spec: Protocol/wire.md "Limits" (strikes).

/// Counts offences per key (a node ID): each strike adds one, and one whole strike is forgiven for every full
/// `decay` that passes, so a peer is dropped for `limit` offences close together, not for rare honest mistakes
/// over a long life.
public struct StrikeCounter<Key: Hashable & Sendable>: Sendable {
    /// Strikes at which the key is judged (the caller disconnects).
    public let limit: Int
    /// Time after which one strike is forgiven.
    public let decay: Duration
    /// Most keys remembered; beyond it, keys whose strikes have all decayed are forgotten first.
    public let capacity: Int
    /// Strikes and the time from which the next one is forgiven.
    private var levels: [Key: (count: Int, since: Duration)] = [:]

    public init(limit: Int, decay: Duration, capacity: Int = 4096) {
        precondition(limit >= 1 && decay > .zero, "a strike counter needs a positive limit and decay")
        self.limit = limit
        self.decay = decay
        self.capacity = capacity
    }

    /// Adds one strike against `key` at `now`; true if it now has `limit` or more.
    public mutating func strike(_ key: Key, now: Duration) -> Bool {
        let (count, since) = current(key, now: now)
        levels[key] = (count + 1, count == 0 ? now : since)
        if levels.count > capacity { forgetDecayed(now: now) }
        return count + 1 >= limit
    }

    /// Strikes against `key` at `now`.
    public func strikes(_ key: Key, now: Duration) -> Int { current(key, now: now).count }

    /// Keys remembered.
    public var count: Int { levels.count }

    /// The strikes left at `now`, and the time from which the next is forgiven.
    private func current(_ key: Key, now: Duration) -> (count: Int, since: Duration) {
        guard let (count, since) = levels[key] else { return (0, now) }
        let periods = now > since ? Int(((now - since) / decay).rounded(.down)) : 0
        guard periods < count else { return (0, now) }
        return (count - periods, since + decay * periods)
    }

    private mutating func forgetDecayed(now: Duration) {
        levels = levels.filter { current($0.key, now: now).count > 0 }
        // Still full of live strikes: forget the lightest half rather than grow without bound.
        if levels.count > capacity {
            let keep = levels.sorted { $0.value.count > $1.value.count }.prefix(capacity / 2)
            levels = Dictionary(uniqueKeysWithValues: keep.map { ($0.key, $0.value) })
        }
    }
}
