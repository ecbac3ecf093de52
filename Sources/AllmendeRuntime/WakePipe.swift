// WakePipe.swift: AllmendeRuntime. A pipe that wakes a thread blocked in poll(2).

import AllmendeSystem
#if canImport(Glibc)
import Glibc
#endif

/// A non-blocking pipe: `wake()` makes its read end readable until `drain()`.
final class WakePipe: Sendable {
    let readEnd: Int32
    let writeEnd: Int32

    /// Throws when no file descriptors are left (never traps).
    init() throws(SystemError) {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { throw SystemError.current("pipe") }
        readEnd = fds[0]
        writeEnd = fds[1]
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
    }

    deinit {
        close(readEnd)
        close(writeEnd)
    }

    func wake() {
        var byte: UInt8 = 1
        _ = write(writeEnd, &byte, 1)
    }

    func drain() {
        var buffer = [UInt8](repeating: 0, count: 64)
        while read(readEnd, &buffer, buffer.count) > 0 {}
    }
}
