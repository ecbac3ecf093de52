// BundleBenchmark.swift: allmende-bench. An offline bundle of one large package (default 4 GiB): `bundle create`,
// `bundle verify` and `bundle import` into a fresh home, beside what a user would otherwise do with the same
// bytes — `cp` to the stick and `sha256sum` (or `openssl dgst`) of the copy — with the peak memory of each run.

import AllmendeSystem
import Foundation

struct BundleBenchmark {
    let options: BenchOptions

    func run() throws {
        let base = options.directory + "/allmende-bench-bundle-\(getpid())"
        defer { try? FileSystem.removeTree(base) }
        let binary = try allmendeBinary()
        let size = options.sizeMiB << 20
        let folder = base + "/design"
        try FileSystem.makeDirectories(folder)
        try generateFile(folder + "/scan.ply", bytes: size)
        try FileSystem.writeAtomically(Array("""
            {"title": "Bench scan", "version": "1.0.0", "summary": "One large file", "category": "building", "license": "CC-BY-4.0",
             "licensors": [{"name": "Bench"}], "documentationLanguage": ["en"], "created": "2026-01-01T00:00:00Z"}
            """.utf8), to: folder + "/allmende.json")
        let source = base + "/source"
        let id = try runCommand(binary, ["publish", folder, "--home", source]).trimmingCharacters(in: .whitespacesAndNewlines)
        print("bundle: one package with a \(options.sizeMiB) MiB file in \(options.directory), \(options.runs) runs, alternating tools; \(machineSummary())")
        var rows: [(String, [Double], [Int])] = [("allmende bundle create", [], []), ("allmende bundle verify", [], []),
                                                ("allmende bundle import (fresh home)", [], []), ("cp + sha256sum of the copy", [], []),
                                                ("cp + openssl dgst -sha256 of the copy", [], []), ("cp alone", [], [])]
        for run in 0..<options.runs {
            let file = base + "/stick-\(run).amb"
            let (create, createKiB) = try timed(binary, ["bundle", "create", "--to", file, id, "--home", source])
            rows[0].1.append(create); rows[0].2.append(createKiB)
            let (verify, verifyKiB) = try timed(binary, ["bundle", "verify", file, "--home", base + "/empty-\(run)"])
            rows[1].1.append(verify); rows[1].2.append(verifyKiB)
            let (importing, importKiB) = try timed(binary, ["bundle", "import", file, "--home", base + "/target-\(run)"])
            rows[2].1.append(importing); rows[2].2.append(importKiB)
            try? FileSystem.removeTree(base + "/target-\(run)")
            try? FileSystem.removeFile(file)
            let copy = base + "/copy-\(run)"
            let (cp, _) = try timed("/bin/cp", [folder + "/scan.ply", copy])
            let (sum, _) = try timed("/usr/bin/sha256sum", [copy])
            rows[3].1.append(cp + sum)
            let (openssl, _) = try timed("/usr/bin/openssl", ["dgst", "-sha256", copy])
            rows[4].1.append(cp + openssl)
            rows[5].1.append(cp)
            try? FileSystem.removeFile(copy)
        }
        let reference = median(rows[3].1)
        print("")
        print("| step (\(options.sizeMiB) MiB) | median (s) | MB/s | speed relative to cp + sha256sum | peak memory (MiB) |")
        print("|---|---:|---:|---:|---:|")
        for (name, times, memory) in rows {
            let seconds = median(times)
            let peak = memory.isEmpty ? "–" : String(format: "%.0f", Double(memory.max() ?? 0) / 1024)
            print("| \(name) | \(String(format: "%.2f", seconds)) | \(String(format: "%.0f", Double(size) / seconds / 1e6)) | "
                  + "\(String(format: "%.2f", reference / seconds))× | \(peak) |")
        }
    }

    /// Wall seconds and peak resident memory (KiB) of one run of `executable`.
    private func timed(_ executable: String, _ arguments: [String]) throws -> (Double, Int) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let start = ContinuousClock.now
        var pid: pid_t = 0
        guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { throw BenchError(message: "could not start \(executable)") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let seconds = (ContinuousClock.now - start).inSeconds
        guard status == 0 else { throw BenchError(message: "\(executable) \(arguments.joined(separator: " ")) failed (status \(status))") }
        return (seconds, Int(usage.ru_maxrss))
    }
}
