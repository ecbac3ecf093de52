// FileSystem.swift: AllmendeSystem. Directory and path operations as typed, throwing functions.

#if canImport(Glibc)
import Glibc
#endif

/// What kind of object a path names.
public enum FileKind: Sendable, Equatable {
    case regular, directory, symbolicLink, other
}

/// Path-level file operations. Every failure is a `SystemError` naming the path.
public enum FileSystem {
    /// Status of `path` without following a final symbolic link, or `nil` if it does not exist.
    public static func linkStatus(_ path: String) throws(SystemError) -> stat? {
        var info = stat()
        if lstat(path, &info) == 0 { return info }
        if errno == ENOENT || errno == ENOTDIR { return nil }
        throw SystemError.current("stat", path: path)
    }

    /// The kind of object at `path`, or `nil` if nothing is there.
    public static func kind(of path: String) throws(SystemError) -> FileKind? {
        guard let info = try linkStatus(path) else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFLNK: return .symbolicLink
        default: return .other
        }
    }

    /// True if something exists at `path` (a dangling symlink counts).
    public static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    /// Creates `path` and any missing parents with `mode`; an existing directory is fine.
    public static func makeDirectories(_ path: String, mode: mode_t = 0o755) throws(SystemError) {
        if try kind(of: path) == .directory { return }
        let parent = parentDirectory(of: path)
        if parent != path && !parent.isEmpty { try makeDirectories(parent, mode: mode) }
        if mkdir(path, mode) != 0 && errno != EEXIST { throw SystemError.current("create directory", path: path) }
        guard try kind(of: path) == .directory else {
            throw SystemError(operation: "create directory", path: path, errno: ENOTDIR)
        }
    }

    /// The names in directory `path`, without "." and "..", in no particular order.
    public static func contentsOfDirectory(_ path: String) throws(SystemError) -> [String] {
        guard let dir = opendir(path) else { throw SystemError.current("list directory", path: path) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// True if directory `path` has no entries besides "." and ".." (reads only until it finds one).
    public static func isEmptyDirectory(_ path: String) throws(SystemError) -> Bool {
        guard let dir = opendir(path) else { throw SystemError.current("list directory", path: path) }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let isDot = withUnsafeBytes(of: entry.pointee.d_name) { raw in raw[0] == 0x2E && (raw[1] == 0 || (raw[1] == 0x2E && raw[2] == 0)) }
            if !isDot { return false }
        }
        return true
    }

    /// Removes a file; a missing file is not an error.
    public static func removeFile(_ path: String) throws(SystemError) {
        if unlink(path) != 0 && errno != ENOENT { throw SystemError.current("remove", path: path) }
    }

    /// Removes `path` and, for a directory, everything below it (symbolic links are removed, never followed).
    /// Works on raw name bytes, so names that are not valid UTF-8 are removed too.
    public static func removeTree(_ path: String) throws(SystemError) {
        guard let kind = try kind(of: path) else { return }
        guard kind == .directory else { return try removeFile(path) }
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard descriptor >= 0 else { throw SystemError.current("open directory", path: path) }
        try removeContents(ofDirectory: descriptor, path: path)
        if rmdir(path) != 0 && errno != ENOENT { throw SystemError.current("remove directory", path: path) }
    }

    /// Empties the open directory `descriptor` (which this call closes); `path` only names it in errors.
    private static func removeContents(ofDirectory descriptor: Int32, path: String) throws(SystemError) {
        guard let dir = fdopendir(descriptor) else {
            Glibc.close(descriptor)
            throw SystemError.current("list directory", path: path)
        }
        defer { closedir(dir) }
        // Names first, removal after: deleting while readdir walks the same directory may skip entries.
        var names: [(name: [CChar], isDirectory: Bool)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                raw.prefix(while: { $0 != 0 }).map { CChar(bitPattern: $0) } + [0]
            }
            if name == [46, 0] || name == [46, 46, 0] { continue }
            names.append((name, entry.pointee.d_type == UInt8(DT_DIR)
                || (entry.pointee.d_type == UInt8(DT_UNKNOWN) && isDirectory(name, in: dirfd(dir)))))
        }
        let parent = dirfd(dir)
        for (name, isDirectory) in names {
            let shown = path + "/" + String(decoding: name.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if isDirectory {
                let child = openat(parent, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
                guard child >= 0 else { throw SystemError.current("open directory", path: shown) }
                try removeContents(ofDirectory: child, path: shown)
            }
            if unlinkat(parent, name, isDirectory ? AT_REMOVEDIR : 0) != 0 && errno != ENOENT {
                throw SystemError.current(isDirectory ? "remove directory" : "remove", path: shown)
            }
        }
    }

    /// True if `name` in the open directory `parent` is a directory (not following a symbolic link).
    private static func isDirectory(_ name: [CChar], in parent: Int32) -> Bool {
        var info = stat()
        return fstatat(parent, name, &info, AT_SYMLINK_NOFOLLOW) == 0 && info.st_mode & S_IFMT == S_IFDIR
    }

    /// Atomically renames `source` to `destination`, replacing it.
    public static func rename(_ source: String, to destination: String) throws(SystemError) {
        if Glibc.rename(source, destination) != 0 { throw SystemError.current("rename", path: destination) }
    }

    /// Flushes a directory's entries (new names, renames) to the device.
    public static func syncDirectory(_ path: String) throws(SystemError) {
        let fd = try FileDescriptor.open(path, O_RDONLY | O_DIRECTORY)
        defer { fd.close() }
        try fd.sync()
    }

    /// The size in bytes of the file at `path`.
    public static func size(of path: String) throws(SystemError) -> Int {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError.current("stat", path: path) }
        return Int(info.st_size)
    }

    /// Reads a whole file, refusing files larger than `limit` bytes.
    public static func readFile(_ path: String, limit: Int = 16 << 20) throws(SystemError) -> [UInt8] {
        let fd = try FileDescriptor.openForReading(path)
        defer { fd.close() }
        return try fd.readAll(limit: limit)
    }

    /// Writes `bytes` to `path` atomically: temp file in the same folder, fsync, rename, fsync of the folder.
    ///
    /// A reader sees either the old content or the new, never a mix; a crash leaves at most a `.tmp-` file.
    public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(SystemError) {
        let directory = parentDirectory(of: path)
        let temporary = directory + "/.tmp-" + lastComponent(of: path) + "-" + String(getpid()) + "-" + randomSuffix()
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        do {
            try fd.setMode(mode)
            try fd.writeAll(bytes)
            try fd.sync()
            fd.close()
            try rename(temporary, to: path)
            try syncDirectory(directory)
        } catch {
            fd.close()
            try? removeFile(temporary)
            throw error
        }
    }

    /// True if `path` is the temporary file of a `writeAtomically` whose writer died: its name is
    /// `.tmp-<name>-<pid>-<random>` and that process is gone, or the file is more than an hour old (the pid may
    /// have been reused). A file of a live writer is not abandoned.
    public static func isAbandonedAtomicWrite(_ path: String) -> Bool {
        let name = lastComponent(of: path)
        guard name.hasPrefix(".tmp-") else { return false }
        let parts = name.split(separator: "-")
        guard parts.count >= 4, let pid = Int32(parts[parts.count - 2]), pid > 0 else { return true }
        if pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard let age = try? modificationTime(of: path) else { return false }
        return Int64(time(nil)) - age > 3600
    }

    /// The folder part of `path` ("." for a bare name).
    public static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        if slash == trimmed.startIndex { return "/" }
        return String(trimmed[..<slash])
    }

    /// The last component of `path`.
    public static func lastComponent(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1 && trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return String(trimmed) }
        return String(trimmed[trimmed.index(after: slash)...])
    }

    /// The absolute form of `path`, resolved against the current directory (no symlinks are resolved).
    public static func absolutePath(_ path: String) -> String {
        if path.hasPrefix("/") { return path }
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        guard getcwd(&buffer, buffer.count) != nil else { return path }
        let cwd = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        return path == "." ? cwd : (cwd == "/" ? "/" + path : cwd + "/" + path)
    }

    /// The current user's home folder from `$HOME`, or the password database.
    public static func userHomeDirectory(environment: [String: String]) -> String? {
        if let home = environment["HOME"], !home.isEmpty { return home }
        guard let entry = getpwuid(getuid()), let dir = entry.pointee.pw_dir else { return nil }
        return String(cString: dir)
    }

    private static func randomSuffix() -> String {
        var value: UInt64 = 0
        withUnsafeMutableBytes(of: &value) { raw in
            for index in raw.indices { raw[index] = UInt8.random(in: 0...255) }
        }
        return String(value, radix: 36)
    }
}

extension FileSystem {
    /// Writes `bytes` to `path` durably only if nothing is there yet; returns false (writing nothing) if it exists.
    ///
    /// The file appears complete or not at all: temp file, fsync, `link(2)` (which fails if the name is taken), unlink.
    public static func writeExclusively(_ bytes: [UInt8], to path: String, mode: mode_t) throws(SystemError) -> Bool {
        let directory = parentDirectory(of: path)
        let temporary = directory + "/.tmp-" + lastComponent(of: path) + "-" + String(getpid()) + "-" + String(UInt64.random(in: 0...UInt64.max), radix: 36)
        let fd = try FileDescriptor.open(temporary, O_WRONLY | O_CREAT | O_EXCL, mode: mode)
        defer { try? removeFile(temporary) }
        do {
            try fd.setMode(mode)
            try fd.writeAll(bytes)
            try fd.sync()
            fd.close()
        } catch {
            fd.close()
            throw error
        }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw SystemError.current("create", path: path)
        }
        try syncDirectory(directory)
        return true
    }
}

extension FileSystem {
    /// The raw byte names in directory `path` (without "." and ".."), so names that are not UTF-8 can be reported.
    public static func rawContentsOfDirectory(_ path: String) throws(SystemError) -> [[UInt8]] {
        guard let dir = opendir(path) else { throw SystemError.current("list directory", path: path) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { Array($0.prefix(while: { $0 != 0 })) }
            if name != [0x2E] && name != [0x2E, 0x2E] { names.append(name) }
        }
        return names
    }

    /// The canonical absolute path with every symbolic link resolved.
    public static func resolvedPath(_ path: String) throws(SystemError) -> String {
        guard let resolved = realpath(path, nil) else { throw SystemError.current("resolve", path: path) }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    /// The modification time of `path` in seconds since the epoch.
    public static func modificationTime(of path: String) throws(SystemError) -> Int64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw SystemError.current("stat", path: path) }
        return Int64(info.st_mtim.tv_sec)
    }
}
