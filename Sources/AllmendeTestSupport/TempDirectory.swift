// TempDirectory.swift: AllmendeTestSupport. A fresh folder under $TMPDIR for one test, removed afterwards.

import AllmendeSystem
import Foundation

/// A unique temporary folder; call `remove()` (or use `withTempDirectory`) when done.
public struct TempDirectory: Sendable {
    /// Absolute path of the folder.
    public let path: String

    /// Creates `$TMPDIR/allmende-test-<label>-<random>`.
    public init(_ label: String = "test") throws {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        path = base + "/allmende-\(label)-" + UUID().uuidString.prefix(12).lowercased()
        try FileSystem.makeDirectories(path, mode: 0o700)
    }

    /// Path of `name` inside the folder.
    public func file(_ name: String) -> String { path + "/" + name }

    /// Writes `bytes` to `name` inside the folder and returns its path.
    @discardableResult
    public func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let target = file(name)
        try FileSystem.makeDirectories(FileSystem.parentDirectory(of: target))
        let descriptor = try FileDescriptor.open(target, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
        defer { descriptor.close() }
        try descriptor.writeAll(bytes)
        return target
    }

    /// Writes UTF-8 `text` to `name` and returns its path.
    @discardableResult
    public func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }

    /// Deletes the folder and everything in it.
    public func remove() { try? FileSystem.removeTree(path) }
}

/// Runs `body` with a fresh temporary folder that is removed afterwards.
public func withTempDirectory<T>(_ label: String = "test", _ body: (TempDirectory) throws -> T) throws -> T {
    let directory = try TempDirectory(label)
    defer { directory.remove() }
    return try body(directory)
}

/// Deterministic pseudo-random bytes (SplitMix64), for test content that must not compress or repeat.
public func pseudoRandomBytes(count: Int, seed: UInt64) -> [UInt8] {
    var state = seed
    var bytes = [UInt8]()
    bytes.reserveCapacity(count + 8)
    while bytes.count < count {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        withUnsafeBytes(of: z) { bytes.append(contentsOf: $0) }
    }
    return Array(bytes.prefix(count))
}
