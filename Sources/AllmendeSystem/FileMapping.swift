// FileMapping.swift: AllmendeSystem. Read-only memory mappings of file ranges.

#if canImport(Glibc)
import Glibc
#endif

/// A read-only, shared mapping of a byte range of a file: its bytes come straight from the page cache, without
/// the copy a `read` makes. Touching a page past the file's end raises SIGBUS, so map only files nobody shrinks
/// (the blob store's complete files are never changed in place) and only ranges the file holds (check its size).
public struct FileMapping: Sendable {
    /// Start of the mapped pages (page-aligned, at or before the requested offset).
    private let pageStart: UInt
    private let pageLength: Int
    private let lead: Int
    /// Number of bytes mapped from the requested offset.
    public let count: Int

    /// Maps `count` (at least 1) bytes of `descriptor` from `offset`; the file must hold all of them. Pages are
    /// mapped as they are touched (`MAP_POPULATE` would save faults, but would count every queued chunk's pages
    /// in the process's resident size before they are sent).
    public static func map(_ descriptor: FileDescriptor, offset: Int, count: Int) throws(SystemError) -> FileMapping {
        guard offset >= 0, count > 0 else { throw SystemError(operation: "map", path: descriptor.path, errno: EINVAL) }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let lead = offset % page
        let length = lead + count
        let address = mmap(nil, length, PROT_READ, MAP_SHARED, descriptor.rawValue, off_t(offset - lead))
        guard let address, address != MAP_FAILED else { throw SystemError.current("map", path: descriptor.path) }
        return FileMapping(pageStart: UInt(bitPattern: address), pageLength: length, lead: lead, count: count)
    }

    /// The mapped bytes.
    public var bytes: UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: UnsafeRawPointer(bitPattern: pageStart)! + lead, count: count)
    }

    /// Removes the mapping; `bytes` must not be used afterwards.
    public func unmap() { munmap(UnsafeMutableRawPointer(bitPattern: pageStart), pageLength) }
}
