// BenchSupport.swift: allmende-bench. Options, timing, external commands and result tables.

import AllmendeSystem
import Foundation

struct BenchOptions {
    var benchmark = "store"
    var sizeMiB = 1024
    var runs = 3
    var entries = 10_000
    /// Catalog entries whose package is stored (catalog benchmark; default min(entries, 10,000)).
    var stored: Int?
    /// Files in the publish-files benchmark.
    var files = 10_000
    /// Keep the generated home (catalog benchmark) for a closer look.
    var keep = false
    var nodes: [Int] = []
    var packages = 0
    var directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
}

struct BenchError: Error {
    let message: String
    var isUsage = false
    static func usage(_ message: String) -> BenchError { BenchError(message: message, isUsage: true) }
}

/// The release `allmende` binary beside this one; throws asking for a build if it is missing.
func allmendeBinary() throws -> String {
    let binary = FileSystem.parentDirectory(of: CommandLine.arguments[0]) + "/allmende"
    guard FileSystem.exists(binary) else { throw BenchError(message: "build the CLI first: swift build -c release (looked for \(binary))") }
    return binary
}

/// Wall-clock seconds taken by `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    return try clock.measure(body).inSeconds
}

/// Runs an external command and returns its standard output; throws if it fails or is missing.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [executable] + arguments
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw BenchError(message: "\(executable) \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
    }
    return String(decoding: data, as: UTF8.self)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// One row of a results table.
struct BenchRow {
    let name: String
    let seconds: [Double]
    let bytes: Int

    var medianSeconds: Double { median(seconds) }
    var gigabytesPerSecond: Double { Double(bytes) / medianSeconds / 1e9 }
}

/// Prints rows as a Markdown table with throughput and the ratio to `reference`.
func printTable(_ rows: [BenchRow], reference: String) {
    let referenceRate = rows.first { $0.name == reference }?.gigabytesPerSecond ?? 1
    print("| tool | runs (s) | median (s) | GB/s | × \(reference) |")
    print("|---|---|---:|---:|---:|")
    for row in rows {
        let runs = row.seconds.map { String(format: "%.3f", $0) }.joined(separator: " ")
        print(String(format: "| %@ | %@ | %.3f | %.2f | %.2f |", row.name, runs, row.medianSeconds, row.gigabytesPerSecond,
                     row.gigabytesPerSecond / referenceRate))
    }
}

/// Machine facts printed with every result.
func machineSummary() -> String {
    let cores = ProcessInfo.processInfo.activeProcessorCount
    let cpu = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8))?
        .split(separator: "\n").first { $0.hasPrefix("model name") }?
        .split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "unknown CPU"
    let shaNI = ((try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? "").contains(" sha_ni") ? "with SHA-NI" : "without SHA-NI"
    let openssl = (try? runCommand("openssl", ["version"]))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "openssl missing"
    return "\(cores) cores, \(cpu) (\(shaNI)), \(openssl)"
}

/// Writes `bytes` of pseudo-random (incompressible) data.
func generateFile(_ path: String, bytes: Int) throws {
    let descriptor = try FileDescriptor.open(path, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
    defer { descriptor.close() }
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    var buffer = [UInt64](repeating: 0, count: 1 << 17)
    var written = 0
    while written < bytes {
        for index in buffer.indices {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            buffer[index] = z ^ (z >> 31)
        }
        let count = min(buffer.count * 8, bytes - written)
        try buffer.withUnsafeBytes { try descriptor.writeAll(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        written += count
    }
    try descriptor.sync()
}

/// CPU seconds (user + system) a live process has used so far, from /proc/PID/stat.
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let end = text.lastIndex(of: ")") else { return 0 }
    let fields = text[text.index(after: end)...].split(separator: " ")
    // After the command name: state is field 3, utime field 14, stime field 15 (1-based, man 5 proc).
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// CPU seconds used by this process's finished (waited-for) children so far.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_CHILDREN.rawValue, &usage)
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

/// CPU seconds used by this process so far (all threads).
func selfCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

private func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }

/// The child processes of `pid` (Linux 3.5+ /proc/PID/task/PID/children).
func childProcesses(of pid: Int32) -> [Int32] {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/task/\(pid)/children", encoding: .utf8) else { return [] }
    return text.split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
}

/// Reads a file with read(2) in 1 MiB pieces and hands each to `body`.
func forEachPiece(of path: String, _ body: (UnsafeRawBufferPointer) -> Void) throws {
    let descriptor = try FileDescriptor.openForReading(path)
    defer { descriptor.close() }
    let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
    defer { buffer.deallocate() }
    while true {
        let count = try descriptor.read(into: buffer)
        if count == 0 { return }
        body(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
    }
}

/// Runs `executable` (a path) with `arguments`, output to /dev/null, and waits; throws if it fails. Uses
/// `posix_spawn` directly: Foundation's `Process` adds tens of milliseconds per run, more than a command costs.
func spawnQuietly(_ executable: String, _ arguments: [String], output: String = "/dev/null") throws {
    var actions: posix_spawn_file_actions_t = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for pointer in argv { free(pointer) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, nil, argv, environ)
    guard result == 0 else { throw BenchError(message: "could not start \(executable): errno \(result)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0 else { throw BenchError(message: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status))") }
}

/// A field of `/proc/PID/status` in KiB (`VmRSS:` resident now, `VmHWM:` peak); 0 when unreadable. Without `pid`: this process.
func processStatusKiB(_ field: String, pid: Int32? = nil) -> Int {
    guard let text = try? String(contentsOfFile: "/proc/\(pid.map(String.init) ?? "self")/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix(field) }) else { return 0 }
    return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
}

/// True if 127.0.0.1:`port` accepts a TCP connection.
func acceptsConnections(port: UInt16) -> Bool {
    let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard socket >= 0 else { return false }
    defer { close(socket) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = port.bigEndian
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
}

/// Waits until 127.0.0.1:`port` accepts connections (at most 10 s); false if it never did.
func waitUntilAccepting(port: UInt16) -> Bool {
    for _ in 0..<400 {
        if acceptsConnections(port: port) { return true }
        usleep(25_000)
    }
    return false
}

/// Starts nginx (`daemon off`) in `dir` with `http` as its http block's contents; errors go to `dir/error.log`.
func runNginx(dir: String, workers: String, connections: Int, http: String) throws -> Process {
    try FileSystem.makeDirectories(dir + "/tmp")
    try FileSystem.makeDirectories(dir + "/logs")
    let config = """
        worker_processes \(workers); daemon off; user root; error_log \(dir)/error.log; pid \(dir)/nginx.pid;
        events { worker_connections \(connections); }
        http {
          access_log off; sendfile on; client_body_temp_path \(dir)/tmp; proxy_temp_path \(dir)/tmp; fastcgi_temp_path \(dir)/tmp;
          uwsgi_temp_path \(dir)/tmp; scgi_temp_path \(dir)/tmp;
          \(http)
        }
        """
    try FileSystem.writeAtomically(Array(config.utf8), to: dir + "/nginx.conf")
    let server = Process()
    let nginx = FileSystem.exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx"
    server.executableURL = URL(fileURLWithPath: nginx.hasPrefix("/") ? nginx : "/usr/bin/env")
    server.arguments = (nginx.hasPrefix("/") ? [] : [nginx]) + ["-c", dir + "/nginx.conf", "-p", dir]
    server.standardError = FileHandle.nullDevice
    try server.run()
    return server
}
