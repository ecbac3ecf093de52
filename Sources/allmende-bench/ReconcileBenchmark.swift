// ReconcileBenchmark.swift: allmende-bench. Range-based reconciliation of two catalogs that differ slightly,
// beside the bytes of sending the full ID list.

import AllmendeCrypto
import AllmendeNode
import Foundation

struct ReconcileBenchmark {
    let options: BenchOptions

    func run() throws {
        print("## reconcile: two catalogs of 100,000 entry IDs that differ, split evenly between the two sides")
        print("| entries | differences | buckets | ID list below | messages | round trips | bytes | full ID list bytes | × full list | time (ms) |")
        print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
        for differences in [100, 1000] {
            for (buckets, threshold) in [(8, 8), (8, 16), (16, 16), (16, 32), (32, 32)] {
                try measureCase(entries: 100_000, differences: differences, buckets: buckets, threshold: threshold)
            }
        }
    }

    private func measureCase(entries: Int, differences: Int, buckets: Int, threshold: Int) throws {
        func id(_ n: Int) -> ContentID { SHA256Hasher.hash(withUnsafeBytes(of: UInt64(n).littleEndian) { Array($0) }) }
        let common = (0..<(entries - differences / 2)).map(id)
        let onlyA = (0..<(differences / 2)).map { id(10_000_000 + $0) }
        let onlyB = (0..<(differences - differences / 2)).map { id(20_000_000 + $0) }
        let start = ContinuousClock.now
        let a = RangeReconciler(ids: common + onlyA, buckets: buckets, idListThreshold: threshold)
        let b = RangeReconciler(ids: common + onlyB, buckets: buckets, idListThreshold: threshold)
        var message: [ReconcileRange]? = a.initialMessage()
        var bytes = 0, messages = 0, found = 0
        var aTurn = false
        while let current = message {
            let encoded = ReconcileCodec.encode(current)
            bytes += encoded.count
            messages += 1
            let answer = (aTurn ? a : b).respond(to: try ReconcileCodec.decode(encoded))
            found += answer.have.count + answer.need.count
            message = answer.reply
            aTurn.toggle()
        }
        let elapsed = ContinuousClock.now - start
        guard found == differences else { throw BenchError(message: "found \(found) of \(differences) differences") }
        let full = entries * 32
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        print(String(format: "| %d | %d | %d | %d | %d | %d | %d | %d | %.3f | %.0f |", entries, differences, buckets, threshold, messages,
                     (messages + 1) / 2, bytes, full, Double(bytes) / Double(full), milliseconds))
    }
}
