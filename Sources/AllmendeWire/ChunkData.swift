// ChunkData.swift: AllmendeWire. The bytes of one chunk in a page-aligned allocation of their own, recycled. Pure.

import Synchronization

/// The data of a `chunk` message, in its own page-aligned allocation, so a chunk can go from the TLS read
/// through verification to an `O_DIRECT` write (or from a file read to the TLS write) without being copied.
///
/// Immutable once built: filled by its initialiser, or by the `FrameDecoder` that owns it until its frame is
/// complete.
public final class ChunkData: @unchecked Sendable {
    // @unchecked: `storage` is written only before the value is shared (see above) and only read afterwards.
    /// Alignment of the storage: a page, as `O_DIRECT` needs.
    public static let alignment = 4096
    /// No bytes.
    public static let empty = ChunkData(uninitializedCount: 0)

    let storage: UnsafeMutableRawBufferPointer
    /// Number of bytes.
    public let count: Int
    /// Bytes written so far (only below `count` while a `FrameDecoder` is filling it).
    var filled: Int
    /// Gives back storage this value does not own (a file mapping); nil for pooled storage.
    private let release: (@Sendable (UnsafeRawBufferPointer) -> Void)?

    /// Storage for `count` bytes, none written yet.
    init(uninitializedCount count: Int) {
        storage = ChunkStoragePool.shared.take(count: count)
        self.count = count
        filled = 0
        release = nil
    }

    /// Bytes that live elsewhere (e.g. a read-only file mapping), never written through this value; `release`
    /// is called with them when the value goes away.
    public init(borrowing bytes: UnsafeRawBufferPointer, release: @escaping @Sendable (UnsafeRawBufferPointer) -> Void) {
        storage = UnsafeMutableRawBufferPointer(mutating: bytes)
        count = bytes.count
        filled = bytes.count
        self.release = release
    }

    /// A copy of `bytes`.
    public convenience init(_ bytes: some Collection<UInt8>) {
        self.init(uninitializedCount: bytes.count)
        if bytes.withContiguousStorageIfAvailable({ storage.copyMemory(from: UnsafeRawBufferPointer($0)) }) == nil {
            _ = storage.initializeMemory(as: UInt8.self, from: bytes)
        }
        filled = count
    }

    /// `count` bytes written by `body` into the (uninitialised) storage, which it must fill completely.
    public convenience init<E: Error>(count: Int, initializingWith body: (UnsafeMutableRawBufferPointer) throws(E) -> Void) throws(E) {
        self.init(uninitializedCount: count)
        try body(UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]))
        filled = count
    }

    deinit {
        if let release { release(UnsafeRawBufferPointer(storage)) } else { ChunkStoragePool.shared.give(storage) }
    }

    /// Calls `body` with the bytes.
    public func withUnsafeBytes<R, E: Error>(_ body: (UnsafeRawBufferPointer) throws(E) -> R) throws(E) -> R {
        try body(UnsafeRawBufferPointer(rebasing: storage[0..<count]))
    }

    /// The bytes as an array (a copy).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// True if there are no bytes.
    public var isEmpty: Bool { count == 0 }

    /// Memory this value holds of its own, in bytes: a recycled buffer's full size, an aligned allocation
    /// rounded up to pages, or a little bookkeeping for bytes borrowed from a file mapping (page cache).
    public var memoryCost: Int {
        if release != nil { return 256 }
        if storage.count == ChunkStoragePool.bufferSize { return ChunkStoragePool.bufferSize }
        return (max(storage.count, 1) + Self.alignment - 1) / Self.alignment * Self.alignment + Self.alignment
    }

    /// The space not yet written, for a decoder filling the data straight from the transport.
    var unfilledSpace: UnsafeMutableRawBufferPointer { UnsafeMutableRawBufferPointer(rebasing: storage[filled..<count]) }

    /// Copies up to the missing number of bytes from `bytes`; returns how many were taken.
    func fill(from bytes: UnsafeRawBufferPointer) -> Int {
        let taken = min(bytes.count, count - filled)
        if taken > 0, let source = bytes.baseAddress { (storage.baseAddress! + filled).copyMemory(from: source, byteCount: taken) }
        filled += taken
        return taken
    }
}

extension ChunkData: Equatable {
    public static func == (lhs: ChunkData, rhs: ChunkData) -> Bool {
        lhs === rhs || (lhs.count == rhs.count && lhs.withUnsafeBytes { a in rhs.withUnsafeBytes { b in a.elementsEqual(b) } })
    }
}

/// Recycles the 1 MiB page-aligned buffers that hold chunk data, so a transfer does not map, fault in and zero a
/// fresh megabyte for every chunk (and the allocator's heap does not grow with freed megabytes); keeps at most
/// `maximumFree` (32 MiB) for reuse: a fetch holds up to 40 chunks received or awaiting a batched check and 8
/// queued for writing, of which it reuses most. Smaller and larger storage is allocated and freed as usual.
final class ChunkStoragePool: Sendable {
    /// The pool chunk data uses.
    static let shared = ChunkStoragePool()
    /// Size of the recycled buffers: the chunk size Allmende uses.
    static let bufferSize = 1 << 20
    /// Free buffers kept at most.
    static let maximumFree = 32
    /// Data at least this big is put in a recycled buffer.
    static let smallestPooled = 64 * 1024
    // Addresses of free buffers (as integers, which are Sendable); the Mutex orders every hand-over.
    private let free = Mutex<[UInt]>([])

    deinit {
        for address in free.withLock({ $0 }) { UnsafeMutableRawPointer(bitPattern: address)?.deallocate() }
    }

    /// Number of free buffers kept.
    var freeCount: Int { free.withLock { $0.count } }

    func take(count: Int) -> UnsafeMutableRawBufferPointer {
        guard count >= Self.smallestPooled, count <= Self.bufferSize else {
            return .allocate(byteCount: max(count, 1), alignment: ChunkData.alignment)
        }
        if let address = free.withLock({ $0.popLast() }), let base = UnsafeMutableRawPointer(bitPattern: address) {
            return UnsafeMutableRawBufferPointer(start: base, count: Self.bufferSize)
        }
        return .allocate(byteCount: Self.bufferSize, alignment: ChunkData.alignment)
    }

    func give(_ buffer: UnsafeMutableRawBufferPointer) {
        guard buffer.count == Self.bufferSize, let base = buffer.baseAddress else { return buffer.deallocate() }
        let address = UInt(bitPattern: base)
        let kept = free.withLock { list -> Bool in
            guard list.count < Self.maximumFree else { return false }
            list.append(address)
            return true
        }
        if !kept { buffer.deallocate() }
    }
}

/// One piece of an encoded frame to write: plain bytes, or a chunk's data written from its own storage.
public enum FramePart: Sendable {
    case bytes([UInt8])
    case chunkData(ChunkData)

    /// Number of bytes.
    public var count: Int {
        switch self {
        case let .bytes(bytes): return bytes.count
        case let .chunkData(data): return data.count
        }
    }

    /// Memory it holds while queued, in bytes (allocation sizes and bookkeeping, not just the payload).
    public var memoryCost: Int {
        switch self {
        case let .bytes(bytes): return bytes.capacity + 64
        case let .chunkData(data): return data.memoryCost + 64
        }
    }

    /// Calls `body` with the bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        switch self {
        case let .bytes(bytes): return try bytes.withUnsafeBytes(body)
        case let .chunkData(data): return try body(UnsafeRawBufferPointer(rebasing: data.storage[0..<data.count]))
        }
    }
}
