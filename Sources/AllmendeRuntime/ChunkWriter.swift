// ChunkWriter.swift: AllmendeRuntime. Writes verified chunks of a fetch on its own thread with O_DIRECT, so the
// fetching thread never waits for the device and no chunk is copied on its way to the disk.

import AllmendeStore
import AllmendeSystem
import AllmendeWire
import Foundation
import Synchronization

/// A writer thread fed with verified chunks. `write` queues a chunk's data (waiting while `maximumQueued` are
/// queued) and returns; the data is written from its own page-aligned storage. `finish` waits until everything
/// is written and reports the first error.
final class ChunkWriter: Sendable {
    /// Chunks queued at most (8 MiB with 1 MiB chunks): bounds memory when the disk is slower than the network.
    static let maximumQueued = 8
    private let descriptor: FileDescriptor
    private let store: BlobStore
    private let index: ChunkIndex
    private let free = DispatchSemaphore(value: maximumQueued)
    private let ready = DispatchSemaphore(value: 0)
    private let done = DispatchSemaphore(value: 0)
    private let queue = Mutex<(jobs: [(data: ChunkData, chunk: Int)], failure: StoreError?, finished: Bool)>(([], nil, false))

    init(descriptor: FileDescriptor, index: ChunkIndex, store: BlobStore) {
        self.descriptor = descriptor
        self.store = store
        self.index = index
        let thread = Thread { [self] in run() }
        thread.name = "allmende-chunk-writer"
        thread.start()
    }

    /// Queues a verified chunk for writing.
    func write(_ data: ChunkData, chunk: Int) throws(StoreError) {
        if let failure = queue.withLock({ $0.failure }) { throw failure }
        free.wait()
        queue.withLock { $0.jobs.append((data, chunk)) }
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
                    let outcome = job.data.withUnsafeBytes { bytes in
                        Result { () throws(StoreError) in
                            try store.writeChunk(bytes, chunk: job.chunk, index: index, to: descriptor, direct: true)
                        }
                    }
                    if case let .failure(error) = outcome { queue.withLock { if $0.failure == nil { $0.failure = error } } }
                }
                free.signal()
            }
            if queue.withLock({ $0.finished && $0.jobs.isEmpty }) { return }
        }
    }
}
