// FetchBenchmark.swift: allmende-bench. A verified fetch between two daemons on loopback, beside nginx + curl over
// HTTPS and a plain TLS 1.3 stream of the same bytes, measured in alternating rounds; peak daemon memory.

import AllmendeCrypto
import AllmendeSystem
import AllmendeTLS
import Foundation

/// Each round times the three contenders one after the other, each with the source file just read into the page
/// cache, so drift on a shared machine (other tenants, memory reclaim) hits all of them alike; the report gives
/// the medians and the median of the per-round ratios.
struct FetchBenchmark {
    let options: BenchOptions

    var allmende: String { Bundle.main.executableURL!.deletingLastPathComponent().path + "/allmende" }

    func run() throws {
        let folder = options.directory + "/allmende-bench-fetch-\(getpid())"
        try FileSystem.makeDirectories(folder + "/package")
        defer { try? FileSystem.removeTree(folder) }
        let bytes = options.sizeMiB << 20
        print("## fetch: one \(options.sizeMiB) MiB file over loopback, \(options.runs) alternating rounds, median reported")
        print("machine: \(machineSummary())")
        let source = folder + "/package/casting-pattern.step"
        try generateFile(source, bytes: bytes)
        try Array("""
            {"title": "Benchmark package", "version": "1.0.0", "summary": "One large file", "category": "other",
             "license": "CC0-1.0", "licensors": [{"name": "bench"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
            """.utf8).withUnsafeBytes { raw in try FileSystem.writeAtomically(Array(raw), to: folder + "/package/allmende.json") }

        let seeder = try AllmendeSeeder(folder: folder, allmende: allmende)
        defer { seeder.stop() }
        let nginx = try NginxServer(folder: folder, source: source)
        defer { nginx.stop() }
        var allmendeTimes: [Double] = [], curlTimes: [Double] = [], tlsTimes: [Double] = []
        var allmendeCPU: [(Double, Double)] = [], curlCPU: [(Double, Double)] = [], tlsCPU: [Double] = []
        var fetcherPeak = 0
        for run in 0..<options.runs {
            warm(seeder.blobPath)
            let fetch = try seeder.timeFetch(run: run)
            allmendeTimes.append(fetch.seconds)
            allmendeCPU.append((fetch.serverCPU, fetch.clientCPU))
            fetcherPeak = max(fetcherPeak, fetch.peakKiB)
            warm(source)
            let download = try nginx.timeDownload(to: folder + "/curl-out.bin", expectedBytes: bytes)
            curlTimes.append(download.seconds)
            curlCPU.append((download.serverCPU, download.clientCPU))
            warm(source)
            let tlsStart = selfCPUSeconds()
            tlsTimes.append(try timePlainTLS(source: source, output: folder + "/tls-out.bin", bytes: bytes))
            tlsCPU.append(selfCPUSeconds() - tlsStart)
            try? FileSystem.removeFile(folder + "/curl-out.bin")
            try? FileSystem.removeFile(folder + "/tls-out.bin")
        }
        printTable([
            BenchRow(name: "allmende fetch (verified, 2 daemons)", seconds: allmendeTimes, bytes: bytes),
            BenchRow(name: "nginx + curl (HTTPS, TLS 1.3)", seconds: curlTimes, bytes: bytes),
            BenchRow(name: "plain TLS 1.3 stream (OpenSSL)", seconds: tlsTimes, bytes: bytes),
        ], reference: "nginx + curl (HTTPS, TLS 1.3)")
        let paired = zip(curlTimes, allmendeTimes).map { $0 / $1 }
        print(String(format: "per-round throughput ratio allmende / nginx+curl: %@ (median %.2f)",
                     paired.map { String(format: "%.2f", $0) }.joined(separator: " "), median(paired)))
        print("peak daemon memory (VmHWM): seeder \(seeder.peakMemoryKiB() / 1024) MiB, fetcher \(fetcherPeak / 1024) MiB")
        print("CPU seconds per transfer (median of the rounds; user + system, all threads):")
        print("| tool | sending side | receiving side | total |")
        print("|---|---:|---:|---:|")
        for (name, cpu) in [("allmende (seeding daemon / fetching daemon + CLI)", allmendeCPU), ("nginx worker / curl", curlCPU)] {
            print(String(format: "| %@ | %.2f | %.2f | %.2f |", name, median(cpu.map(\.0)), median(cpu.map(\.1)), median(cpu.map { $0.0 + $0.1 })))
        }
        print(String(format: "| plain TLS 1.3 stream (both ends in one process) | | | %.2f |", median(tlsCPU)))
    }

    /// Reads a file once so the next contender finds it in the page cache (not timed).
    private func warm(_ path: String) { try? forEachPiece(of: path) { _ in } }

    // MARK: Plain TLS

    /// One TLS 1.3 connection in this process: the server streams the file in 1 MiB writes, the client writes it to disk.
    private func timePlainTLS(source: String, output outputPath: String, bytes: Int) throws -> Double {
        let (listener, port) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
        let serverContext = try TLSContext(key: try Ed25519PrivateKey(), isServer: true)
        let sender = Thread {
            guard let (socket, _) = { () -> (Socket, String)? in
                _ = listener.waitUntil(writable: false, timeout: .seconds(10)); return try? listener.accept() }(),
                  let tls = try? TLSConnection(context: serverContext, socket: socket, isServer: true),
                  (try? tls.handshake(timeout: .seconds(10))) != nil,
                  let input = try? FileDescriptor.openForReading(source) else { return }
            defer { input.close(); tls.close(); listener.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
            defer { buffer.deallocate() }
            while let count = try? input.read(into: buffer), count > 0 {
                var offset = 0
                while offset < count {
                    switch try? tls.write(UnsafeRawBufferPointer(rebasing: buffer[offset..<count])) {
                    case let .bytes(written)?: offset += written
                    case .wantWrite?, .wantRead?: _ = tls.socket.waitUntil(writable: true, timeout: .seconds(5))
                    default: return
                    }
                }
            }
        }
        sender.start()
        let clientContext = try TLSContext(key: try Ed25519PrivateKey(), isServer: false)
        return try measure {
            let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(5))
            let tls = try TLSConnection(context: clientContext, socket: socket, isServer: false)
            _ = try tls.handshake(timeout: .seconds(10))
            let output = try FileDescriptor.open(outputPath, O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
            defer { output.close(); tls.close() }
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
            defer { buffer.deallocate() }
            var total = 0
            while total < bytes {
                switch try tls.read(into: buffer) {
                case let .bytes(count):
                    try output.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                    total += count
                case .wantRead, .wantWrite: _ = tls.socket.waitUntil(writable: false, timeout: .seconds(5))
                case .closed: throw BenchError(message: "TLS stream ended after \(total) bytes")
                }
            }
        }
    }
}
