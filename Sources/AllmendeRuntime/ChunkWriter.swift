// ChunkWriter.swift: AllmendeRuntime. Writes verified chunks of a fetch on its own thread with O_DIRECT, so the
// fetching thread never waits for the device and no chunk is copied into the page cache.

import AllmendeStore
import AllmendeSystem
import Foundation
import Synchronization

/// A writer thread with a few page-aligned chunk buffers. `write` copies a chunk into a free buffer (waiting if
/// all are busy) and returns; `finish` waits until everything is on the device path and reports the first error.
final class ChunkWriter: @unchecked Sendable {
    // @unchecked: each buffer is owned by the fetch thread until queued, then by the writer thread until freed;
    // the hand-over goes through `queue` (a Mutex) and the semaphores.
    private static let bufferCount = 4
    private let descriptor: FileDescriptor
    private let store: BlobStore
    private let index: ChunkIndex
    private let buffers: [UnsafeMutableRawBufferPointer]
    private let free: DispatchSemaphore
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let queue = Mutex<(jobs: [(buffer: Int, chunk: Int, count: Int)], freeList: [Int], failure: StoreError?, finished: Bool)>(([], [], nil, false))

    init(descriptor: FileDescriptor, index: ChunkIndex, store: BlobStore) {
        self.descriptor = descriptor
        self.store = store
        self.index = index
        buffers = (0..<Self.bufferCount).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: index.chunkSize, alignment: 4096) }
        free = DispatchSemaphore(value: Self.bufferCount)
        queue.withLock { $0.freeList = Array(0..<Self.bufferCount) }
        let thread = Thread { [self] in run() }
        thread.name = "allmende-chunk-writer"
        thread.start()
    }

    deinit { buffers.forEach { $0.deallocate() } }

    /// Queues a verified chunk for writing.
    func write(_ bytes: [UInt8], chunk: Int) throws(StoreError) {
        if let failure = queue.withLock({ $0.failure }) { throw failure }
        free.wait()
        guard let slot = queue.withLock({ $0.freeList.popLast() }) else { return }
        bytes.withUnsafeBytes { buffers[slot].baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
        queue.withLock { $0.jobs.append((slot, chunk, bytes.count)) }
        ready.signal()
    }

    /// Waits for every queued write; throws the first failure. Safe to call more than once.
    func finish() throws(StoreError) {
        let wasFinished = queue.withLock { state -> Bool in
            defer { state.finished = true }
            return state.finished
        }
        if !wasFinished {
            ready.signal()
            done.wait()
        }
        if let failure = queue.withLock({ $0.failure }) { throw failure }
    }

    private func run() {
        defer { done.signal() }
        while true {
            ready.wait()
            while let job = queue.withLock({ state in state.jobs.isEmpty ? nil : state.jobs.removeFirst() }) {
                if queue.withLock({ $0.failure }) == nil {
                    do {
                        try store.writeChunk(UnsafeRawBufferPointer(rebasing: buffers[job.buffer][0..<job.count]), chunk: job.chunk,
                                             index: index, to: descriptor, direct: true)
                    } catch {
                        queue.withLock { if $0.failure == nil { $0.failure = error } }
                    }
                }
                queue.withLock { $0.freeList.append(job.buffer) }
                free.signal()
            }
            if queue.withLock({ $0.finished && $0.jobs.isEmpty }) { return }
        }
    }
}
