// Logger.swift: AllmendeRuntime. Structured log lines with levels on standard error.

import AllmendeSystem
import Foundation
import Synchronization

/// Log levels, least to most severe.
public enum LogLevel: Int, Comparable, Sendable, CaseIterable {
    case debug, info, warning, error

    public init?(name: String) {
        switch name.lowercased() {
        case "debug": self = .debug
        case "info": self = .info
        case "warning", "warn": self = .warning
        case "error": self = .error
        default: return nil
        }
    }

    var label: String { ["DEBUG", "INFO", "WARN", "ERROR"][rawValue] }

    public static func < (lhs: LogLevel, rhs: LogLevel) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Writes `time LEVEL message key=value…` lines to standard error (or collects them, in tests).
public final class Logger: Sendable {
    public let level: LogLevel
    private let isCollecting: Bool
    private let collected = Mutex<[String]>([])

    public init(level: LogLevel, collecting: Bool = false) {
        self.level = level
        isCollecting = collecting
    }

    /// Lines collected so far (collecting loggers only).
    public var lines: [String] { collected.withLock { $0 } }

    public func log(_ level: LogLevel, _ message: String, _ fields: KeyValuePairs<String, String> = [:]) {
        guard level >= self.level else { return }
        let time = ISO8601DateFormatter().string(from: Date())
        var line = "\(time) \(level.label.padding(toLength: 5, withPad: " ", startingAt: 0)) \(message)"
        for (key, value) in fields { line += " \(key)=\(value.contains(" ") ? "\"\(value)\"" : value)" }
        if isCollecting {
            collected.withLock { $0.append(line) }
        } else {
            try? FileDescriptor.standardError.writeAll(Array((line + "\n").utf8))
        }
    }

    public func debug(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.debug, message, fields) }
    public func info(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.info, message, fields) }
    public func warning(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.warning, message, fields) }
    public func error(_ message: String, _ fields: KeyValuePairs<String, String> = [:]) { log(.error, message, fields) }
}
