// FetchContenders.swift: allmende-bench. The servers of the fetch benchmark: a seeding Allmende daemon (with a
// fresh fetching daemon per round) and nginx serving the same file over HTTPS to curl.

import AllmendeCrypto
import AllmendeSystem
import Foundation

/// A seeding daemon with the benchmark package; each round starts a new fetching daemon connected to it.
final class AllmendeSeeder {
    private let folder: String
    private let allmende: String
    private let seed: Process
    let package: String
    let seedID: String
    let port: Int
    /// The stored blob the seeder serves.
    let blobPath: String

    init(folder: String, allmende: String) throws {
        self.folder = folder
        self.allmende = allmende
        let home = folder + "/seed"
        let cli = { (arguments: [String]) throws -> String in
            try runCommand(allmende, ["--home", home] + arguments).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        package = try cli(["publish", folder + "/package"])
        seedID = try cli(["id"])
        let blob = SHA256File.hex(of: folder + "/package/casting-pattern.step")
        blobPath = home + "/store/blobs/" + blob.prefix(2) + "/" + blob
        seed = try Self.startDaemon(allmende: allmende, home: home)
        guard let port = Self.status(allmende: allmende, home: home)?["listenPort"] as? Int else {
            seed.terminate()
            throw BenchError(message: "seed daemon did not start")
        }
        self.port = port
    }

    func stop() {
        seed.terminate()
        seed.waitUntilExit()
    }

    /// Starts a fetching daemon, waits until it is connected, times `allmende fetch`; returns seconds, its VmHWM,
    /// and the CPU seconds the seeder and the fetching side (daemon and CLI) used during the fetch.
    func timeFetch(run: Int) throws -> (seconds: Double, peakKiB: Int, serverCPU: Double, clientCPU: Double) {
        let home = folder + "/fetcher-\(run)"
        _ = try runCommand(allmende, ["--home", home, "peers", "add", "127.0.0.1:\(port)", seedID])
        let fetcher = try Self.startDaemon(allmende: allmende, home: home)
        defer {
            fetcher.terminate()
            fetcher.waitUntilExit()
            try? FileSystem.removeTree(home)
        }
        for _ in 0..<400 {
            let peers = Self.status(allmende: allmende, home: home)?["peers"] as? [[String: Any]] ?? []
            if peers.contains(where: { $0["state"] as? String == "ready" }) { break }
            usleep(25_000)
        }
        let before = (processCPUSeconds(seed.processIdentifier), processCPUSeconds(fetcher.processIdentifier), childrenCPUSeconds())
        let seconds = try measure { _ = try runCommand(allmende, ["--home", home, "fetch", package]) }
        let server = processCPUSeconds(seed.processIdentifier) - before.0
        let client = processCPUSeconds(fetcher.processIdentifier) - before.1 + childrenCPUSeconds() - before.2
        return (seconds, processStatusKiB("VmHWM:", pid: fetcher.processIdentifier), server, client)
    }

    func peakMemoryKiB() -> Int { processStatusKiB("VmHWM:", pid: seed.processIdentifier) }

    private static func startDaemon(allmende: String, home: String) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: allmende)
        process.arguments = ["--home", home, "daemon", "--listen", "127.0.0.1:0", "--log-level", "warning"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }

    private static func status(allmende: String, home: String) -> [String: Any]? {
        for _ in 0..<400 {
            if let text = try? runCommand(allmende, ["--home", home, "status", "--json"]), let data = text.data(using: .utf8),
               let value = try? JSONSerialization.jsonObject(with: data) as? [String: Any] { return value }
            usleep(25_000)
        }
        return nil
    }
}

/// nginx (installed with apt-get when missing) serving the file over HTTPS with TLS 1.3 and an Ed25519 certificate.
final class NginxServer {
    private let server: Process
    private let port: Int

    init(folder: String, source: String) throws {
        if (try? runCommand("sh", ["-c", "command -v nginx || test -x /usr/sbin/nginx"])) == nil {
            print("installing nginx with apt-get (needed once for this comparison)…")
            _ = try runCommand("sh", ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx"])
        }
        let dir = folder + "/nginx"
        try FileSystem.makeDirectories(dir + "/www")
        _ = try runCommand("ln", [source, dir + "/www/file.bin"])
        _ = try runCommand("openssl", ["req", "-x509", "-newkey", "ed25519", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                                       "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"])
        port = 20000 + Int(getpid() % 20000)
        server = try runNginx(dir: dir, workers: "1", connections: 64, http: """
            server { listen 127.0.0.1:\(port) ssl; ssl_certificate \(dir)/cert.pem; ssl_certificate_key \(dir)/key.pem;
                       ssl_protocols TLSv1.3; root \(dir)/www; }
            """)
        _ = waitUntilAccepting(port: UInt16(port))
    }

    func stop() {
        server.terminate()
        server.waitUntilExit()
    }

    /// Times one `curl` download into `output`; returns seconds and the CPU seconds of nginx's workers and of curl.
    func timeDownload(to output: String, expectedBytes: Int) throws -> (seconds: Double, serverCPU: Double, clientCPU: Double) {
        try? FileSystem.removeFile(output)
        let workers = childProcesses(of: server.processIdentifier)
        let before = (workers.reduce(0) { $0 + processCPUSeconds($1) }, childrenCPUSeconds())
        let seconds = try measure {
            _ = try runCommand("curl", ["-k", "-s", "--tlsv1.3", "-o", output, "https://127.0.0.1:\(port)/file.bin"])
        }
        let serverCPU = workers.reduce(0) { $0 + processCPUSeconds($1) } - before.0
        let clientCPU = childrenCPUSeconds() - before.1
        guard (try? FileSystem.size(of: output)) == expectedBytes else { throw BenchError(message: "curl did not get the whole file") }
        return (seconds, serverCPU, clientCPU)
    }
}

/// The SHA-256 of a file in hex (the benchmark needs it once, to find the stored blob).
enum SHA256File {
    static func hex(of path: String) -> String {
        let hasher = SHA256Hasher()
        guard (try? forEachPiece(of: path, { hasher.update($0) })) != nil else { return "" }
        return hasher.finalize().hex
    }
}
