// EventQueue.swift: AllmendeNode. A priority queue of timed events for the simulation: earliest first, and in
// insertion order among equal times (so a link delivers in the order it sent). Pure.

/// A binary min-heap of `(time, sequence)`-ordered items.
public struct EventQueue<Item>: Sendable where Item: Sendable {
    private var heap: [(time: Duration, sequence: UInt64, item: Item)] = []
    private var nextSequence: UInt64 = 0

    public init() {}

    public var count: Int { heap.count }
    public var isEmpty: Bool { heap.isEmpty }
    /// The time of the earliest item.
    public var nextTime: Duration? { heap.first?.time }

    public mutating func push(_ item: Item, at time: Duration) {
        heap.append((time, nextSequence, item))
        nextSequence += 1
        var child = heap.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard precedes(child, parent) else { break }
            heap.swapAt(child, parent)
            child = parent
        }
    }

    /// Removes and returns the earliest item.
    public mutating func pop() -> (time: Duration, item: Item)? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let first = heap.removeLast()
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var smallest = parent
            if left < heap.count && precedes(left, smallest) { smallest = left }
            if right < heap.count && precedes(right, smallest) { smallest = right }
            guard smallest != parent else { break }
            heap.swapAt(parent, smallest)
            parent = smallest
        }
        return (first.time, first.item)
    }

    private func precedes(_ a: Int, _ b: Int) -> Bool {
        heap[a].time < heap[b].time || (heap[a].time == heap[b].time && heap[a].sequence < heap[b].sequence)
    }
}
