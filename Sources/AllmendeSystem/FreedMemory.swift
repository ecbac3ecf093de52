// FreedMemory.swift: AllmendeSystem. Giving freed heap memory back to the system (glibc's malloc_trim).

#if canImport(Glibc)
import Glibc
#endif

/// Freed heap memory the allocator keeps for reuse.
public enum FreedMemory {
    private typealias Trim = @convention(c) (Int) -> Int32

    /// glibc's `malloc_trim`, looked up at run time (it is not in the Glibc module map); nil on other C libraries.
    private static let trim: Trim? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim") else { return nil }
        return unsafeBitCast(symbol, to: Trim.self)
    }()

    /// Returns free heap pages to the system (after a burst of large allocations, e.g. a peer's queue, is freed).
    public static func returnToSystem() {
        _ = trim?(0)
    }
}
