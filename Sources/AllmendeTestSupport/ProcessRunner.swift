// ProcessRunner.swift: AllmendeTestSupport. Runs a program (the built CLI, openssl, sha256sum) and captures its output.

import Foundation

/// The result of running a program.
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let standardOutput: String
    public let standardError: String
    public let outputBytes: [UInt8]
}

/// Runs external programs for tests.
public enum ProcessRunner {
    /// Runs `executable` (a path, or a name looked up in PATH) with `arguments`, feeding `input` on stdin.
    public static func run(
        _ executable: String, _ arguments: [String], input: [UInt8] = [], environment: [String: String]? = nil
    ) throws -> ProcessOutput {
        let process = Process()
        if executable.hasPrefix("/") {
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = [executable] + arguments
        }
        if let environment { process.environment = environment }
        let stdinPipe = Pipe(), stdoutPipe = Pipe(), stderrPipe = Pipe()
        process.standardInput = stdinPipe
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        try process.run()
        let writer = Thread {
            stdinPipe.fileHandleForWriting.write(Data(input))
            try? stdinPipe.fileHandleForWriting.close()
        }
        writer.start()
        let errorData = LockedData()
        let errorDone = DispatchSemaphore(value: 0)
        let errorReader = Thread {
            errorData.set(stderrPipe.fileHandleForReading.readDataToEndOfFile())
            errorDone.signal()
        }
        errorReader.start()
        let outputData = stdoutPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        errorDone.wait()
        return ProcessOutput(
            status: process.terminationStatus,
            standardOutput: String(decoding: outputData, as: UTF8.self),
            standardError: String(decoding: errorData.value, as: UTF8.self),
            outputBytes: Array(outputData)
        )
    }

    /// True if `name` is an executable on PATH.
    public static func isAvailable(_ name: String) -> Bool {
        (try? run("sh", ["-c", "command -v \(name)"]).status) == 0
    }
}

private final class LockedData: @unchecked Sendable {
    // @unchecked: every access goes through `lock`.
    private let lock = NSLock()
    private var data: Data?
    func set(_ value: Data) { lock.lock(); data = value; lock.unlock() }
    var value: Data { lock.lock(); defer { lock.unlock() }; return data ?? Data() }
}
