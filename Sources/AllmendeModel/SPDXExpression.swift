// SPDXExpression.swift: AllmendeModel. SPDX license expressions (SPDX 2.3 Annex D): parse, check, print. Pure.

/// A parsed SPDX license expression such as `CERN-OHL-S-2.0 OR (CC-BY-SA-4.0 AND MIT)`.
public indirect enum SPDXExpression: Equatable, Sendable, CustomStringConvertible {
    /// A license from the list, in its canonical case; `orLater` for a trailing `+`.
    case license(id: String, orLater: Bool)
    /// A user-defined `LicenseRef-…` (optionally `DocumentRef-…:LicenseRef-…`).
    case reference(String)
    /// `license WITH exception`.
    case with(SPDXExpression, exception: String)
    /// Both operands apply.
    case and(SPDXExpression, SPDXExpression)
    /// The recipient may choose either operand.
    case or(SPDXExpression, SPDXExpression)

    /// Parses and checks `text` against the shipped SPDX License List.
    public init(parsing text: String) throws(SPDXExpressionError) {
        var parser = SPDXExpressionParser(text: text)
        do { self = try parser.parseExpression() } catch {
            // "GPL3", "CERN OHL", "CC-BY-SA 4.0": say which SPDX IDs such a name means.
            if let ids = InformalLicenseNames.suggestions(for: text), !ids.contains(where: { error.reason.contains("did you mean \($0)?") }) {
                let choice = ids.count == 1 ? ids[0] : ids.dropLast().joined(separator: ", ") + " or " + ids[ids.count - 1]
                throw SPDXExpressionError(expression: text, position: 0,
                                          reason: "'\(text)' is not an SPDX license ID — did you mean \(choice)?")
            }
            throw error
        }
    }

    /// The normalised text: canonical ID case, single spaces, parentheses only where needed.
    public var description: String { render(parentPrecedence: 0) }

    private var precedence: Int {
        switch self {
        case .or: return 1
        case .and: return 2
        case .with: return 3
        case .license, .reference: return 4
        }
    }

    private func render(parentPrecedence: Int) -> String {
        let text: String
        switch self {
        case let .license(id, orLater): text = id + (orLater ? "+" : "")
        case let .reference(reference): text = reference
        case let .with(license, exception): text = license.render(parentPrecedence: 3) + " WITH " + exception
        case let .and(left, right): text = left.render(parentPrecedence: 2) + " AND " + right.render(parentPrecedence: 2)
        case let .or(left, right): text = left.render(parentPrecedence: 1) + " OR " + right.render(parentPrecedence: 1)
        }
        return precedence < parentPrecedence ? "(" + text + ")" : text
    }

    /// Every license ID and reference in the expression.
    public var licenseIDs: Set<String> {
        switch self {
        case let .license(id, _): return [id]
        case let .reference(reference): return [reference]
        case let .with(license, _): return license.licenseIDs
        case let .and(left, right), let .or(left, right): return left.licenseIDs.union(right.licenseIDs)
        }
    }

    /// Deprecated IDs used, each with advice.
    public var deprecationWarnings: [String] {
        Set(licenseTexts).sorted().compactMap { text in
            let isDeprecated = SPDXLicenseList.license(text)?.isDeprecated
                ?? SPDXLicenseList.license(String(text.dropLast()))?.isDeprecated ?? false
            guard isDeprecated else { return nil }
            let advice = LicenseTerms.replacement(forDeprecated: text).map { "; use \($0)" } ?? ""
            return "license ID \(text) is deprecated in the SPDX License List\(advice)"
        }
    }

    /// Each license as written, with its "+" if any.
    private var licenseTexts: [String] {
        switch self {
        case let .license(id, orLater): return [id + (orLater ? "+" : "")]
        case .reference: return []
        case let .with(license, _): return license.licenseTexts
        case let .and(left, right), let .or(left, right): return left.licenseTexts + right.licenseTexts
        }
    }

    /// Why the package fails the Open Source Hardware Definition, or `nil` if a recipient can take it under
    /// open terms (for `OR`, one open alternative is enough; for `AND`, every part must be open).
    public var openHardwareProblem: String? {
        switch self {
        case let .license(id, _): return LicenseTerms.openHardwareProblem(id)
        case .reference: return nil
        case let .with(license, _): return license.openHardwareProblem
        case let .and(left, right): return left.openHardwareProblem ?? right.openHardwareProblem
        case let .or(left, right):
            guard let leftProblem = left.openHardwareProblem, let rightProblem = right.openHardwareProblem else { return nil }
            return leftProblem + "; " + rightProblem
        }
    }

    /// User-defined references (`LicenseRef-…`), which Allmende cannot judge.
    public var unknownReferences: [String] {
        licenseIDs.filter { $0.contains("LicenseRef-") }.sorted()
    }
}

/// Why an SPDX expression was refused; `position` is the 0-based character offset of the problem.
public struct SPDXExpressionError: Error, Equatable, Sendable, CustomStringConvertible {
    public let expression: String
    public let position: Int
    public let reason: String

    public var description: String {
        "invalid license expression '\(expression)' at character \(position + 1): \(reason)"
    }
}

/// Recursive-descent parser: `or := and ("OR" and)*`, `and := with ("AND" with)*`, `with := atom ("WITH" exception)?`,
/// `atom := "(" or ")" | license-id ["+"] | license-ref`.
private struct SPDXExpressionParser {
    struct Token {
        let text: String
        let position: Int
    }

    let text: String
    private var tokens: [Token] = []
    private var index = 0
    private var depth = 0
    private var atoms = 0
    /// Deepest nesting of parentheses accepted (the parser and everything that walks the tree recurse).
    static let maximumDepth = 32
    /// Most license terms in one expression.
    static let maximumTerms = 64

    init(text: String) {
        self.text = text
        var current = ""
        var start = 0
        for (offset, character) in text.enumerated() {
            if character == "(" || character == ")" || character.isWhitespace {
                if !current.isEmpty { tokens.append(Token(text: current, position: start)) }
                current = ""
                if !character.isWhitespace { tokens.append(Token(text: String(character), position: offset)) }
            } else {
                if current.isEmpty { start = offset }
                current.append(character)
            }
        }
        if !current.isEmpty { tokens.append(Token(text: current, position: start)) }
    }

    private func fail(_ reason: String, at position: Int? = nil) -> SPDXExpressionError {
        SPDXExpressionError(expression: text, position: position ?? (index < tokens.count ? tokens[index].position : text.count), reason: reason)
    }

    private func isOperator(_ token: Token?, _ word: String) -> Bool {
        guard let token else { return false }
        return token.text == word || token.text == word.lowercased()
    }

    private var current: Token? { index < tokens.count ? tokens[index] : nil }

    mutating func parseExpression() throws(SPDXExpressionError) -> SPDXExpression {
        guard !tokens.isEmpty else { throw fail("the expression is empty; give an SPDX license ID such as CERN-OHL-S-2.0", at: 0) }
        let expression = try parseOr()
        if let extra = current {
            if extra.text == ")" { throw fail("unmatched ')'") }
            throw fail("expected AND, OR or WITH before '\(extra.text)'")
        }
        return expression
    }

    private mutating func parseOr() throws(SPDXExpressionError) -> SPDXExpression {
        var left = try parseAnd()
        while isOperator(current, "OR") {
            index += 1
            left = .or(left, try parseAnd())
        }
        return left
    }

    private mutating func parseAnd() throws(SPDXExpressionError) -> SPDXExpression {
        var left = try parseWith()
        while isOperator(current, "AND") {
            index += 1
            left = .and(left, try parseWith())
        }
        return left
    }

    private mutating func parseWith() throws(SPDXExpressionError) -> SPDXExpression {
        let atom = try parseAtom()
        guard isOperator(current, "WITH") else { return atom }
        index += 1
        guard let token = current, token.text != "(", token.text != ")" else { throw fail("WITH must be followed by an exception ID") }
        if case .reference = atom {} else if case .license = atom {} else {
            throw fail("WITH applies to a single license, not to a parenthesised expression", at: token.position)
        }
        index += 1
        if token.text.hasPrefix("AdditionRef-") || token.text.contains(":AdditionRef-") {
            return .with(atom, exception: token.text)
        }
        guard let exception = SPDXLicenseList.exception(token.text) else {
            let hint = SPDXLicenseList.suggestion(forException: token.text).map { " — did you mean \($0)?" } ?? ""
            throw fail("unknown license exception '\(token.text)'\(hint)", at: token.position)
        }
        return .with(atom, exception: exception.id)
    }

    private mutating func parseAtom() throws(SPDXExpressionError) -> SPDXExpression {
        guard let token = current else { throw fail("expected a license ID at the end of the expression") }
        if token.text == "(" {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maximumDepth else { throw fail("parentheses nested more than \(Self.maximumDepth) deep", at: token.position) }
            index += 1
            let inner = try parseOr()
            guard current?.text == ")" else { throw fail("missing ')' for the '(' at character \(token.position + 1)") }
            index += 1
            return inner
        }
        if token.text == ")" { throw fail("expected a license ID before ')'") }
        for word in ["AND", "OR", "WITH"] where isOperator(token, word) { throw fail("expected a license ID before \(token.text)") }
        atoms += 1
        guard atoms <= Self.maximumTerms else { throw fail("more than \(Self.maximumTerms) licenses in one expression", at: token.position) }
        index += 1
        return try license(from: token)
    }

    private func license(from token: Token) throws(SPDXExpressionError) -> SPDXExpression {
        var word = token.text
        let isReference = word.hasPrefix("LicenseRef-") || (word.hasPrefix("DocumentRef-") && word.contains(":LicenseRef-"))
        let idCharacters = { (c: Character) -> Bool in c.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "." || c == ":") }
        let orLater = word.hasSuffix("+")
        if orLater { word.removeLast() }
        if let bad = word.firstIndex(where: { !idCharacters($0) }) {
            let offset = word.distance(from: word.startIndex, to: bad)
            throw fail("'\(word[bad])' cannot appear in a license ID (letters, digits, '-' and '.' only)", at: token.position + offset)
        }
        if isReference {
            guard !orLater else { throw fail("'+' applies to license IDs, not to LicenseRef-", at: token.position + word.count) }
            let idPart = word.split(separator: ":").last.map(String.init) ?? word
            guard idPart.count > "LicenseRef-".count else { throw fail("LicenseRef- needs a name after the dash", at: token.position) }
            return .reference(word)
        }
        guard let entry = SPDXLicenseList.license(word) else {
            if SPDXLicenseList.exception(word) != nil {
                throw fail("'\(word)' is a license exception; write it after WITH, e.g. GPL-2.0-or-later WITH \(word)", at: token.position)
            }
            let hint = SPDXLicenseList.suggestion(forLicense: word).map { " — did you mean \($0)?" } ?? ""
            throw fail("unknown license '\(word)'\(hint) (or write LicenseRef-\(word) for a license outside the SPDX list)",
                       at: token.position)
        }
        return .license(id: entry.id, orLater: orLater)
    }
}
