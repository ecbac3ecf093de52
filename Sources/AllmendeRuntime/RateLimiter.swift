// RateLimiter.swift: AllmendeRuntime. A token bucket that paces uploads to a configured number of bytes per second.

import AllmendeSystem
import Foundation
import Synchronization

/// Paces a byte stream without blocking: before sending n bytes, ask `delay(before:)`; bursts up to one second's
/// worth go at once, and the bucket may run one send into debt, so the average stays at the rate.
final class RateLimiter: Sendable {
    private let bytesPerSecond: Double
    private let state: Mutex<(tokens: Double, last: ContinuousClock.Instant)>

    init(bytesPerSecond: Int, now: ContinuousClock.Instant = .now) {
        self.bytesPerSecond = Double(bytesPerSecond)
        state = Mutex((Double(bytesPerSecond), now))
    }

    /// Seconds to wait before `count` more bytes may go; 0 means send them now (they are counted).
    func delay(before count: Int, now: ContinuousClock.Instant = .now) -> Double {
        state.withLock { state in
            state.tokens = min(bytesPerSecond, state.tokens + max(0, (now - state.last).inSeconds) * bytesPerSecond)
            state.last = max(now, state.last)
            if state.tokens < 0 { return -state.tokens / bytesPerSecond }
            state.tokens -= Double(count)
            return 0
        }
    }
}
