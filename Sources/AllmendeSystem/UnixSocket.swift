// UnixSocket.swift: AllmendeSystem. Local stream sockets for the CLI ↔ daemon control channel.

#if canImport(Glibc)
import Glibc
#endif

/// A Unix-domain stream socket at a path (at most 107 bytes).
public enum UnixSocket {
    /// Binds and listens at `path` (an old socket file there is replaced) with the given file mode.
    public static func listen(at path: String, mode: mode_t = 0o600) throws(SystemError) -> Socket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("create socket", path: path) }
        unlink(path)
        var address = try makeAddress(path)
        let previous = umask(0o177)
        let bound = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        umask(previous)
        guard bound == 0, Glibc.listen(fd, 16) == 0 else {
            let error = SystemError.current("listen", path: path)
            close(fd)
            throw error
        }
        chmod(path, mode)
        return Socket(descriptor: fd)
    }

    /// Connects to the socket at `path`.
    public static func connect(to path: String) throws(SystemError) -> Socket {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError.current("create socket", path: path) }
        var address = try makeAddress(path)
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard result == 0 else {
            let error = SystemError.current("connect", path: path)
            close(fd)
            throw error
        }
        return Socket(descriptor: fd)
    }

    private static func makeAddress(_ path: String) throws(SystemError) -> sockaddr_un {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw SystemError(operation: "socket path too long", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            for (index, byte) in bytes.enumerated() { raw[index] = byte }
        }
        return address
    }
}

/// Reads and writes newline-delimited lines on a blocking socket, with a bound on line length.
public struct LineChannel {
    public let socket: Socket
    private var buffer: [UInt8] = []
    /// Longest line accepted.
    public let maximumLineLength: Int

    public init(socket: Socket, maximumLineLength: Int = 1 << 20) {
        self.socket = socket
        self.maximumLineLength = maximumLineLength
    }

    /// The next line without its newline, or nil at end of stream.
    public mutating func readLine() throws(SystemError) -> String? {
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = Array(buffer[..<newline])
                buffer.removeFirst(newline + 1)
                return String(decoding: line, as: UTF8.self)
            }
            guard buffer.count <= maximumLineLength else { throw SystemError(operation: "read line", path: nil, errno: EMSGSIZE) }
            let count = chunk.withUnsafeMutableBytes { raw in Glibc.read(socket.descriptor, raw.baseAddress, raw.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw SystemError.current("read")
            }
            if count == 0 { return nil }
            buffer += chunk[0..<count]
        }
    }

    /// Writes `line` and a newline.
    public func writeLine(_ line: String) throws(SystemError) {
        try FileDescriptor(rawValue: socket.descriptor).writeAll(Array((line + "\n").utf8))
    }
}
