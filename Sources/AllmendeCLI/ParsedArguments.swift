// ParsedArguments.swift: AllmendeCLI. A small hand-written parser for options and positional arguments. Pure.

/// The options and positional arguments of one command line, checked against a `CommandSpec`.
struct ParsedArguments: Sendable {
    private(set) var values: [String: String] = [:]
    private(set) var repeated: [String: [String]] = [:]
    private(set) var flags: Set<String> = []
    private(set) var positional: [String] = []

    /// True if flag or option `name` was given.
    func has(_ name: String) -> Bool { flags.contains(name) || values[name] != nil }

    /// The value of option `name`, if given (the last one if repeated).
    func value(_ name: String) -> String? { values[name] }

    /// Every value given for a repeatable option, in order.
    func values(_ name: String) -> [String] { repeated[name] ?? [] }

    /// Parses `tokens` for `command`: `--name value`, `--name=value`, `-h`, `--` ends options, `-` is positional.
    static func parse(_ tokens: [String], for command: CommandSpec) throws(CLIError) -> ParsedArguments {
        var result = ParsedArguments()
        var index = 0
        var optionsEnded = false
        while index < tokens.count {
            let token = tokens[index]
            index += 1
            if optionsEnded || token == "-" || !token.hasPrefix("-") {
                result.positional.append(token)
                continue
            }
            if token == "--" {
                optionsEnded = true
                continue
            }
            var name = token
            var inlineValue: String?
            if token.hasPrefix("--"), let equals = token.firstIndex(of: "=") {
                name = String(token[..<equals])
                inlineValue = String(token[token.index(after: equals)...])
            }
            guard let option = command.allOptions.first(where: { $0.name == name || $0.shortName == name }) else {
                let context = command.name.isEmpty ? "" : " for 'allmende \(command.name)'"
                throw .usage("unknown option '\(name)'\(context)", command: command)
            }
            if option.takesValue {
                let value: String
                if let inlineValue {
                    value = inlineValue
                } else {
                    guard index < tokens.count else {
                        throw .usage("option \(option.name) needs a value (\(option.valueName ?? "VALUE"))", command: command)
                    }
                    value = tokens[index]
                    index += 1
                }
                result.values[option.name] = value
                result.repeated[option.name, default: []].append(value)
            } else {
                guard inlineValue == nil else { throw .usage("option \(option.name) takes no value", command: command) }
                result.flags.insert(option.name)
            }
        }
        if result.flags.contains("--help") { return result }
        let spec = command.arguments
        if result.positional.count < spec.minimum {
            let missing = spec.display.isEmpty ? "an argument" : spec.display
            throw .usage("missing \(missing) for 'allmende \(command.name)'", command: command)
        }
        if result.positional.count > spec.maximum {
            let extra = result.positional[spec.maximum]
            throw .usage("unexpected argument '\(extra)' for 'allmende \(command.name)'", command: command)
        }
        return result
    }
}
