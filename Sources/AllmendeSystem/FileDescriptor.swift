// FileDescriptor.swift: AllmendeSystem. A thin typed wrapper over an open file descriptor; EINTR is retried here.

#if canImport(Glibc)
import Glibc
#endif

/// An open POSIX file descriptor. The owner closes it exactly once with `close()`.
public struct FileDescriptor: Sendable, Hashable {
    /// The raw descriptor number.
    public let rawValue: Int32
    /// The path it was opened from, for error messages.
    public let path: String?

    public init(rawValue: Int32, path: String? = nil) {
        self.rawValue = rawValue
        self.path = path
    }

    /// Standard input.
    public static let standardInput = FileDescriptor(rawValue: 0, path: "<stdin>")
    /// Standard output.
    public static let standardOutput = FileDescriptor(rawValue: 1, path: "<stdout>")
    /// Standard error.
    public static let standardError = FileDescriptor(rawValue: 2, path: "<stderr>")

    /// Opens `path` with the given `open(2)` flags; `O_CLOEXEC` is always added.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws(SystemError) -> FileDescriptor {
        while true {
            let fd = Glibc.open(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return FileDescriptor(rawValue: fd, path: path) }
            if errno == EINTR { continue }
            throw SystemError.current("open", path: path)
        }
    }

    /// Opens a new file without a name in `folder` (`O_TMPFILE`), for writing: it vanishes if the process dies
    /// before `link(to:)` gives it one. Throws (EOPNOTSUPP, EISDIR, EINVAL) where the file system cannot.
    public static func openUnnamed(in folder: String, mode: mode_t) throws(SystemError) -> FileDescriptor {
        // O_TMPFILE is __O_TMPFILE | O_DIRECTORY (asm-generic/fcntl.h); Swift does not see it without _GNU_SOURCE.
        try open(folder, 0o20_200_000 | O_WRONLY, mode: mode)
    }

    /// Gives a file opened with `openUnnamed` the name `path`; false if that name exists already.
    public func link(to path: String) throws(SystemError) -> Bool {
        while linkat(AT_FDCWD, "/proc/self/fd/\(rawValue)", AT_FDCWD, path, AT_SYMLINK_FOLLOW) != 0 {
            if errno == EINTR { continue }
            if errno == EEXIST { return false }
            throw SystemError.current("link", path: path)
        }
        return true
    }

    /// Opens `path` read-only.
    public static func openForReading(_ path: String) throws(SystemError) -> FileDescriptor {
        try open(path, O_RDONLY)
    }

    /// Closes the descriptor. Errors from close are ignored except for reporting.
    @discardableResult
    public func close() -> Bool { Glibc.close(rawValue) == 0 }

    /// Reads up to `buffer.count` bytes; returns 0 at end of file.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        while true {
            let n = Glibc.read(rawValue, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemError.current("read", path: path)
        }
    }

    /// Reads until `buffer` is full or the end of the file; returns the number of bytes read.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Fills `buffer` from `offset` (without moving the file position), retrying short reads; returns the number of
    /// bytes read, less than the buffer only where the file ends.
    public func readFully(into buffer: UnsafeMutableRawBufferPointer, atOffset offset: Int) throws(SystemError) -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]), atOffset: offset + filled)
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads up to `count` bytes starting at `offset` without moving the file position.
    public func read(into buffer: UnsafeMutableRawBufferPointer, atOffset offset: Int) throws(SystemError) -> Int {
        while true {
            let n = Glibc.pread(rawValue, buffer.baseAddress, buffer.count, off_t(offset))
            if n >= 0 { return n }
            if errno == EINTR { continue }
            throw SystemError.current("read", path: path)
        }
    }

    /// Writes all of `bytes`, retrying short writes and EINTR.
    public func writeAll(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        var written = 0
        while written < bytes.count {
            let n = Glibc.write(rawValue, bytes.baseAddress! + written, bytes.count - written)
            if n > 0 { written += n; continue }
            if n < 0 && errno == EINTR { continue }
            if n == 0 { throw SystemError(operation: "write", path: path, errno: EIO) }
            throw SystemError.current("write", path: path)
        }
    }

    /// Writes all of `bytes`.
    public func writeAll(_ bytes: some Collection<UInt8>) throws(SystemError) {
        let array = Array(bytes)
        let result = array.withUnsafeBytes { raw in Result { () throws(SystemError) in try writeAll(raw) } }
        try result.get()
    }

    /// Reads the whole remaining content, refusing more than `limit` bytes.
    public func readAll(limit: Int) throws(SystemError) -> [UInt8] {
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = try chunk.withUnsafeMutableBytes { raw in Result { () throws(SystemError) in try read(into: raw) } }.get()
            if n == 0 { return result }
            if result.count + n > limit { throw SystemError(operation: "read", path: path, errno: EFBIG) }
            result.append(contentsOf: chunk[0..<n])
        }
    }

    /// Flushes file data and metadata to the device.
    public func sync() throws(SystemError) {
        while fsync(rawValue) != 0 {
            if errno == EINTR { continue }
            throw SystemError.current("fsync", path: path)
        }
    }

    /// Writes the file's dirty pages to the device and waits for that to finish, without flushing the device's
    /// cache or the file's metadata (`sync_file_range`): a later `fsync` of any file on the device (one per
    /// batch) makes them durable. Where it is not supported, falls back to `fdatasync`.
    public func writeOut() throws(SystemError) {
        guard let syncFileRange = Self.syncFileRange else { return try syncData() }
        // SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER (linux/fs.h).
        while syncFileRange(rawValue, 0, 0, 1 | 2 | 4) != 0 {
            if errno == EINTR { continue }
            if errno == ENOSYS || errno == EINVAL || errno == ESPIPE { return try syncData() }
            throw SystemError.current("sync_file_range", path: path)
        }
    }

    /// glibc's `sync_file_range`, which Swift does not see without _GNU_SOURCE.
    private static let syncFileRange: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "sync_file_range") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int64, Int64, UInt32) -> Int32).self)
    }()

    /// Flushes file data (and the metadata needed to read it back) to the device.
    public func syncData() throws(SystemError) {
        while fdatasync(rawValue) != 0 {
            if errno == EINTR { continue }
            throw SystemError.current("fdatasync", path: path)
        }
    }

    /// The file's status.
    public func status() throws(SystemError) -> stat {
        var info = stat()
        guard fstat(rawValue, &info) == 0 else { throw SystemError.current("stat", path: path) }
        return info
    }

    /// Sets the permission bits.
    public func setMode(_ mode: mode_t) throws(SystemError) {
        guard fchmod(rawValue, mode) == 0 else { throw SystemError.current("chmod", path: path) }
    }

    /// Cuts or extends the file to `length` bytes.
    public func truncate(to length: Int) throws(SystemError) {
        while ftruncate(rawValue, off_t(length)) != 0 {
            if errno == EINTR { continue }
            throw SystemError.current("truncate", path: path)
        }
    }

    /// Turns `O_DIRECT` on or off; returns false when the file system does not support it.
    public func setDirectIO(_ enabled: Bool) -> Bool {
        let flags = fcntl(rawValue, F_GETFL)
        guard flags >= 0 else { return false }
        let wanted = enabled ? flags | directIOFlag : flags & ~directIOFlag
        return fcntl(rawValue, F_SETFL, wanted) == 0
    }

    /// Takes an exclusive advisory lock (`flock`); returns false if another descriptor holds it and `wait` is false.
    public func lockExclusive(wait: Bool) throws(SystemError) -> Bool {
        while true {
            if flock(rawValue, LOCK_EX | (wait ? 0 : LOCK_NB)) == 0 { return true }
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw SystemError.current("lock", path: path)
        }
    }

    /// True if the descriptor refers to a terminal.
    public var isTerminal: Bool { isatty(rawValue) == 1 }
}

/// `O_DIRECT`, which Glibc only exports with `_GNU_SOURCE`.
#if arch(x86_64) || arch(i386)
private let directIOFlag: Int32 = 0o40000
#else
private let directIOFlag: Int32 = 0o200000
#endif
