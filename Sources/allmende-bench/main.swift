// main.swift: allmende-bench. Release-mode benchmarks that time Allmende beside the tools a user would reach for.
// Build and run: swift run -c release allmende-bench [store] [--size-mib N] [--runs N] [--dir DIR]

import Foundation

let arguments = Array(CommandLine.arguments.dropFirst())
if arguments.contains("--help") || arguments.contains("-h") {
    print("""
    usage: allmende-bench [store | fetch | reconcile | simulate | holders | catalog | sync | publish-files | http | bundle] [--size-mib N] [--runs N] [--dir DIR] [--entries N] [--stored N] [--nodes N] [--discovery]

    Benchmarks, in one run and on the same data, Allmende against the tools a user would otherwise use.

      store   store a generated file in a fresh blob store (whole-file SHA-256 + chunk index + durable write)
              beside `openssl dgst -sha256` and `sha256sum` on the same file (default)
      fetch   fetch a package with one large file between two daemons on loopback, beside nginx + curl over
              HTTPS (nginx is installed with apt-get if missing) and a plain TLS 1.3 stream; peak daemon memory
      reconcile  range-based reconciliation of two 100,000-entry catalogs differing in 100 and 1,000 entries:
              bytes and round trips beside the full ID list
      simulate  the real node core on a simulated network of --nodes nodes (default 1,000 and 10,000) with a
              10,000-entry catalog: rounds to full coverage of a new entry, receptions and bytes per node, a new
              node joining (time, bytes against the entries' own), memory per simulated node; with --discovery:
              signed node announcements and the outbound target (default 250, 500, 1,000 nodes): who reaches the
              target, which pairs can reach each other, announcement traffic per node
      holders   who holds what at scale: a real holder table's memory at --packages packages (default 100,000),
              then --nodes simulated nodes (default 10,000) running the real core: how fast a new holder is known
              (beside a catalog entry), fetch-from-anywhere success under restarts, holder traffic per node per day
      catalog the built allmende binary on a home with --entries catalog entries (default 10,000; --stored N of
              them stored, default up to 10,000): search, show, ls, daemon start and memory, publish
              throughput, beside grep -c over the raw log
      sync    a fresh daemon learns --entries catalog entries from one peer on loopback: time, bytes received
      publish-files  publishing --files small files (default 10,000), beside git add -A && git commit
      bundle  an offline bundle of one package with a --size-mib file (default 4096): bundle create, verify and
              import into a fresh home, beside cp + sha256sum of the same bytes; peak memory of each run
      http    the daemon's web face beside nginx on the same files: a --size-mib blob with curl, a 4 KiB blob with
              wrk -c 100, the catalog search page at --entries entries (default 10,000) with 20 clients (p50/p99),
              and the memory of 1,000 idle keep-alive connections (nginx, wrk and curl installed if missing)

    options:
      --size-mib N   size of the generated file in MiB (default 1024)
      --runs N       timed runs per tool; the median is reported (default 3)
      --dir DIR      folder for the generated file and stores (default $TMPDIR or /tmp)
      --nodes N      simulated nodes (simulate; may be given more than once)
    """)
    exit(0)
}

do {
    var options = BenchOptions()
    var index = 0
    while index < arguments.count {
        let argument = arguments[index]
        func value() throws -> String {
            index += 1
            guard index < arguments.count else { throw BenchError.usage("\(argument) needs a value") }
            return arguments[index]
        }
        switch argument {
        case "store": options.benchmark = "store"
        case "fetch": options.benchmark = "fetch"
        case "reconcile": options.benchmark = "reconcile"
        case "simulate", "gossip": options.benchmark = "simulate"
        case "--nodes": options.nodes.append(Int(try value()) ?? 0)
        case "--discovery": break
        case "catalog": options.benchmark = "catalog"
        case "sync": options.benchmark = "sync"
        case "publish-files": options.benchmark = "publish-files"
        case "http": options.benchmark = "http"
        case "holders": options.benchmark = "holders"
        case "bundle": options.benchmark = "bundle"
        case "--packages": options.packages = Int(try value()) ?? 0
        case "--files": options.files = Int(try value()) ?? 0
        case "--entries": options.entries = Int(try value()) ?? 0
        case "--stored": options.stored = Int(try value()) ?? 0
        case "--keep": options.keep = true
        case "--size-mib": options.sizeMiB = Int(try value()) ?? 0
        case "--runs": options.runs = Int(try value()) ?? 0
        case "--dir": options.directory = try value()
        default: throw BenchError.usage("unknown argument '\(argument)'")
        }
        index += 1
    }
    guard options.sizeMiB > 0, options.runs > 0 else { throw BenchError.usage("--size-mib and --runs must be positive") }
    switch options.benchmark {
    case "fetch": try FetchBenchmark(options: options).run()
    case "reconcile": try ReconcileBenchmark(options: options).run()
    case "simulate" where arguments.contains("--discovery"):
        SimulateBenchmark(nodeCounts: []).discovery(nodes: options.nodes.isEmpty ? [250, 500, 1000] : options.nodes)
    case "simulate": SimulateBenchmark(nodeCounts: options.nodes.isEmpty ? [1000, 10_000] : options.nodes).run()
    case "catalog": try CatalogBenchmark(options: options, entries: options.entries).run()
    case "sync": try SyncBenchmark(options: options).run()
    case "publish-files": try PublishFilesBenchmark(options: options).run()
    case "http": try HTTPBenchmark(options: options).run()
    case "bundle":
        var bundleOptions = options
        if !arguments.contains("--size-mib") { bundleOptions.sizeMiB = 4096 }
        try BundleBenchmark(options: bundleOptions).run()
    case "holders":
        var benchmark = HoldersBenchmark()
        if let nodes = options.nodes.first { benchmark.nodes = nodes }
        if options.packages > 0 { benchmark.packages = options.packages }
        benchmark.run()
    default: try StoreBenchmark(options: options).run()
    }
} catch let error as BenchError {
    FileHandle.standardError.write(Data("error: \(error.message)\n".utf8))
    exit(error.isUsage ? 2 : 1)
} catch {
    FileHandle.standardError.write(Data("error: \(error)\n".utf8))
    exit(1)
}
