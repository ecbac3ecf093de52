// RateLimiter.swift: AllmendeRuntime. A token bucket that paces uploads to a configured number of bytes per second.

import Foundation
import Synchronization

/// Paces a byte stream: `acquire(n)` returns once n bytes fit within the rate (bursts up to one second's worth).
final class RateLimiter: Sendable {
    private let bytesPerSecond: Double
    private let state: Mutex<(tokens: Double, last: ContinuousClock.Instant)>

    init(bytesPerSecond: Int) {
        self.bytesPerSecond = Double(bytesPerSecond)
        state = Mutex((Double(bytesPerSecond), ContinuousClock.now))
    }

    /// Blocks the calling (connection) thread until `count` bytes may be sent.
    func acquire(_ count: Int) {
        let wait = state.withLock { state -> Double in
            let now = ContinuousClock.now
            let elapsed = now - state.last
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            state.tokens = min(bytesPerSecond, state.tokens + seconds * bytesPerSecond)
            state.last = now
            state.tokens -= Double(count)
            return state.tokens < 0 ? -state.tokens / bytesPerSecond : 0
        }
        if wait > 0 { Thread.sleep(forTimeInterval: wait) }
    }
}
