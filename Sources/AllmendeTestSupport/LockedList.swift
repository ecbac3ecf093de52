// LockedList.swift: AllmendeTestSupport. A thread-safe list for collecting results of concurrent work.

import Synchronization

/// Collects values appended from several threads.
public final class LockedList<Element: Sendable>: Sendable {
    private let storage = Mutex<[Element]>([])

    public init() {}

    /// Appends one value.
    public func append(_ element: Element) { storage.withLock { $0.append(element) } }

    /// Everything appended so far.
    public var all: [Element] { storage.withLock { $0 } }
}
