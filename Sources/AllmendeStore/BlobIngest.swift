// BlobIngest.swift: AllmendeStore. One pass over a byte stream computing its chunk index (and with it the
// whole-blob SHA-256), and optionally writing the bytes, on three threads.

import AllmendeCrypto
import AllmendeSystem
import Dispatch
import Foundation
import Synchronization

/// Called with the number of bytes processed so far (from the ingesting thread).
public typealias ProgressHandler = @Sendable (Int) -> Void

/// Reads a stream once and produces its chunk index (whose `blobID` is the stream's content ID), writing it to
/// `destination` if given.
///
/// Three threads share a ring of 8 page-aligned chunk buffers (8 MiB, the only memory used): the calling thread
/// reads; a second thread runs the one SHA-256 pass (inherently sequential) that yields the chunk index's
/// chaining values and the blob ID; a third writes with `O_DIRECT`, so the page cache costs no CPU and the final
/// `fdatasync` has little left to flush. A stream that ends within its first chunk is handled on the calling
/// thread alone.
enum BlobIngest {
    /// Buffers in flight between the three threads.
    static let ringSize = 8

    static func run(
        source: FileDescriptor, destination: FileDescriptor?, chunkSize: Int = ChunkIndex.defaultChunkSize,
        progress: ProgressHandler? = nil, limit: Int? = nil
    ) throws(StoreError) -> ChunkIndex {
        var reader = LimitedReader(source: source, remaining: limit)
        if let limit, limit < chunkSize {
            // Known to fit in one chunk (a small record of a bundle): one buffer of its size, not the ring's 8 MiB.
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(limit, 1), alignment: 4096)
            defer { buffer.deallocate() }
            let length: Int
            do { length = try reader.read(into: buffer) } catch { throw .system(error) }
            return try single(UnsafeRawBufferPointer(rebasing: buffer[0..<length]), destination: destination, chunkSize: chunkSize)
        }
        let ring = ChunkRing(count: ringSize, size: chunkSize)
        let first = ring.slots[0]
        let firstLength: Int
        do { firstLength = try reader.read(into: first) } catch { throw .system(error) }
        if firstLength < chunkSize {
            return try single(UnsafeRawBufferPointer(rebasing: first[0..<firstLength]), destination: destination, chunkSize: chunkSize)
        }
        return try runPipelined(source: &reader, destination: destination, ring: ring, chunkSize: chunkSize, progress: progress)
    }

    /// A stream that ended within its first chunk: written (if asked) and indexed on the calling thread.
    private static func single(_ bytes: UnsafeRawBufferPointer, destination: FileDescriptor?, chunkSize: Int) throws(StoreError) -> ChunkIndex {
        if let destination {
            do { try destination.writeAll(bytes) } catch { throw .system(error) }
        }
        return ChunkIndex(of: bytes, chunkSize: chunkSize)
    }

    /// Reads from a descriptor, at most `remaining` bytes in all if given (a record inside a larger stream).
    struct LimitedReader {
        let source: FileDescriptor
        var remaining: Int?

        mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
            guard let left = remaining else { return try source.readFully(into: buffer) }
            let wanted = min(buffer.count, left)
            guard wanted > 0 else { return 0 }
            let count = try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: buffer[0..<wanted]))
            remaining = left - count
            return count
        }
    }

    private static func runPipelined(
        source: inout LimitedReader, destination: FileDescriptor?, ring: ChunkRing, chunkSize: Int, progress: ProgressHandler?
    ) throws(StoreError) -> ChunkIndex {
        let pipeline = IngestPipeline(ring: ring, destination: destination, chunkSize: chunkSize)
        pipeline.start()

        var total = 0
        var length = chunkSize   // slot 0 already holds the first full chunk
        var sequence = 0
        var isHoldingSlot = true
        var readFailure: SystemError?
        while true {
            if length > 0 {
                total += length
                progress?(total)
                pipeline.publish(sequence: sequence, length: length)
                sequence += 1
                isHoldingSlot = false
            }
            if length < chunkSize || pipeline.hasFailed { break }
            pipeline.waitForFreeSlot()
            isHoldingSlot = true
            do {
                length = try source.read(into: ring.slots[sequence % ring.count])
            } catch {
                readFailure = error
                break
            }
        }
        if !isHoldingSlot { pipeline.waitForFreeSlot() }
        pipeline.publish(sequence: sequence, length: -1)   // end marker
        let index = pipeline.join()
        if let readFailure { throw .system(readFailure) }
        if let failure = pipeline.failure { throw .system(failure) }
        guard let index else { throw .system(SystemError(operation: "hash", errno: EIO)) }
        return index
    }
}

/// Page-aligned buffers shared by the ingest threads, plus the length of the data in each.
final class ChunkRing: @unchecked Sendable {
    // @unchecked: each slot is touched by one thread at a time; hand-over is ordered by DispatchSemaphores
    // (signal happens-before the matching wait), so no two threads access a slot or its length concurrently.
    let slots: [UnsafeMutableRawBufferPointer]
    let lengths: UnsafeMutablePointer<Int>
    var count: Int { slots.count }

    init(count: Int, size: Int) {
        slots = (0..<count).map { _ in UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 4096) }
        lengths = UnsafeMutablePointer<Int>.allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
    }

    deinit {
        for slot in slots { slot.deallocate() }
        lengths.deallocate()
    }
}

/// The semaphores and worker threads of one ingest run.
private final class IngestPipeline: Sendable {
    let ring: ChunkRing
    private let hashReady = DispatchSemaphore(value: 0)
    private let writeReady = DispatchSemaphore(value: 0)
    private let hashFree: DispatchSemaphore
    private let writeFree: DispatchSemaphore
    private let finished = DispatchSemaphore(value: 0)
    private let destination: FileDescriptor?
    private let chunkSize: Int
    private let state = Mutex<(failure: SystemError?, index: ChunkIndex?)>((nil, nil))

    init(ring: ChunkRing, destination: FileDescriptor?, chunkSize: Int) {
        self.ring = ring
        self.destination = destination
        self.chunkSize = chunkSize
        hashFree = DispatchSemaphore(value: ring.count - 1)   // slot 0 is already in use by the reader
        writeFree = DispatchSemaphore(value: ring.count - 1)
    }

    var hasFailed: Bool { state.withLock { $0.failure != nil } }
    var failure: SystemError? { state.withLock { $0.failure } }

    /// Hands slot `sequence % count` (holding `length` bytes, or -1 for end of stream) to the workers.
    func publish(sequence: Int, length: Int) {
        ring.lengths[sequence % ring.count] = length
        hashReady.signal()
        if destination != nil { writeReady.signal() } else { writeFree.signal() }
    }

    /// Blocks until the next slot is no longer used by any worker.
    func waitForFreeSlot() {
        hashFree.wait()
        writeFree.wait()
    }

    /// Starts the hasher and, when there is a destination, the writer.
    func start() {
        startHasher()
        if let destination { startWriter(destination) }
    }

    private func startHasher() {
        let thread = Thread { [self] in
            var builder = ChunkIndexBuilder(chunkSize: chunkSize)
            var sequence = 0
            while true {
                hashReady.wait()
                let slot = sequence % ring.count
                let length = ring.lengths[slot]
                if length < 0 { break }
                builder.add(UnsafeRawBufferPointer(rebasing: ring.slots[slot][0..<length]))
                hashFree.signal()
                sequence += 1
            }
            let index = builder.finish()
            state.withLock { $0.index = index }
            finished.signal()
        }
        thread.name = "allmende-ingest-hash"
        thread.start()
    }

    private func startWriter(_ destination: FileDescriptor) {
        let thread = Thread { [self] in
            var isDirect = destination.setDirectIO(true)
            var sequence = 0
            while true {
                writeReady.wait()
                let slot = sequence % ring.count
                let length = ring.lengths[slot]
                if length < 0 { break }
                if !hasFailed {
                    let bytes = UnsafeRawBufferPointer(rebasing: ring.slots[slot][0..<length])
                    if isDirect && length % 4096 != 0 {
                        _ = destination.setDirectIO(false)
                        isDirect = false
                    }
                    do throws(SystemError) {
                        try destination.writeAll(bytes)
                    } catch where isDirect && error.errno == EINVAL {
                        // The file system refused direct I/O for this write: fall back to buffered writes.
                        isDirect = false
                        _ = destination.setDirectIO(false)
                        do throws(SystemError) { try destination.writeAll(bytes) } catch { record(error) }
                    } catch {
                        record(error)
                    }
                }
                writeFree.signal()
                sequence += 1
            }
            if isDirect { _ = destination.setDirectIO(false) }
            finished.signal()
        }
        thread.name = "allmende-ingest-write"
        thread.start()
    }

    /// Waits for the workers and returns the chunk index.
    func join() -> ChunkIndex? {
        finished.wait()
        if destination != nil { finished.wait() }
        return state.withLock { $0.index }
    }

    private func record(_ error: SystemError) {
        state.withLock { if $0.failure == nil { $0.failure = error } }
    }
}
