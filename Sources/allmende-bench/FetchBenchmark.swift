// FetchBenchmark.swift: allmende-bench. A verified fetch between two daemons on loopback, beside nginx + curl over
// HTTPS and a plain TLS 1.3 stream of the same bytes; peak daemon memory.

import AllmendeCrypto
import AllmendeSystem
import AllmendeTLS
import Foundation

struct FetchBenchmark {
    let options: BenchOptions

    var allmende: String { Bundle.main.executableURL!.deletingLastPathComponent().path + "/allmende" }

    func run() throws {
        let folder = options.directory + "/allmende-bench-fetch-\(getpid())"
        try FileSystem.makeDirectories(folder + "/package")
        defer { try? FileSystem.removeTree(folder) }
        let bytes = options.sizeMiB << 20
        print("## fetch: one \(options.sizeMiB) MiB file over loopback, \(options.runs) runs each, median reported")
        print("machine: \(machineSummary())")
        try generateFile(folder + "/package/casting-pattern.step", bytes: bytes)
        try Array("""
            {"title": "Benchmark package", "version": "1.0.0", "summary": "One large file", "category": "other",
             "license": "CC0-1.0", "licensors": [{"name": "bench"}], "documentationLanguage": ["en"], "created": "2026-01-01"}
            """.utf8).withUnsafeBytes { raw in try FileSystem.writeAtomically(Array(raw), to: folder + "/package/allmende.json") }

        let (allmendeTimes, memory) = try timeAllmende(folder: folder)
        let curlTimes = try timeNginxCurl(folder: folder)
        let tlsTimes = try timePlainTLS(folder: folder)
        printTable([
            BenchRow(name: "allmende fetch (verified, 2 daemons)", seconds: allmendeTimes, bytes: bytes),
            BenchRow(name: "nginx + curl (HTTPS, TLS 1.3)", seconds: curlTimes, bytes: bytes),
            BenchRow(name: "plain TLS 1.3 stream (OpenSSL)", seconds: tlsTimes, bytes: bytes),
        ], reference: "nginx + curl (HTTPS, TLS 1.3)")
        print("peak daemon memory (VmHWM): seeder \(memory.seed / 1024) MiB, fetcher \(memory.fetcher / 1024) MiB")
    }

    // MARK: Allmende

    private func cli(_ home: String, _ arguments: [String]) throws -> String {
        try runCommand(allmende, ["--home", home] + arguments)
    }

    private func startDaemon(_ home: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: allmende)
        process.arguments = ["--home", home, "daemon", "--listen", "127.0.0.1:0", "--log-level", "warning"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private func status(_ home: String) -> [String: Any]? {
        for _ in 0..<400 {
            if let text = try? cli(home, ["status", "--json"]), let data = text.data(using: .utf8),
               let value = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { return value }
            usleep(25_000)
        }
        return nil
    }

    private func timeAllmende(folder: String) throws -> ([Double], (seed: Int, fetcher: Int)) {
        let seedHome = folder + "/seed"
        let package = try cli(seedHome, ["publish", folder + "/package"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let seedID = try cli(seedHome, ["id"]).trimmingCharacters(in: .whitespacesAndNewlines)
        let seed = try startDaemon(seedHome)
        defer { seed.terminate(); seed.waitUntilExit() }
        guard let port = status(seedHome)?["listenPort"] as? Int else { throw BenchError(message: "seed daemon did not start") }
        var times: [Double] = []
        var fetcherPeak = 0
        for run in 0..<options.runs {
            let home = folder + "/fetcher-\(run)"
            _ = try cli(home, ["peers", "add", "127.0.0.1:\(port)", seedID])
            let fetcher = try startDaemon(home)
            defer { fetcher.terminate(); fetcher.waitUntilExit() }
            for _ in 0..<400 {
                let peers = status(home)?["peers"] as? [[String: Any]] ?? []
                if peers.contains(where: { $0["state"] as? String == "ready" }) { break }
                usleep(25_000)
            }
            times.append(try measure { _ = try cli(home, ["fetch", package]) })
            fetcherPeak = max(fetcherPeak, peakMemoryKiB(fetcher.processIdentifier))
            try? FileSystem.removeTree(home + "/store/blobs")
        }
        return (times, (peakMemoryKiB(seed.processIdentifier), fetcherPeak))
    }

    private func peakMemoryKiB(_ pid: Int32) -> Int {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }) else { return 0 }
        return Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0
    }

    // MARK: nginx + curl

    private func timeNginxCurl(folder: String) throws -> [Double] {
        if (try? runCommand("sh", ["-c", "command -v nginx || test -x /usr/sbin/nginx"])) == nil {
            print("installing nginx with apt-get (needed once for this comparison)…")
            _ = try runCommand("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx"])
        }
        let nginx = FileSystem.exists("/usr/sbin/nginx") ? "/usr/sbin/nginx" : "nginx"
        let dir = folder + "/nginx"
        try FileSystem.makeDirectories(dir + "/www")
        try FileSystem.makeDirectories(dir + "/tmp")
        _ = try runCommand("ln", [folder + "/package/casting-pattern.step", dir + "/www/file.bin"])
        _ = try runCommand("openssl", ["req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                                       "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        let port = 20000 + Int(getpid() % 20000)
        let config = """
            worker_processes 1; daemon off; user root; error_log \(dir)/error.log; pid \(dir)/nginx.pid;
            events { worker_connections 64; }
            http {
              access_log off; sendfile on; client_body_temp_path \(dir)/tmp; proxy_temp_path \(dir)/tmp; fastcgi_temp_path \(dir)/tmp;
              uwsgi_temp_path \(dir)/tmp; scgi_temp_path \(dir)/tmp;
              server { listen 127.0.0.1:\(port) ssl; ssl_certificate \(dir)/cert.pem; ssl_certificate_key \(dir)/key.pem;
                       ssl_protocols TLSv1.3; root \(dir)/www; }
            }
            """
        try FileSystem.writeAtomically(Array(config.utf8), to: dir + "/nginx.conf")
        let server = Process()
        server.executableURL = URL(fileURLWithPath: nginx.hasPrefix("/") ? nginx : "/usr/bin/env")
        server.arguments = nginx.hasPrefix("/") ? ["-c", dir + "/nginx.conf", "-p", dir] : [nginx, "-c", dir + "/nginx.conf", "-p", dir]
        server.standardError = FileHandle.nullDevice
        try server.run()
        defer { server.terminate(); server.waitUntilExit() }
        for _ in 0..<200 {
            if (try? Socket.connect(to: SocketAddress(host: "127.0.0.1", port: UInt16(port)), timeout: .seconds(1)))?.close() != nil { break }
            usleep(25_000)
        }
        var times: [Double] = []
        for _ in 0..<options.runs {
            try? FileSystem.removeFile(folder + "/curl-out.bin")
            times.append(try measure {
                _ = try runCommand("curl", ["-k", "-s", "--tlsv1.3", "-o", folder + "/curl-out.bin", "https://127.0.0.1:\(port)/file.bin"])
            })
        }
        guard (try? FileSystem.size(of: folder + "/curl-out.bin")) == options.sizeMiB << 20 else { throw BenchError(message: "curl did not get the whole file") }
        return times
    }

    // MARK: Plain TLS

    /// One TLS 1.3 connection in this process: the server streams the file in 1 MiB writes, the client writes it to disk.
    private func timePlainTLS(folder: String) throws -> [Double] {
        let source = folder + "/package/casting-pattern.step"
        var times: [Double] = []
        for _ in 0..<options.runs {
            let (listener, port) = try Socket.listen(on: SocketAddress(host: "127.0.0.1", port: 0))
            let serverKey = try Ed25519PrivateKey()
            let serverContext = try TLSContext(key: serverKey, isServer: true)
            let sender = Thread {
                guard let (socket, _) = { () -> (Socket, String)? in
                    _ = listener.waitUntil(writable: false, timeout: .seconds(10)); return listener.accept() }(),
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
            times.append(try measure {
                let socket = try Socket.connect(to: SocketAddress(host: "127.0.0.1", port: port), timeout: .seconds(5))
                let tls = try TLSConnection(context: clientContext, socket: socket, isServer: false)
                _ = try tls.handshake(timeout: .seconds(10))
                let output = try FileDescriptor.open(folder + "/tls-out.bin", O_WRONLY | O_CREAT | O_TRUNC, mode: 0o644)
                defer { output.close(); tls.close() }
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 4096)
                defer { buffer.deallocate() }
                var total = 0
                while total < options.sizeMiB << 20 {
                    switch try tls.read(into: buffer) {
                    case let .bytes(count):
                        try output.writeAll(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
                        total += count
                    case .wantRead, .wantWrite: _ = tls.socket.waitUntil(writable: false, timeout: .seconds(5))
                    case .closed: throw BenchError(message: "TLS stream ended after \(total) bytes")
                    }
                }
            })
        }
        return times
    }
}
