// Console.swift: AllmendeCLI. Where command output goes: the real terminal, or a buffer in tests.

import AllmendeSystem
import Synchronization

/// Standard output and standard error for a command, real or captured.
public final class Console: Sendable {
    private enum Target: Sendable {
        case standard
        case captured
    }

    private let target: Target
    private let captured = Mutex<(out: [UInt8], err: [UInt8])>(([], []))
    private let jsonErrors = Mutex(false)
    /// True if standard error is a terminal (progress bars are drawn only then).
    public let isErrorTerminal: Bool
    /// True if standard output is a terminal.
    public let isOutputTerminal: Bool

    private init(target: Target, isErrorTerminal: Bool, isOutputTerminal: Bool) {
        self.target = target
        self.isErrorTerminal = isErrorTerminal
        self.isOutputTerminal = isOutputTerminal
    }

    /// The process's own standard output and error.
    public static func standard() -> Console {
        Console(target: .standard, isErrorTerminal: FileDescriptor.standardError.isTerminal,
                isOutputTerminal: FileDescriptor.standardOutput.isTerminal)
    }

    /// A console that keeps everything written, for tests.
    public static func capturing(isErrorTerminal: Bool = false) -> Console {
        Console(target: .captured, isErrorTerminal: isErrorTerminal, isOutputTerminal: false)
    }

    /// Everything written to standard output so far (captured consoles only).
    public var capturedOutput: String { String(decoding: captured.withLock { $0.out }, as: UTF8.self) }
    /// Everything written to standard error so far (captured consoles only).
    public var capturedError: String { String(decoding: captured.withLock { $0.err }, as: UTF8.self) }
    /// Raw bytes written to standard output (captured consoles only).
    public var capturedOutputBytes: [UInt8] { captured.withLock { $0.out } }

    /// True if errors are reported as one line of JSON (the command line has `--json`).
    public var reportsErrorsAsJSON: Bool { jsonErrors.withLock { $0 } }

    /// Reports errors as JSON from now on.
    func reportErrorsAsJSON() { jsonErrors.withLock { $0 = true } }

    /// Writes a line to standard output.
    public func line(_ text: String) { write(Array((text + "\n").utf8)) }

    /// Writes a line to standard error.
    public func errorLine(_ text: String) { writeError(Array((text + "\n").utf8)) }

    /// Writes raw bytes to standard output.
    public func write(_ bytes: [UInt8]) {
        switch target {
        case .standard: try? FileDescriptor.standardOutput.writeAll(bytes)
        case .captured: captured.withLock { $0.out += bytes }
        }
    }

    /// Writes raw bytes to standard output; throws if the reader went away (e.g. `| head`).
    public func writeChecked(_ bytes: UnsafeRawBufferPointer) throws(SystemError) {
        switch target {
        case .standard: try FileDescriptor.standardOutput.writeAll(bytes)
        case .captured: captured.withLock { $0.out += Array(bytes) }
        }
    }

    /// Writes text to standard error without a newline (progress bars).
    public func writeError(_ bytes: [UInt8]) {
        switch target {
        case .standard: try? FileDescriptor.standardError.writeAll(bytes)
        case .captured: captured.withLock { $0.err += bytes }
        }
    }
}
