// DecimalAmount.swift: AllmendeModel. Exact decimal quantities and money with six fractional digits. Pure.

/// A non-negative decimal with up to 6 fractional digits, stored exactly (no binary floating point), so BOM
/// quantities and costs add up the same on every machine. Written as a plain decimal string ("2.5", "0.018").
public struct DecimalAmount: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// Fractional digits kept.
    public static let scale = 6
    static let unit: Int64 = 1_000_000

    /// The value times 10^6.
    public let scaledValue: Int64
    /// The text it was written as ("38.50" stays "38.50", so a manifest re-serialises byte for byte).
    private let writtenAs: String?

    public init(scaledValue: Int64) {
        self.scaledValue = scaledValue
        writtenAs = nil
    }

    /// A whole number.
    public init(_ integer: Int) { self.init(scaledValue: Int64(integer) * Self.unit) }

    public static let zero = DecimalAmount(scaledValue: 0)

    /// Parses "12", "2.5", "0.000001"; refuses signs, exponents, commas, more than 6 decimals and huge values.
    public init?(parsing text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.count <= 12,
              whole.allSatisfy({ $0.isASCII && $0.isNumber }), let wholeValue = Int64(whole) else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let digits = parts[1]
            guard !digits.isEmpty, digits.count <= Self.scale, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
                  let value = Int64(digits) else { return nil }
            fraction = value
            for _ in digits.count..<Self.scale { fraction *= 10 }
        }
        scaledValue = wholeValue * Self.unit + fraction
        writtenAs = text
    }

    /// The text as written, or the shortest plain decimal text for computed values ("2.5", "3", "0.018").
    public var description: String { writtenAs ?? normalized }

    /// The shortest plain decimal text.
    public var normalized: String {
        let whole = scaledValue / Self.unit
        var fraction = String(scaledValue % Self.unit)
        fraction = String(repeating: "0", count: Self.scale - fraction.count) + fraction
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return fraction.isEmpty ? String(whole) : "\(whole).\(fraction)"
    }

    /// The value rounded to `digits` fractional digits (half up), as text; for money use 2.
    public func rounded(toDigits digits: Int) -> String {
        let divisor = (0..<(Self.scale - digits)).reduce(Int64(1)) { value, _ in value * 10 }
        let rounded = (scaledValue + divisor / 2) / divisor
        let whole = rounded / (Self.unit / divisor)
        guard digits > 0 else { return String(whole) }
        let fraction = String(rounded % (Self.unit / divisor))
        return "\(whole)." + String(repeating: "0", count: digits - fraction.count) + fraction
    }

    /// The sum, or `nil` on overflow.
    public func adding(_ other: DecimalAmount) -> DecimalAmount? {
        let (sum, overflow) = scaledValue.addingReportingOverflow(other.scaledValue)
        return overflow ? nil : DecimalAmount(scaledValue: sum)
    }

    /// The product (rounded half up to 6 digits), or `nil` on overflow.
    public func multiplied(by other: DecimalAmount) -> DecimalAmount? {
        let full = Int128(scaledValue) * Int128(other.scaledValue)
        let result = (full + Int128(Self.unit / 2)) / Int128(Self.unit)
        guard result <= Int128(Int64.max) else { return nil }
        return DecimalAmount(scaledValue: Int64(result))
    }

    public static func < (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool { lhs.scaledValue < rhs.scaledValue }

    public static func == (lhs: DecimalAmount, rhs: DecimalAmount) -> Bool { lhs.scaledValue == rhs.scaledValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(scaledValue) }
}
