// PublishFilesBenchmark.swift: allmende-bench. Publishing a design of many small files, side by side with
// `git add -A && git commit` on the same folder (with `core.fsync=all`, as durable as a publish, and git's default).

import AllmendeStore
import AllmendeSystem
import Foundation

struct PublishFilesBenchmark {
    let options: BenchOptions

    func run() throws {
        let base = options.directory + "/allmende-bench-files-\(getpid())"
        defer { try? FileSystem.removeTree(base) }
        let binary = try allmendeBinary()
        let count = options.files
        let folder = base + "/design"
        let bytes = try makeFiles(folder, count: count)
        print("publish-files: \(count) files of 1–10 KiB (\(bytes / 1024) KiB) in \(options.directory), \(options.runs) runs, alternating tools")
        // The draft is written once (as a lab would), outside the timing.
        try spawnQuietly(binary, ["new", folder, "--license", "CERN-OHL-S-2.0", "--title", "Many small parts", "--home", base + "/draft-home"])
        var rows: [(String, [Double])] = [("allmende publish", []), ("git add -A && git commit (core.fsync=all)", []),
                                          ("git add -A && git commit (git's default)", [])]
        for run in 0..<options.runs {
            let home = base + "/home-\(run)"
            rows[0].1.append(try measure { try spawnQuietly(binary, ["publish", folder, "--home", home]) })
            try? FileSystem.removeTree(home)
            for (row, fsync) in [(1, true), (2, false)] {
                let gitDir = base + "/git-\(run)-\(row)"
                try spawnQuietly("/usr/bin/git", ["init", "-q", "--bare", gitDir])
                var arguments = ["--git-dir", gitDir, "--work-tree", folder, "-c", "user.name=Bench", "-c", "user.email=bench@example.org"]
                if fsync { arguments += ["-c", "core.fsync=all", "-c", "core.fsyncMethod=fsync"] }
                rows[row].1.append(try measure {
                    try spawnQuietly("/usr/bin/git", arguments + ["add", "-A"])
                    try spawnQuietly("/usr/bin/git", arguments + ["commit", "-q", "-m", "design"])
                })
                try? FileSystem.removeTree(gitDir)
            }
        }
        let reference = median(rows[1].1)
        print("")
        print("| tool | median (s) | speed relative to git with core.fsync=all |")
        print("|---|---:|---:|")
        for (name, times) in rows {
            print("| \(name) | \(String(format: "%.2f", median(times))) | \(String(format: "%.2f", reference / median(times)))× |")
        }
    }

    /// `count` files of 1–10 KiB (deterministic contents) in folders of 100; returns their total size.
    private func makeFiles(_ folder: String, count: Int) throws -> Int {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var total = 0
        for number in 0..<count {
            let directory = folder + "/part-\(number / 100)"
            if number % 100 == 0 { try FileSystem.makeDirectories(directory) }
            state = state &* 6364136223846793005 &+ 1442695040888963407
            let size = 1024 + Int(state >> 33) % (9 * 1024)
            var bytes = [UInt8](repeating: 0, count: size)
            for index in bytes.indices {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes[index] = UInt8(truncatingIfNeeded: state >> 56)
            }
            try FileSystem.writeAtomically(bytes, to: directory + "/p\(number).stl", mode: 0o644)
            total += size
        }
        return total
    }
}
