// ByteCount.swift: AllmendeSystem. Byte counts written for people.

/// Formats byte counts in binary units.
public enum ByteCount {
    /// "512 B", "1.5 KiB", "12.0 MiB", "1.0 GiB".
    public static func format(_ bytes: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024 && unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        if unit == 0 { return "\(bytes) B" }
        let rounded = (value * 10).rounded() / 10
        return "\(rounded) \(units[unit])"
    }
}
