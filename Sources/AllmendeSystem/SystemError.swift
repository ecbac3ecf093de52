// SystemError.swift: AllmendeSystem. A failed syscall with its operation, path and errno.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: what we tried, on which path, and the `errno` it returned.
public struct SystemError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The operation in plain words, e.g. "open" or "rename".
    public let operation: String
    /// The path involved, if any.
    public let path: String?
    /// The raw `errno` value.
    public let errno: Int32

    public init(operation: String, path: String? = nil, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// The C library's text for the errno, e.g. "No such file or directory".
    public var reason: String {
        guard let text = strerror(errno) else { return "errno \(errno)" }
        return String(cString: text)
    }

    /// True when the error means "no such file or directory".
    public var isNotFound: Bool { errno == ENOENT }

    /// True when the disk (or quota) is full.
    public var isOutOfSpace: Bool { errno == ENOSPC || errno == EDQUOT }

    public var description: String {
        if let path { return "\(operation) '\(path)': \(reason.lowercasedFirst)" }
        return "\(operation): \(reason.lowercasedFirst)"
    }

    /// Builds an error from the current thread's `errno`.
    public static func current(_ operation: String, path: String? = nil) -> SystemError {
        SystemError(operation: operation, path: path, errno: Glibc.errno)
    }
}

extension String {
    var lowercasedFirst: String {
        guard let first else { return self }
        return first.lowercased() + dropFirst()
    }
}
