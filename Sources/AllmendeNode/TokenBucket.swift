// TokenBucket.swift: AllmendeNode. A rate limit on a virtual clock. Pure: time is passed in.

/// Allows bursts of up to `capacity` events and `perSecond` events a second on average.
public struct TokenBucket: Sendable, Equatable {
    /// Largest burst.
    public let capacity: Double
    /// Tokens added per second.
    public let perSecond: Double
    private var tokens: Double
    private var last: Duration?

    /// A full bucket.
    public init(capacity: Double, perSecond: Double) {
        self.capacity = capacity
        self.perSecond = perSecond
        tokens = capacity
    }

    /// Takes one token at `now` (monotonic time); false if none is left.
    public mutating func take(now: Duration) -> Bool {
        if let last, now > last {
            let elapsed = Double((now - last).components.seconds) + Double((now - last).components.attoseconds) / 1e18
            tokens = min(capacity, tokens + elapsed * perSecond)
        }
        last = max(last ?? now, now)
        guard tokens >= 1 else { return false }
        tokens -= 1
        return true
    }
}
