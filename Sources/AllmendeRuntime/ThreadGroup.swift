// ThreadGroup.swift: AllmendeRuntime. The threads a node starts, so that stopping it joins every one.

import Foundation
import Synchronization

/// Counts running threads started through it; `join` waits until they have all ended.
final class ThreadGroup: Sendable {
    private let running = Mutex(0)

    /// Starts `body` on a new named thread.
    func spawn(_ name: String, _ body: @escaping @Sendable () -> Void) {
        running.withLock { $0 += 1 }
        let thread = Thread { [self] in
            body()
            running.withLock { $0 -= 1 }
        }
        thread.name = name
        thread.start()
    }

    /// Threads still running.
    var count: Int { running.withLock { $0 } }

    /// Waits until every thread has ended, at most `timeout`; returns how many are still running.
    @discardableResult
    func join(timeout: Duration) -> Int {
        let deadline = ContinuousClock.now + timeout
        while count > 0 && ContinuousClock.now < deadline { usleep(5_000) }
        return count
    }
}
