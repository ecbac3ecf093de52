// Socket.swift: AllmendeSystem. TCP sockets: listen, accept, connect with a timeout, readiness waits.

#if canImport(Glibc)
import Glibc
#endif

/// A host and port, e.g. `127.0.0.1:7310`, `[::1]:7310` or `lab.example:7310`.
public struct SocketAddress: Hashable, Sendable, CustomStringConvertible {
    public let host: String
    public let port: UInt16

    public init(host: String, port: UInt16) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port` (IPv6 hosts in brackets); returns nil with no valid port.
    public init?(parsing text: String) {
        let trimmed = text.filter { !$0.isWhitespace }
        guard let colon = trimmed.lastIndex(of: ":"), let port = UInt16(trimmed[trimmed.index(after: colon)...]), port > 0 else { return nil }
        var host = String(trimmed[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty, !host.contains(where: { $0.isWhitespace || $0 == "/" }) else { return nil }
        self.host = host
        self.port = port
    }

    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// A TCP socket owned by one thread at a time.
public struct Socket: Sendable {
    public let descriptor: Int32

    public init(descriptor: Int32) { self.descriptor = descriptor }

    /// Listens on `address` (port 0 picks a free port); returns the socket and the bound port.
    public static func listen(on address: SocketAddress, backlog: Int32 = 128) throws(SystemError) -> (Socket, UInt16) {
        let infos = try resolve(address, passive: true)
        var lastError = SystemError(operation: "listen", path: address.description, errno: EADDRNOTAVAIL)
        for info in infos {
            let fd = socket(info.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard fd >= 0 else { continue }
            var one: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
            let bound = info.address.withUnsafeBytes { raw in
                Glibc.bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if bound == 0 && Glibc.listen(fd, backlog) == 0 {
                return (Socket(descriptor: fd), localPort(fd))
            }
            lastError = SystemError.current("listen", path: address.description)
            Glibc.close(fd)
        }
        throw lastError
    }

    /// Connects to `address`, giving up after `timeout`; with `localHost`, from that local address (any port),
    /// so a node on one of several addresses of a machine looks like its own host to its peers.
    public static func connect(to address: SocketAddress, from localHost: String? = nil, timeout: Duration) throws(SystemError) -> Socket {
        let infos = try resolve(address, passive: false)
        let locals = try localHost.map { host throws(SystemError) in try resolve(SocketAddress(host: host, port: 0), passive: true) } ?? []
        var lastError = SystemError(operation: "connect", path: address.description, errno: EHOSTUNREACH)
        for info in infos {
            let fd = socket(info.family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
            guard fd >= 0 else { continue }
            if localHost != nil {
                guard let local = locals.first(where: { $0.family == info.family }), local.address.withUnsafeBytes({ raw in
                    Glibc.bind(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
                }) == 0 else {
                    lastError = SystemError.current("bind to \(localHost ?? "")", path: address.description)
                    Glibc.close(fd)
                    continue
                }
            }
            let result = info.address.withUnsafeBytes { raw in
                Glibc.connect(fd, raw.baseAddress!.assumingMemoryBound(to: sockaddr.self), socklen_t(raw.count))
            }
            if result == 0 || errno == EINPROGRESS {
                let socket = Socket(descriptor: fd)
                if result == 0 || socket.waitUntil(writable: true, timeout: timeout) {
                    var error: Int32 = 0
                    var length = socklen_t(MemoryLayout<Int32>.size)
                    getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length)
                    if error == 0 {
                        socket.setNoDelay()
                        return socket
                    }
                    lastError = SystemError(operation: "connect", path: address.description, errno: error)
                } else {
                    lastError = SystemError(operation: "connect", path: address.description, errno: ETIMEDOUT)
                }
            } else {
                lastError = SystemError.current("connect", path: address.description)
            }
            Glibc.close(fd)
        }
        throw lastError
    }

    /// Accepts one connection if one is waiting (the listening socket should be non-blocking); nil if none is.
    /// Throws when accepting fails otherwise, e.g. EMFILE or ENFILE (out of file descriptors): the connection stays
    /// queued, so the caller must back off instead of polling the listener again at once.
    public func accept() throws(SystemError) -> (Socket, String)? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let fd = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.accept(descriptor, $0, &length) }
        }
        guard fd >= 0 else {
            let code = errno
            if code == EAGAIN || code == EWOULDBLOCK || code == EINTR || code == ECONNABORTED { return nil }
            throw SystemError(operation: "accept", path: nil, errno: code)
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let socket = Socket(descriptor: fd)
        socket.setNoDelay()
        return (socket, Self.describe(storage))
    }

    /// The numeric host of this end of a connected socket, e.g. "127.0.0.1".
    public func localHost() -> String? {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let status = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard status == 0 else { return nil }
        let text = Self.describe(storage)
        guard let colon = text.lastIndex(of: ":") else { return nil }
        return String(text[..<colon]).filter { $0 != "[" && $0 != "]" }
    }

    /// Switches blocking mode.
    public func setNonBlocking(_ enabled: Bool) {
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, enabled ? flags | O_NONBLOCK : flags & ~O_NONBLOCK)
    }

    /// Disables Nagle's algorithm (frames are written whole).
    public func setNoDelay() {
        var one: Int32 = 1
        setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
    }

    /// Waits until the socket is readable (or writable); false on timeout.
    public func waitUntil(writable: Bool, timeout: Duration) -> Bool {
        var entry = pollfd(fd: descriptor, events: Int16(writable ? POLLOUT : POLLIN), revents: 0)
        let milliseconds = Int32(clamping: timeout.components.seconds * 1000 + timeout.components.attoseconds / 1_000_000_000_000_000)
        while true {
            let result = poll(&entry, 1, milliseconds)
            if result < 0 && errno == EINTR { continue }
            return result > 0
        }
    }

    /// Closes the socket.
    public func close() { Glibc.close(descriptor) }

    /// Stops further reads and writes (wakes a thread blocked on it).
    public func shutdown() { Glibc.shutdown(descriptor, Int32(SHUT_RDWR)) }

    private struct ResolvedAddress {
        let family: Int32
        let address: [UInt8]
    }

    private static func resolve(_ address: SocketAddress, passive: Bool) throws(SystemError) -> [ResolvedAddress] {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_family = AF_UNSPEC
        if passive { hints.ai_flags = AI_PASSIVE }
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(address.host, String(address.port), &hints, &list)
        guard status == 0, let list else {
            throw SystemError(operation: "resolve '\(address.host)': \(String(cString: gai_strerror(status)))", path: nil, errno: EHOSTUNREACH)
        }
        defer { freeaddrinfo(list) }
        var result: [ResolvedAddress] = []
        var current: UnsafeMutablePointer<addrinfo>? = list
        while let info = current {
            let bytes = UnsafeRawBufferPointer(start: info.pointee.ai_addr, count: Int(info.pointee.ai_addrlen))
            result.append(ResolvedAddress(family: info.pointee.ai_family, address: Array(bytes)))
            current = info.pointee.ai_next
        }
        return result
    }

    private static func localPort(_ fd: Int32) -> UInt16 {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        _ = withUnsafeMutablePointer(to: &storage) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return withUnsafeBytes(of: storage) { raw in UInt16(raw[2]) << 8 | UInt16(raw[3]) }
    }

    private static func describe(_ storage: sockaddr_storage) -> String {
        var host = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        var service = [CChar](repeating: 0, count: Int(NI_MAXSERV))
        var copy = storage
        let length = socklen_t(storage.ss_family == sa_family_t(AF_INET6) ? MemoryLayout<sockaddr_in6>.size : MemoryLayout<sockaddr_in>.size)
        let status = withUnsafePointer(to: &copy) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                getnameinfo($0, length, &host, socklen_t(host.count), &service, socklen_t(service.count), NI_NUMERICHOST | NI_NUMERICSERV)
            }
        }
        guard status == 0 else { return "?" }
        let hostText = host.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        let serviceText = service.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return hostText.contains(":") ? "[\(hostText)]:\(serviceText)" : "\(hostText):\(serviceText)"
    }
}
