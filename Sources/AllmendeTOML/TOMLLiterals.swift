// TOMLLiterals.swift: AllmendeTOML. Booleans, integers, floats and date-times from their text, exactly as the
// TOML 1.0 grammar allows them (underscores only between digits, no leading zeros, valid calendar dates). Pure.

enum TOMLLiterals {
    /// The value `text` spells, or a message saying why it is none.
    static func value(_ text: String) -> Result<TOMLValue, LiteralError> {
        switch text {
        case "true": return .success(.boolean(true))
        case "false": return .success(.boolean(false))
        case "inf", "+inf": return .success(.float(.infinity))
        case "-inf": return .success(.float(-.infinity))
        case "nan", "+nan", "-nan": return .success(.float(.nan))
        default: break
        }
        guard !text.isEmpty else { return .failure(LiteralError("expected a value")) }
        let scalars = Array(text.unicodeScalars)
        if scalars.count >= 5, let dateTime = dateTime(scalars) { return dateTime }
        if scalars.count >= 8, scalars[2] == ":" { return localTime(scalars).map { .dateTime($0) } }
        if scalars.count > 2, scalars[0] == "0", let base = ["x": 16, "o": 8, "b": 2][Character(scalars[1])] {
            return prefixedInteger(Array(scalars.dropFirst(2)), base: base, text: text)
        }
        if scalars.contains(where: { $0 == "." || $0 == "e" || $0 == "E" }) { return float(scalars, text: text) }
        return decimalInteger(scalars, text: text)
    }

    struct LiteralError: Error { let message: String; init(_ message: String) { self.message = message } }

    static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }

    /// Digits of `base` with single underscores only between digits; nil if malformed.
    static func digits(_ scalars: ArraySlice<Unicode.Scalar>, base: Int = 10) -> String? {
        guard let first = scalars.first, let last = scalars.last, first != "_", last != "_" else { return nil }
        var result = ""
        var previousUnderscore = false
        for scalar in scalars {
            if scalar == "_" {
                guard !previousUnderscore else { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let value = TOMLScanner.hexValue(scalar), Int(value) < base else { return nil }
            result.unicodeScalars.append(scalar)
        }
        return result
    }

    static func decimalInteger(_ scalars: [Unicode.Scalar], text: String) -> Result<TOMLValue, LiteralError> {
        var body = scalars[...]
        var negative = false
        if let sign = body.first, sign == "+" || sign == "-" {
            negative = sign == "-"
            body = body.dropFirst()
        }
        guard let digits = digits(body), !digits.isEmpty else { return .failure(LiteralError("'\(text)' is not a valid value")) }
        guard digits == "0" || digits.first != "0" else { return .failure(LiteralError("'\(text)': leading zeros are not allowed")) }
        guard let value = Int64((negative ? "-" : "") + digits) else { return .failure(LiteralError("'\(text)' does not fit a 64-bit integer")) }
        return .success(.integer(value))
    }

    static func prefixedInteger(_ body: [Unicode.Scalar], base: Int, text: String) -> Result<TOMLValue, LiteralError> {
        guard let digits = digits(body[...], base: base), !digits.isEmpty else { return .failure(LiteralError("'\(text)' is not a valid integer")) }
        guard let value = Int64(digits, radix: base) else { return .failure(LiteralError("'\(text)' does not fit a 64-bit integer")) }
        return .success(.integer(value))
    }

    static func float(_ scalars: [Unicode.Scalar], text: String) -> Result<TOMLValue, LiteralError> {
        let bad = LiteralError("'\(text)' is not a valid float (digits on both sides of '.', an exponent after digits)")
        var body = scalars[...]
        var normalised = ""
        if let sign = body.first, sign == "+" || sign == "-" {
            normalised = sign == "-" ? "-" : ""
            body = body.dropFirst()
        }
        let exponentAt = body.firstIndex { $0 == "e" || $0 == "E" }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let dot = mantissa.firstIndex(of: ".")
        guard let integerPart = digits(mantissa[..<(dot ?? mantissa.endIndex)]), !integerPart.isEmpty else { return .failure(bad) }
        guard integerPart == "0" || integerPart.first != "0" else { return .failure(LiteralError("'\(text)': leading zeros are not allowed")) }
        normalised += integerPart
        if let dot {
            guard let fraction = digits(mantissa[(dot + 1)...]), !fraction.isEmpty else { return .failure(bad) }
            normalised += "." + fraction
        }
        if let exponentAt {
            var exponent = body[(exponentAt + 1)...]
            normalised += "e"
            if let sign = exponent.first, sign == "+" || sign == "-" {
                normalised += sign == "-" ? "-" : ""
                exponent = exponent.dropFirst()
            }
            guard let digits = digits(exponent), !digits.isEmpty else { return .failure(bad) }
            normalised += digits
        }
        guard let value = Double(normalised) else { return .failure(bad) }
        return .success(.float(value))
    }

    // MARK: Dates and times

    /// A date, with an optional time and offset; nil if `scalars` does not start like a date.
    static func dateTime(_ scalars: [Unicode.Scalar]) -> Result<TOMLValue, LiteralError>? {
        guard scalars.count >= 10, scalars[4] == "-", scalars[7] == "-" else { return nil }
        let dateText = String(String.UnicodeScalarView(scalars[0..<10]))
        guard let year = number(scalars[0..<4]), let month = number(scalars[5..<7]), let day = number(scalars[8..<10]),
              (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day) else {
            return .failure(LiteralError("'\(dateText)' is not a valid date (YYYY-MM-DD)"))
        }
        if scalars.count == 10 { return .success(.dateTime(TOMLDateTime(kind: .localDate, text: dateText))) }
        guard scalars[10] == "T" || scalars[10] == "t" || scalars[10] == " " else {
            return .failure(LiteralError("a date must be followed by T or a space and a time"))
        }
        var rest = Array(scalars[11...])
        var offset: String?
        if rest.last == "Z" || rest.last == "z" {
            offset = "Z"
            rest.removeLast()
        } else if rest.count >= 6, rest[rest.count - 6] == "+" || rest[rest.count - 6] == "-" {
            let tail = Array(rest[(rest.count - 6)...])
            guard tail[3] == ":", let hours = number(tail[1..<3]), let minutes = number(tail[4..<6]), hours <= 23, minutes <= 59 else {
                return .failure(LiteralError("invalid time offset (±HH:MM or Z)"))
            }
            offset = String(String.UnicodeScalarView(tail))
            rest.removeLast(6)
        }
        switch localTime(rest) {
        case let .failure(error): return .failure(error)
        case let .success(time):
            let text = dateText + "T" + time.text + (offset ?? "")
            return .success(.dateTime(TOMLDateTime(kind: offset == nil ? .localDateTime : .offsetDateTime, text: text)))
        }
    }

    /// `HH:MM:SS` with an optional fraction.
    static func localTime(_ scalars: [Unicode.Scalar]) -> Result<TOMLDateTime, LiteralError> {
        let text = String(String.UnicodeScalarView(scalars))
        guard scalars.count >= 8, scalars[2] == ":", scalars[5] == ":", let hour = number(scalars[0..<2]), let minute = number(scalars[3..<5]),
              let second = number(scalars[6..<8]), hour <= 23, minute <= 59, second <= 60 else {
            return .failure(LiteralError("'\(text)' is not a valid time (HH:MM:SS, seconds required)"))
        }
        if scalars.count > 8 {
            guard scalars[8] == ".", scalars.count > 9, scalars[9...].allSatisfy(isDigit) else {
                return .failure(LiteralError("'\(text)': a fraction of a second is '.' and digits"))
            }
        }
        return .success(TOMLDateTime(kind: .localTime, text: text))
    }

    static func number(_ scalars: ArraySlice<Unicode.Scalar>) -> Int? {
        guard scalars.allSatisfy(isDigit) else { return nil }
        return Int(String(String.UnicodeScalarView(scalars)))
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}
