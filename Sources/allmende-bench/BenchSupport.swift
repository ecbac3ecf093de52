// BenchSupport.swift: allmende-bench. Options, timing, external commands and result tables.

import Foundation

struct BenchOptions {
    var benchmark = "store"
    var sizeMiB = 1024
    var runs = 3
    var directory = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
}

struct BenchError: Error {
    let message: String
    var isUsage = false
    static func usage(_ message: String) -> BenchError { BenchError(message: message, isUsage: true) }
}

/// Wall-clock seconds taken by `body`.
func measure(_ body: () throws -> Void) rethrows -> Double {
    let clock = ContinuousClock()
    let elapsed = try clock.measure(body)
    return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
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
