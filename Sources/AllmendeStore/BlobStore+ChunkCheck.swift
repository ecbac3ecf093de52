// BlobStore+ChunkCheck.swift: AllmendeStore. Which chunks of a file match their chunk index: on several threads,
// and 16 chunks at a time in SIMD lanes where the CPU allows.

import AllmendeCrypto
import AllmendeSystem
import Dispatch
import Foundation
import Synchronization

extension BlobStore {
    /// Bytes of each chunk read at a time when chunks are checked in lanes: 16 slices fill 1 MiB of buffer.
    static let laneSliceSize = 64 * 1024

    /// The chunks among the first `limit` (all by default) of the file that do not match `index`, checked on up to
    /// four threads. Where `SHA256ChainLanes` is accelerated, each thread takes runs of 16 full chunks and hashes
    /// them side by side, a 64 KiB slice of each at a time (chaining values carry over between slices), so a
    /// thread needs 1 MiB of buffer whatever the chunk size; the last chunk (which ends the hash) and any chunk
    /// on its own are checked singly. `lanes` picks the lane engine (tests); by default lanes are used only when accelerated.
    static func badChunks(
        in descriptor: FileDescriptor, index: ChunkIndex, limit: Int? = nil, lanes: SHA256ChainLanes.Engine? = nil
    ) throws(StoreError) -> [Int] {
        let count = min(index.chunkCount, limit ?? index.chunkCount)
        guard count > 0 else { return [] }
        let width = lanes != nil || SHA256ChainLanes.isAccelerated ? SHA256ChainLanes.width : 1
        let laneable = min(count, index.chunkCount - 1)
        let groups = stride(from: 0, to: laneable, by: width).map { $0..<min($0 + width, laneable) }
            + (count > laneable ? [laneable..<count] : [])
        let workers = max(1, min(4, ProcessInfo.processInfo.activeProcessorCount, groups.count))
        let slice = min(index.chunkSize, laneSliceSize)
        let outcome = Mutex<(bad: [Int], failure: SystemError?)>(([], nil))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(index.chunkSize, width * slice), alignment: 4096)
            defer { buffer.deallocate() }
            for group in stride(from: worker, to: groups.count, by: workers).map({ groups[$0] }) {
                do throws(SystemError) {
                    var bad: [Int] = []
                    if group.count > 1 && group.upperBound < index.chunkCount {
                        bad = try badChunksInLanes(group, of: descriptor, index: index, slice: slice, buffer: buffer, engine: lanes)
                    } else {
                        for chunk in group where try !isIntact(chunk, of: descriptor, index: index, buffer: buffer) { bad.append(chunk) }
                    }
                    if !bad.isEmpty { outcome.withLock { $0.bad += bad } }
                } catch {
                    outcome.withLock { if $0.failure == nil { $0.failure = error } }
                    return
                }
            }
        }
        let (bad, failure) = outcome.withLock { $0 }
        if let failure { throw .system(failure) }
        return bad.sorted()
    }

    /// Whether chunk `chunk` of the file matches the index, read whole into `buffer`.
    private static func isIntact(
        _ chunk: Int, of descriptor: FileDescriptor, index: ChunkIndex, buffer: UnsafeMutableRawBufferPointer
    ) throws(SystemError) -> Bool {
        let range = index.byteRange(ofChunk: chunk)
        let target = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<range.count])
        return try descriptor.readFully(into: target, atOffset: range.lowerBound) == target.count && index.verify(chunk: chunk, UnsafeRawBufferPointer(target))
    }

    /// The chunks of `group` (full-size ones, none the last) that do not match the index, hashed in lanes slice by slice.
    private static func badChunksInLanes(
        _ group: Range<Int>, of descriptor: FileDescriptor, index: ChunkIndex, slice: Int, buffer: UnsafeMutableRawBufferPointer,
        engine: SHA256ChainLanes.Engine?
    ) throws(SystemError) -> [Int] {
        var values: [ContentID?] = group.map { $0 == 0 ? nil : index.chainValues[$0 - 1] }
        var short: Set<Int> = []
        for within in stride(from: 0, to: index.chunkSize, by: slice) {
            var runs: [SHA256ChainLanes.Run] = []
            for (lane, chunk) in group.enumerated() {
                let target = UnsafeMutableRawBufferPointer(rebasing: buffer[lane * slice..<(lane + 1) * slice])
                let offset = chunk * index.chunkSize + within
                if try descriptor.readFully(into: target, atOffset: offset) < slice { short.insert(chunk) }
                runs.append(.init(start: values[lane], offset: offset, bytes: UnsafeRawBufferPointer(target)))
            }
            values = SHA256ChainLanes.chainValues(after: runs, using: engine)
        }
        return zip(group, values).filter { chunk, value in short.contains(chunk) || value != index.chainValues[chunk] }.map(\.0)
    }
}
