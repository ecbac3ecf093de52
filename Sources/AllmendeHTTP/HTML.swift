// HTML.swift: AllmendeHTTP. Escaping text for HTML. Pure.

/// Text made safe to place in HTML element content and in double-quoted attribute values.
public enum HTML {
    /// `&`, `<`, `>`, `"` and `'` as character references; control characters other than tab and newline dropped.
    public static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n": out.unicodeScalars.append(scalar)
            default:
                if scalar.value < 0x20 || (scalar.value >= 0x7F && scalar.value < 0xA0) { continue }
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
