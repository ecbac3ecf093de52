// ProgressBar.swift: AllmendeCLI. A progress line on a terminal (bytes, rate, ETA); silent when not a terminal.

import AllmendeSystem
import Synchronization

/// Draws `[#####-----]  512.0 MiB / 1.0 GiB  1.2 GB/s  ETA 0:01` on standard error, at most 10 times a second.
final class ProgressBar: Sendable {
    private let console: Console
    private let label: String
    private let total: Mutex<Int?>
    private let isEnabled: Bool
    private let start = ContinuousClock.now
    private let lastDraw = Mutex<ContinuousClock.Instant?>(nil)

    /// A bar for `total` bytes (unknown if `nil`); drawn only when standard error is a terminal.
    init(console: Console, label: String, total: Int?, enabled: Bool = true) {
        self.console = console
        self.label = label
        self.total = Mutex(total)
        isEnabled = enabled && console.isErrorTerminal
    }

    /// Reports that `done` bytes of a (possibly newly known) `total` are finished.
    func update(_ done: Int, total newTotal: Int) {
        total.withLock { $0 = newTotal }
        update(done)
    }

    /// Reports that `done` bytes are finished.
    func update(_ done: Int) {
        guard isEnabled else { return }
        let now = ContinuousClock.now
        let shouldDraw = lastDraw.withLock { last -> Bool in
            if let last, now - last < .milliseconds(100) { return false }
            last = now
            return true
        }
        let known = total.withLock { $0 }
        // Back to the line's start, erase it (a shorter line leaves nothing behind), draw.
        if shouldDraw { console.writeError(Array(("\r\u{1B}[K" + Self.line(label: label, done: done, total: known, elapsed: now - start)).utf8)) }
    }

    /// Clears the bar's line, so what is printed next (a result, an error) starts on a clean line.
    func finish() {
        guard isEnabled, lastDraw.withLock({ $0 }) != nil else { return }
        console.writeError(Array("\r\u{1B}[K".utf8))
    }

    /// The text of one progress line. Pure, for tests.
    static func line(label: String, done: Int, total: Int?, elapsed: Duration) -> String {
        let seconds = elapsed.inSeconds
        let rate = seconds > 0 ? Double(done) / seconds : 0
        var parts = [String(label.prefix(24))]
        if let total, total > 0 {
            let fraction = min(1, Double(done) / Double(total))
            let filled = Int(fraction * 20)
            parts.append("[" + String(repeating: "#", count: filled) + String(repeating: "-", count: 20 - filled) + "]")
            parts.append(ByteCount.format(done) + " / " + ByteCount.format(total))
            parts.append(ByteCount.format(Int(rate)) + "/s")
            if rate > 0 {
                let remaining = Int(Double(total - done) / rate)
                parts.append("ETA " + String(remaining / 60) + ":" + (remaining % 60 < 10 ? "0" : "") + String(remaining % 60))
            }
        } else {
            parts.append(ByteCount.format(done))
            parts.append(ByteCount.format(Int(rate)) + "/s")
        }
        return parts.joined(separator: "  ")
    }
}

/// Human-readable byte counts in binary units.
/// Byte counts for people ("1.5 KiB"): AllmendeSystem.ByteCount.
typealias ByteCount = AllmendeSystem.ByteCount
