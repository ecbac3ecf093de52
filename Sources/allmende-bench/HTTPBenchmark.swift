// HTTPBenchmark.swift: allmende-bench. The daemon's web face beside nginx on the same files, in one run: a large
// blob with curl (sendfile), small blobs with wrk (requests/s), the catalog search page at 10,000 entries (latency
// percentiles with 20 clients), and the memory 1,000 idle keep-alive connections cost.

import AllmendeCrypto
import AllmendeStore
import AllmendeSystem
import Foundation

struct HTTPBenchmark {
    let options: BenchOptions

    func run() throws {
        for tool in ["nginx", "wrk", "curl"] where (try? runCommand("sh", ["-c", "command -v \(tool) || test -x /usr/sbin/\(tool)"])) == nil {
            print("installing \(tool) with apt-get (needed once for this comparison)…")
            _ = try runCommand("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \(tool)"])
        }
        raiseDescriptorLimit()
        let folder = options.directory + "/allmende-bench-http-\(getpid())"
        try FileSystem.makeDirectories(folder)
        defer { if options.keep { print("kept \(folder)") } else { try? FileSystem.removeTree(folder) } }
        let binary = try allmendeBinary()
        let entries = options.entries
        let bytes = options.sizeMiB << 20
        print("http: a \(options.sizeMiB) MiB blob, a 4 KiB blob and a \(entries)-entry catalog served by the daemon and by nginx (plain HTTP, sendfile)")
        print(machineSummary())

        // The same files for both: nginx serves hard links to the daemon's blob files.
        let home = NodeHome(path: folder + "/home")
        _ = try CatalogBenchmark.fill(home, entries: entries, stored: min(entries, 10_000))
        try generateFile(folder + "/big.bin", bytes: bytes)
        try generateFile(folder + "/small.bin", bytes: 4096)
        let stored = try runCommand(binary, ["--home", home.path, "store", "add", folder + "/big.bin", folder + "/small.bin"])
            .split(separator: "\n").map { String($0.split(separator: " ").first ?? "") }
        guard stored.count == 2 else { throw BenchError(message: "store add printed \(stored)") }
        let (big, small) = (stored[0], stored[1])
        let web = folder + "/www"
        try FileSystem.makeDirectories(web)
        let store = try PackageStore(home: home)
        for (name, id) in [("big.bin", big), ("small.bin", small)] {
            guard link(store.blobs.path(of: try ContentID(parsing: id)), web + "/" + name) == 0 else { throw BenchError(message: "cannot link \(name)") }
        }
        try? FileSystem.removeFile(folder + "/big.bin")

        let (allmendePort, nginxPort) = (try freePort(), try freePort())
        let daemon = Process()
        daemon.executableURL = URL(fileURLWithPath: binary)
        daemon.arguments = ["--home", home.path, "daemon", "--listen", "127.0.0.1:0", "--http", "127.0.0.1:\(allmendePort)", "--log-level", "error"]
        daemon.standardError = FileHandle.nullDevice
        try daemon.run()
        defer { daemon.terminate(); daemon.waitUntilExit() }
        let nginx = try runNginx(dir: folder + "/nginx", workers: "auto", connections: 4096, http: """
            tcp_nopush on; keepalive_requests 1000000; keepalive_timeout 60s;
              server { listen 127.0.0.1:\(nginxPort); root \(web); default_type application/octet-stream; }
            """)
        defer { nginx.terminate(); nginx.waitUntilExit() }
        guard waitUntilAccepting(port: allmendePort), waitUntilAccepting(port: nginxPort) else { throw BenchError(message: "a server did not start") }

        // 1. A large blob with curl, alternating, median of --runs.
        var allmendeTimes: [Double] = [], nginxTimes: [Double] = []
        for _ in 0..<options.runs {
            allmendeTimes.append(try curlSeconds("http://127.0.0.1:\(allmendePort)/b/\(big)", bytes: bytes))
            nginxTimes.append(try curlSeconds("http://127.0.0.1:\(nginxPort)/big.bin", bytes: bytes))
        }
        print("")
        printTable([
            BenchRow(name: "allmende web face /b/SHA256 + curl", seconds: allmendeTimes, bytes: bytes),
            BenchRow(name: "nginx (sendfile) + curl", seconds: nginxTimes, bytes: bytes),
        ], reference: "nginx (sendfile) + curl")
        print(String(format: "large blob: allmende / nginx throughput %.2f×", median(nginxTimes) / median(allmendeTimes)))

        // 2. Small blobs: wrk -c 100 -d 10s.
        let allmendeRate = try wrk(["-t", "2", "-c", "100", "-d", "10s", "http://127.0.0.1:\(allmendePort)/b/\(small)"]).requests
        let nginxRate = try wrk(["-t", "2", "-c", "100", "-d", "10s", "http://127.0.0.1:\(nginxPort)/small.bin"]).requests
        print("")
        print("| 4 KiB blob, wrk -t 2 -c 100 -d 10s | requests/s | ratio to nginx |")
        print("|---|---:|---:|")
        print(String(format: "| allmende /b/SHA256 | %.0f | %.2f× |", allmendeRate, allmendeRate / nginxRate))
        print(String(format: "| nginx | %.0f | 1.00× |", nginxRate))

        // 3. The search page, 20 clients.
        let search = try wrk(["-t", "2", "-c", "20", "-d", "10s", "--latency", "http://127.0.0.1:\(allmendePort)/?q=trailer"])
        let api = try wrk(["-t", "2", "-c", "20", "-d", "10s", "--latency", "http://127.0.0.1:\(allmendePort)/api/packages?q=hinge+4"])
        print("")
        print("| \(entries) entries, wrk -t 2 -c 20 -d 10s --latency | requests/s | p50 | p99 |")
        print("|---|---:|---:|---:|")
        print(String(format: "| catalog page `/?q=trailer` (50 of ~%d hits) | %.0f | %@ | %@ |", entries / 12, search.requests, search.p50, search.p99))
        print(String(format: "| API `/api/packages?q=hinge+4` | %.0f | %@ | %@ |", api.requests, api.p50, api.p99))

        // 4. 1,000 idle keep-alive connections.
        let before = processStatusKiB("VmRSS:", pid: daemon.processIdentifier)
        var sockets: [Socket] = []
        defer { sockets.forEach { $0.close() } }
        for _ in 0..<1000 {
            let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: allmendePort), timeout: .seconds(5))
            socket.setNonBlocking(false)
            let request = Array("GET /style.css HTTP/1.1\r\nHost: bench\r\n\r\n".utf8)
            _ = request.withUnsafeBytes { send(socket.descriptor, $0.baseAddress, $0.count, 0) }
            var buffer = [UInt8](repeating: 0, count: 16384)
            _ = recv(socket.descriptor, &buffer, buffer.count, 0)
            sockets.append(socket)
        }
        usleep(500_000)
        let after = processStatusKiB("VmRSS:", pid: daemon.processIdentifier)
        let open = (try? runCommand("curl", ["-s", "http://127.0.0.1:\(allmendePort)/metrics"]))?.split(separator: "\n")
            .first { $0.hasPrefix("allmende_http_connections ") }.map { String($0.split(separator: " ").last ?? "") } ?? "?"
        print("")
        print("1,000 idle keep-alive connections (each after one request): daemon RSS \(before / 1024) MiB → \(after / 1024) MiB "
              + "(+\(String(format: "%.1f", Double(after - before) / 1024)) MiB, \(String(format: "%.1f", Double(after - before) / 1000)) KiB per connection); "
              + "the daemon counts \(open) open")
    }

    private func curlSeconds(_ url: String, bytes: Int) throws -> Double {
        let output = try runCommand("curl", ["-s", "-o", "/dev/null", "-w", "%{time_total} %{size_download}", url])
        let parts = output.split(separator: " ")
        guard parts.count == 2, Int(parts[1]) == bytes, let seconds = Double(parts[0]) else { throw BenchError(message: "curl \(url): \(output)") }
        return seconds
    }

    private func wrk(_ arguments: [String]) throws -> (requests: Double, p50: String, p99: String) {
        let output = try runCommand("wrk", arguments)
        let lines = output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        let rate = lines.first { $0.hasPrefix("Requests/sec:") }.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
        let percentile = { (name: String) in lines.first { $0.hasPrefix(name) }.map { String($0.split(separator: " ").last ?? "") } ?? "?" }
        if lines.contains(where: { $0.hasPrefix("Non-2xx") || $0.hasPrefix("Socket errors") }) { print("wrk: " + lines.filter { $0.hasPrefix("Non-2xx") || $0.hasPrefix("Socket errors") }.joined(separator: "; ")) }
        return (rate, percentile("50%"), percentile("99%"))
    }

    private func freePort() throws -> UInt16 {
        let (socket, port) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        socket.close()
        return port
    }

    private func raiseDescriptorLimit() {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        limit.rlim_cur = min(limit.rlim_max, 65536)
        setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
