// NetworkCommands.swift: AllmendeCLI. `daemon`, `status`: the node on the network (`fetch`: FetchCommand.swift).

import AllmendeCrypto
import AllmendeRuntime
import AllmendeStore
import AllmendeSystem
import CanonicalJSON
import Dispatch
import Foundation

enum NetworkCommands {
    static let listenOption = OptionSpec(name: "--listen", valueName: "HOST:PORT", help: "address to listen on (default: config.json, else 0.0.0.0:7310)")
    static let logOption = OptionSpec(name: "--log-level", valueName: "LEVEL", help: "debug, info (default), warning or error")
    static let uploadOption = OptionSpec(name: "--upload-limit", valueName: "BYTES", help: "serve at most this many bytes per second")
    static let httpOption = OptionSpec(name: "--http", valueName: "HOST:PORT", help: "web face address, or 'off' (default: 127.0.0.1:7380)")
    /// Where the web face listens unless told otherwise: this machine only.
    static let defaultHTTP = "127.0.0.1:7380"

    static let daemon = CommandSpec(
        name: "daemon",
        summary: "run the node: listen for peers, dial configured peers, serve and fetch packages",
        discussion: """
        Runs until SIGINT or SIGTERM. Connections are TCP + TLS 1.3, authenticated by node keys (Protocol/wire.md).
        The CLI talks to it through the control socket control.sock in the home folder (mode 0600). Log lines go
        to standard error. The web face (catalog and package pages, downloads, the node dashboard, /api/ and
        /metrics; Protocol/http.md) listens on 127.0.0.1:7380 unless --http says otherwise; when that default port is
        taken, the node runs without it. --http 0.0.0.0:7380 opens it to the LAN (read-only for everyone).
        """,
        options: [listenOption, logOption, uploadOption, httpOption],
        epilogue: """
        example: allmende daemon --listen 0.0.0.0:7310 --upload-limit 5000000
        example: allmende daemon --http 0.0.0.0:7380
        example: allmende daemon --http off
        """,
        run: { context in
            let home = try context.home()
            let key = try attempt { () throws(StoreError) in try NodeKeyStore.loadOrCreate(home).key }
            let config = try attempt { () throws(StoreError) in try NodeConfig.load(home) }
            let listenText = context.arguments.value("--listen") ?? config.listen
            guard let listen = SocketAddress(parsing: listenText) ?? (listenText.hasSuffix(":0") ? SocketAddress(host: String(listenText.dropLast(2)), port: 0) : nil) else {
                throw CLIError.usage("'\(listenText)' is not HOST:PORT", command: CommandTable.find("daemon"))
            }
            let levelText = context.arguments.value("--log-level") ?? "info"
            guard let level = LogLevel(name: levelText) else {
                throw CLIError.usage("unknown log level '\(levelText)'", command: CommandTable.find("daemon"))
            }
            if ControlClient(home: home).isDaemonRunning { throw CLIError.failure("a daemon is already running for \(home.path)") }
            var options = NodeOptions(listen: listen, name: config.name, peers: config.peers, allowList: config.allowList,
                                      maxConnections: config.maxConnections)
            options.maxConnectionsPerHost = config.maxConnectionsPerHost
            options.maxConnectionsPerRange = config.maxConnectionsPerRange
            options.trusted = config.trusted
            options.strangerLimits.totalBytes = config.strangerBudget
            options.mirrors = config.mirrors
            options.servesRetracted = config.servesRetracted
            options.advertise = config.advertise
            options.announcesHoldings = config.announceHoldings
            let httpText = context.arguments.value("--http") ?? defaultHTTP
            if httpText != "off" {
                guard let address = SocketAddress(parsing: httpText) ?? (httpText.hasSuffix(":0") ? SocketAddress(host: String(httpText.dropLast(2)), port: 0) : nil) else {
                    throw CLIError.usage("--http needs HOST:PORT or 'off', not '\(httpText)'", command: CommandTable.find("daemon"))
                }
                options.http = address
                options.httpRequired = context.arguments.value("--http") != nil
                options.httpSettings.clientsWithoutLimit.formUnion(config.webProxies)
            }
            if let limit = context.arguments.value("--upload-limit") {
                guard let bytes = Int(limit), bytes > 0 else { throw CLIError.usage("--upload-limit needs a positive number", command: nil) }
                options.uploadBytesPerSecond = bytes
            }
            let logger = Logger(level: level)
            // Chunk buffers are 1 MiB: keep freed ones in the heap instead of mmap/munmap and page faults per chunk.
            _ = glibcMallopt(-3, 64 << 20)    // M_MMAP_THRESHOLD
            _ = glibcMallopt(-1, 128 << 20)   // M_TRIM_THRESHOLD
            let runtime: NodeRuntime
            let control: ControlServer
            do {
                runtime = try NodeRuntime(home: home, key: key, options: options, logger: logger)
                try runtime.start()
                control = try ControlServer(runtime: runtime)
            } catch {
                throw CLIError.failure("cannot start the node: \(error)")
            }
            control.start()
            logger.info("ready", ["control": ControlServer.socketPath(home), "port": String(runtime.listenPort),
                                  "web": runtime.httpPort.map { "http://\(options.http?.host ?? ""):\($0)/" } ?? "off"])
            let done = DispatchSemaphore(value: 0)
            let stopWatching = StopSignals.watch { done.signal() }
            done.wait()
            logger.info("shutting down")
            control.stop()
            runtime.stop()
            stopWatching()
            return ExitCode.success
        }
    )

    static let web = CommandSpec(
        name: "web",
        summary: "print a one-time URL that logs a browser in as this node's operator",
        discussion: """
        The web face of a running daemon (default http://127.0.0.1:7380/) is read-only for everyone. Opening the
        URL this prints logs that browser in as the operator (a session cookie for 12 hours): it can then fetch
        packages to this node and add or remove mirror policies from the pages. The URL works once, within 10
        minutes. Publishing, attesting and retracting stay in the CLI. Needs a running daemon.

        example: allmende web
        example: allmende web --json
        """,
        run: { context in
            let home = try context.home()
            var url = ""
            try ControlClient(home: home).send(["command": "web-login"]) { value throws(CLIError) in
                if value["event"]?.stringValue == "error" { throw CLIError.failure(value["message"]?.stringValue ?? "the daemon refused") }
                url = value["url"]?.stringValue ?? ""
                return false
            }
            if context.isJSON {
                context.printJSON(["url": .string(url)])
            } else {
                context.console.line(url)
                context.console.errorLine("open this URL in a browser on this machine within 10 minutes; it works once")
            }
            return ExitCode.success
        }
    )

    static let status = CommandSpec(
        name: "status",
        summary: "show the running node: ID, listen port, peers with state and traffic, store size",
        discussion: """
        Asks the running daemon for its node ID, listen port, store size, catalog size, connected peers with their
        traffic, configured peers it cannot reach (with why and when it tries again), and whether it can store new
        data (storageFault). Needs a running daemon.

        example: allmende status --json
        """,
        run: { context in
            let home = try context.home()
            var result: JSONValue = .null
            try ControlClient(home: home).send(["command": "status"]) { value throws(CLIError) in
                result = value
                return false
            }
            if context.isJSON {
                context.printJSON(result)
                return ExitCode.success
            }
            context.console.line("node     \(result["node"]?.stringValue ?? "?")")
            context.console.line("listen   port \(Int(result["listenPort"]?.numberValue ?? 0))")
            context.console.line("store    \(Int(result["blobs"]?.numberValue ?? 0)) blobs, \(ByteCount.format(Int(result["storeBytes"]?.numberValue ?? 0))), "
                                 + "\(Int(result["packages"]?.numberValue ?? 0)) packages")
            context.console.line("catalog  \(Int(result["catalogEntries"]?.numberValue ?? 0)) entries; \(Int(result["knownNodes"]?.numberValue ?? 0)) nodes in the address book")
            let observed = (result["observedAddresses"]?.arrayValue ?? []).compactMap(\.stringValue)
            if !observed.isEmpty { context.console.line("seen as  " + observed.joined(separator: ", ") + " (what peers observe; announced unless \"advertise\" is set)") }
            if result["seemsUnreachable"]?.boolValue == true {
                context.console.line("reach    no peer has connected to this node for 10 minutes: others may not reach it (check the firewall "
                                     + "or NAT port forwarding for the listen port, or set \"advertise\" in config.json)")
            }
            if let fault = result["storageFault"]?.stringValue {
                context.console.line("storage  NOT STORING NEW DATA: \(fault) (free space or fix the disk; it retries every few seconds)")
            }
            for configured in result["configuredPeers"]?.arrayValue ?? [] where configured["connected"]?.boolValue == false {
                let error = configured["lastError"]?.stringValue.map { ": " + $0 } ?? ""
                let retry = configured["retryInSeconds"]?.numberValue.map { ", retrying in \(Int($0)) s" } ?? ""
                context.console.line("not connected to \(configured["address"]?.stringValue ?? "?")\(error)\(retry)")
            }
            for fetch in result["fetches"]?.arrayValue ?? [] {
                let done = ByteCount.format(Int(fetch["done"]?.numberValue ?? 0)), total = ByteCount.format(Int(fetch["total"]?.numberValue ?? 0))
                context.console.line("fetching \(fetch["package"]?.stringValue ?? "?")  \(done) / \(total) from \(Int(fetch["sources"]?.numberValue ?? 0)) peer(s)")
            }
            let peers = result["peers"]?.arrayValue ?? []
            context.console.line("peers    \(peers.count)")
            for peer in peers {
                let inBytes = ByteCount.format(Int(peer["bytesIn"]?.numberValue ?? 0))
                let outBytes = ByteCount.format(Int(peer["bytesOut"]?.numberValue ?? 0))
                context.console.line("  \(peer["node"]?.stringValue ?? "?")  \(peer["direction"]?.stringValue ?? "")  \(peer["address"]?.stringValue ?? "")  "
                                     + "\(peer["state"]?.stringValue ?? "")  in \(inBytes)  out \(outBytes)")
            }
            return ExitCode.success
        }
    )
}

/// glibc's mallopt(3) (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
