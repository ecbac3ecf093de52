// RateLimiterTests.swift: upload pacing on a virtual clock.

@testable import AllmendeRuntime
import Testing

@Suite("Rate limiter")
struct RateLimiterTests {
    @Test("a second's worth goes at once, then sends are spaced so the average keeps to the rate")
    func pacing() {
        let start = ContinuousClock.now
        let limiter = RateLimiter(bytesPerSecond: 4_000_000, now: start)
        var now = start
        var sent = 0
        var waits = 0
        // Send 1 MB pieces until 20 MB have gone, waiting whenever told to.
        while sent < 20_000_000 {
            let wait = limiter.delay(before: 1_000_000, now: now)
            if wait > 0 {
                #expect(wait <= 0.25 + 1e-9, "never more than one piece of debt to wait off")
                now = now + .nanoseconds(Int64((wait * 1e9).rounded(.up)))
                waits += 1
            } else {
                sent += 1_000_000
                if now == start { #expect(sent <= 5_000_000, "burst of one second's worth plus one piece") }
            }
        }
        let elapsed = Double((now - start).components.attoseconds) / 1e18 + Double((now - start).components.seconds)
        // 20 MB at 4 MB/s, less the first second's burst and the last piece's debt: 3.75 s.
        #expect(abs(elapsed - 3.75) < 0.01, "took \(elapsed) s")
        #expect(waits >= 15)
    }

    @Test("an idle limiter refills only up to one second's worth")
    func refillCap() {
        let start = ContinuousClock.now
        let limiter = RateLimiter(bytesPerSecond: 1000, now: start)
        let later = start + .seconds(60)
        #expect(limiter.delay(before: 1000, now: later) == 0)
        #expect(limiter.delay(before: 1, now: later) == 0)   // tokens exactly 0: not in debt
        #expect(limiter.delay(before: 1, now: later) > 0)    // now one byte in debt
        #expect(abs(limiter.delay(before: 1, now: later) - 0.001) < 1e-9)
    }
}
