// RangeReconciler.swift: AllmendeNode. Range-based set reconciliation of catalog entry IDs (after Meyer and
// Negentropy). Pure. Spec: Protocol/reconciliation.md.

import AllmendeCrypto

/// How one range of the ID space is described in a reconciliation message.
public enum RangeMode: Equatable, Sendable {
    /// Nothing to do for this range.
    case skip
    /// 16-byte fingerprint of the sender's IDs in the range.
    case fingerprint([UInt8])
    /// The sender's complete list of IDs in the range.
    case idList([ContentID])
}

/// One range: everything from the previous range's bound up to (excluding) `upperBound`; `nil` = the end.
public struct ReconcileRange: Equatable, Sendable {
    /// The exclusive upper bound as a prefix (padded with zero bytes to 32), or nil for "to the end".
    public var upperBound: [UInt8]?
    public var mode: RangeMode

    public init(upperBound: [UInt8]?, mode: RangeMode) {
        self.upperBound = upperBound
        self.mode = mode
    }
}

/// One side of a reconciliation: a sorted set of IDs with prefix sums for O(1) range fingerprints.
///
/// The initiator sends `initialMessage()`; each side answers the other's message with `respond(to:)` until a
/// side has nothing but skips to say. Along the way each side learns which IDs it has that the peer lacks
/// (`have`, to send) and which the peer has that it lacks (`need`, to request). Traffic grows with the number of
/// differences times log(set size), not with the set size.
public struct RangeReconciler: Sendable {
    /// Ranges a differing range is split into.
    public let buckets: Int
    /// Below this many IDs a range is sent as a plain ID list.
    public let idListThreshold: Int
    private let items: [ContentID]
    /// Sums of the IDs before each index, mod 2^256, as four little-endian-read words each (4 × (count + 1)).
    private let prefixSums: [UInt64]

    /// Prepares `ids` (any order, duplicates ignored).
    public init(ids: [ContentID], buckets: Int = 8, idListThreshold: Int = 8) {
        precondition(buckets >= 2 && idListThreshold >= 1, "reconciler needs at least 2 buckets")
        self.buckets = buckets
        self.idListThreshold = idListThreshold
        var sorted = ids.sorted()
        // Duplicates are adjacent once sorted.
        var kept = 0
        for index in sorted.indices where kept == 0 || sorted[index] != sorted[kept - 1] {
            sorted[kept] = sorted[index]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        items = sorted
        var sums = [UInt64](repeating: 0, count: 4 * (sorted.count + 1))
        sums.withUnsafeMutableBufferPointer { sums in
            for (index, id) in sorted.enumerated() {
                // The fingerprint reads each 8-byte group little-endian: the byte-swapped big-endian words.
                let words = id.bigEndianWords
                let parts = [words.0.byteSwapped, words.1.byteSwapped, words.2.byteSwapped, words.3.byteSwapped]
                var carry: UInt64 = 0
                for word in 0..<4 {
                    let (partial, overflow1) = sums[4 * index + word].addingReportingOverflow(parts[word])
                    let (total, overflow2) = partial.addingReportingOverflow(carry)
                    sums[4 * (index + 1) + word] = total
                    carry = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
                }
            }
        }
        prefixSums = sums
    }

    /// The number of IDs.
    public var count: Int { items.count }

    /// The fingerprint of the whole set.
    public var setFingerprint: [UInt8] { fingerprint(lower: 0, upper: items.count) }

    /// The first message of the initiator: the whole ID space, split.
    public func initialMessage() -> [ReconcileRange] {
        split(lower: 0, upper: items.count, upperBound: nil)
    }

    /// Answers the peer's message; returns the reply (nil when only skips are left) and what this side learned.
    public func respond(to message: [ReconcileRange]) -> (reply: [ReconcileRange]?, have: [ContentID], need: [ContentID]) {
        var reply: [ReconcileRange] = []
        var have: [ContentID] = []
        var need: [ContentID] = []
        var lower = 0
        for range in message {
            let upper = range.upperBound.map(index(ofBound:)) ?? items.count
            defer { lower = max(lower, upper) }
            let mine = lower < upper ? Array(items[lower..<upper]) : []
            switch range.mode {
            case .skip:
                reply.append(ReconcileRange(upperBound: range.upperBound, mode: .skip))
            case let .fingerprint(theirs):
                if theirs == fingerprint(lower: lower, upper: max(lower, upper)) {
                    reply.append(ReconcileRange(upperBound: range.upperBound, mode: .skip))
                } else if mine.count < idListThreshold {
                    reply.append(ReconcileRange(upperBound: range.upperBound, mode: .idList(mine)))
                } else {
                    reply += split(lower: lower, upper: upper, upperBound: range.upperBound)
                }
            case let .idList(theirs):
                let theirSet = Set(theirs)
                let mySet = Set(mine)
                have += mine.filter { !theirSet.contains($0) }
                need += theirs.filter { !mySet.contains($0) }
                reply.append(ReconcileRange(upperBound: range.upperBound, mode: .skip))
            }
        }
        let merged = Self.mergeSkips(reply)
        let isDone = merged.allSatisfy { $0.mode == .skip }
        return (isDone ? nil : merged, have.sorted(), need.sorted())
    }

    /// Splits items[lower..<upper] into `buckets` ranges by count (ID lists for small buckets).
    private func split(lower: Int, upper: Int, upperBound: [UInt8]?) -> [ReconcileRange] {
        let count = upper - lower
        if count < idListThreshold {
            return [ReconcileRange(upperBound: upperBound, mode: .idList(Array(items[lower..<upper])))]
        }
        var ranges: [ReconcileRange] = []
        var start = lower
        for bucket in 0..<buckets {
            let end = bucket == buckets - 1 ? upper : lower + count * (bucket + 1) / buckets
            let bound = bucket == buckets - 1 ? upperBound : Self.separator(after: items[end - 1].bytes, before: items[end].bytes)
            let size = end - start
            // Sub-ranges go out as fingerprints (16 bytes) even when small: only the few that differ come back as
            // ID lists, which costs far less than listing every small sub-range up front.
            ranges.append(ReconcileRange(upperBound: bound, mode: size == 0 ? .idList([]) : .fingerprint(fingerprint(lower: start, upper: end))))
            start = end
        }
        return ranges
    }

    /// Fingerprint of items[lower..<upper]: the first 16 bytes of SHA-256(sum of IDs mod 2^256 as 32 little-endian
    /// bytes ‖ count as 8 little-endian bytes).
    func fingerprint(lower: Int, upper: Int) -> [UInt8] {
        let sum = Self.subtract(Array(prefixSums[4 * upper..<4 * upper + 4]), Array(prefixSums[4 * lower..<4 * lower + 4]))
        var input: [UInt8] = []
        input.reserveCapacity(40)
        for word in sum { withUnsafeBytes(of: word.littleEndian) { input += $0 } }
        withUnsafeBytes(of: UInt64(upper - lower).littleEndian) { input += $0 }
        return Array(SHA256Hasher.hash(input).bytes.prefix(16))
    }

    /// Index of the first item not below `bound` (bound padded with zeros to 32 bytes).
    private func index(ofBound bound: [UInt8]) -> Int {
        let padded = ContentID(digest: Array(bound.prefix(32)) + [UInt8](repeating: 0, count: max(0, 32 - bound.count)))
        var low = 0, high = items.count
        while low < high {
            let middle = (low + high) / 2
            if items[middle] < padded { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The shortest prefix of `next` that, padded with zeros, is above `previous` (so it separates them).
    static func separator(after previous: [UInt8], before next: [UInt8]) -> [UInt8] {
        var length = 0
        while length < 32 && previous[length] == next[length] { length += 1 }
        return Array(next.prefix(min(32, length + 1)))
    }

    static func mergeSkips(_ ranges: [ReconcileRange]) -> [ReconcileRange] {
        var merged: [ReconcileRange] = []
        for range in ranges {
            if range.mode == .skip, let last = merged.last, last.mode == .skip {
                merged[merged.count - 1] = range
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    private static func subtract(_ a: [UInt64], _ b: [UInt64]) -> [UInt64] {
        var result = [UInt64](repeating: 0, count: 4)
        var borrow: UInt64 = 0
        for index in 0..<4 {
            let (partial, overflow1) = a[index].subtractingReportingOverflow(b[index])
            let (total, overflow2) = partial.subtractingReportingOverflow(borrow)
            result[index] = total
            borrow = (overflow1 ? 1 : 0) + (overflow2 ? 1 : 0)
        }
        return result
    }
}
