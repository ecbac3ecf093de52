// Duration+Seconds.swift: AllmendeSystem. A Duration as floating-point seconds.

extension Duration {
    /// The duration in seconds, as a floating-point number (for rates and sleeps).
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
