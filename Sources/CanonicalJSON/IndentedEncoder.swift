// IndentedEncoder.swift: CanonicalJSON. JSON for people to read and edit: keys sorted as in canonical form,
// two spaces per level, short arrays of scalars on one line.

extension CanonicalEncoder {
    /// `value` as indented text (ends with a newline). Scalars are written exactly as in canonical form.
    public static func indented(_ value: JSONValue) throws(CanonicalJSONError) -> String {
        var out = ""
        try write(value, indent: "", into: &out)
        return out + "\n"
    }

    private static func write(_ value: JSONValue, indent: String, into out: inout String) throws(CanonicalJSONError) {
        switch value {
        case let .object(members) where !members.isEmpty:
            out += "{\n"
            let keys = sortedKeys(members.keys)
            for (index, key) in keys.enumerated() {
                out += indent + "  " + (try string(.string(key))) + ": "
                try write(members[key]!, indent: indent + "  ", into: &out)
                out += index + 1 < keys.count ? ",\n" : "\n"
            }
            out += indent + "}"
        case let .array(items) where !items.isEmpty:
            let scalars = items.allSatisfy { if case .object = $0 { false } else if case .array = $0 { false } else { true } }
            let line = scalars ? try string(value) : ""
            if scalars && line.count + indent.count <= 100 {
                out += line.replacingCommas()
                return
            }
            out += "[\n"
            for (index, item) in items.enumerated() {
                out += indent + "  "
                try write(item, indent: indent + "  ", into: &out)
                out += index + 1 < items.count ? ",\n" : "\n"
            }
            out += indent + "]"
        default:
            out += try string(value)
        }
    }
}

private extension String {
    /// A one-line array of scalars with a space after each separating comma (commas inside strings kept).
    func replacingCommas() -> String {
        var out = ""
        var inString = false, escaped = false
        for character in self {
            out.append(character)
            if inString {
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
            } else if character == "\"" {
                inString = true
            } else if character == "," {
                out.append(" ")
            }
        }
        return out
    }
}
