// LicenseCompatibility.swift: AllmendeModel. May a package derived from a parent under one SPDX expression be
// published under another? Rules from Protocol/licenses/compatibility.tsv (embedded); spec: Protocol/manifest.md
// "Licence compatibility of derivatives". Pure.

/// How a derivative's licence stands to its parent's, best first.
public enum CompatibilityVerdict: String, Sendable, Comparable, CaseIterable {
    case compatible
    /// Allowed in some uses only, or the table cannot tell: a warning.
    case depends
    /// Publish refuses (unless overridden with a recorded reason).
    case incompatible

    private var rank: Int { self == .compatible ? 2 : self == .depends ? 1 : 0 }
    /// Better verdicts compare greater.
    public static func < (a: Self, b: Self) -> Bool { a.rank < b.rank }
}

/// What the table says about one parent licence against one child licence, and why.
public struct CompatibilityFinding: Sendable, Equatable {
    public let verdict: CompatibilityVerdict
    public let parent: String
    public let child: String
    /// The rule applied, in words.
    public let rule: String
    /// The licence text section or the steward's page it rests on.
    public let source: String
}

/// The classes of `class` rows.
public enum LicenseClass: String, Sendable, CaseIterable {
    case publicDomain = "public-domain", permissive, weakReciprocal = "weak-reciprocal", reciprocal
    case nonCommercial = "non-commercial", nonCommercialReciprocal = "non-commercial-reciprocal", noDerivatives = "no-derivatives"
}

public struct LicenseCompatibility: Sendable {
    public struct ClassRow: Sendable { public let license: String, licenseClass: LicenseClass, source: String }
    public struct PairRow: Sendable { public let parent: String, child: String, verdict: CompatibilityVerdict, source: String, note: String }

    public let classes: [String: ClassRow]
    public let pairs: [String: PairRow]
    /// Exceptions whose effect is `linking`, by upper-cased ID, with their source.
    public let linkingExceptions: [String: String]

    /// The table shipped with Allmende.
    public static let shipped: LicenseCompatibility = (try? LicenseCompatibility(table: LicenseCompatibilityTable.text))
        ?? LicenseCompatibility(classes: [:], pairs: [:], linkingExceptions: [:])

    init(classes: [String: ClassRow], pairs: [String: PairRow], linkingExceptions: [String: String]) {
        self.classes = classes
        self.pairs = pairs
        self.linkingExceptions = linkingExceptions
    }

    /// Reads a table in the format of Protocol/licenses/compatibility.tsv; throws naming the first bad line.
    public init(table: String) throws(ModelError) {
        var classes: [String: ClassRow] = [:]
        var pairs: [String: PairRow] = [:]
        var exceptions: [String: String] = [:]
        for (number, line) in table.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let bad = { (reason: String) in ModelError.invalidField(path: "compatibility.tsv:\(number + 1)", reason: reason) }
            switch fields.first {
            case "class":
                guard fields.count == 4, let kind = LicenseClass(rawValue: fields[2]), !fields[3].isEmpty else { throw bad("class rows are: class, licence, class, source") }
                guard classes[Self.key(fields[1])] == nil else { throw bad("\(fields[1]) has two class rows") }
                classes[Self.key(fields[1])] = ClassRow(license: fields[1], licenseClass: kind, source: fields[3])
            case "pair":
                guard fields.count == 6, let verdict = CompatibilityVerdict(rawValue: fields[3]), !fields[4].isEmpty else {
                    throw bad("pair rows are: pair, parent, child, verdict, source, note")
                }
                let key = Self.key(fields[1]) + " " + Self.key(fields[2])
                guard pairs[key] == nil else { throw bad("\(fields[1]) → \(fields[2]) has two rows") }
                pairs[key] = PairRow(parent: fields[1], child: fields[2], verdict: verdict, source: fields[4], note: fields[5])
            case "exception":
                guard fields.count == 4, fields[2] == "linking", !fields[3].isEmpty else { throw bad("exception rows are: exception, ID, linking, source") }
                exceptions[Self.key(fields[1])] = fields[3]
            default:
                throw bad("a row starts with class, pair or exception")
            }
        }
        self.init(classes: classes, pairs: pairs, linkingExceptions: exceptions)
    }

    static func key(_ id: String) -> String { id.uppercased() }

    /// The deprecated `+` forms of the GNU licences as their `-or-later` IDs; `X+` of others as X (the stricter
    /// reading for a parent).
    static func normalised(_ id: String, orLater plus: Bool) -> String {
        var base = id
        var orLater = plus
        if base.hasSuffix("+") {
            base.removeLast()
            orLater = true
        }
        for suffix in ["-only", "-or-later"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        let gnu = ["GPL-2.0", "GPL-3.0", "LGPL-2.1", "LGPL-3.0", "AGPL-3.0", "LGPL-2.0"]
        if gnu.contains(base.uppercased()) { return base + (orLater || id.hasSuffix("-or-later") ? "-or-later" : "-only") }
        return base
    }

    /// The finding for one parent licence ID against one child licence ID.
    public func finding(parent rawParent: String, child rawChild: String) -> CompatibilityFinding {
        let (parent, child) = (rawParent, rawChild)
        let parentClass = classes[Self.key(parent)]
        func make(_ verdict: CompatibilityVerdict, _ rule: String, _ source: String) -> CompatibilityFinding {
            CompatibilityFinding(verdict: verdict, parent: parent, child: child, rule: rule, source: source)
        }
        if let parentClass, parentClass.licenseClass == .noDerivatives {
            return make(.incompatible, "\(parent) forbids sharing adapted material", parentClass.source)
        }
        if let row = pairs[Self.key(parent) + " " + Self.key(child)] {
            return make(row.verdict, row.verdict.rawValue + (row.note.isEmpty ? "" : ": \(row.note)"), row.source)
        }
        if Self.key(parent) == Self.key(child) {
            return make(.compatible, "the same licence as the parent", parentClass?.source ?? "the parent's licence")
        }
        guard let parentClass else {
            return make(.depends, "\(parent) is not in Allmende's compatibility table: check its terms yourself", "Protocol/licenses/compatibility.tsv")
        }
        switch parentClass.licenseClass {
        case .publicDomain:
            return make(.compatible, "\(parent) sets no conditions on derivatives", parentClass.source)
        case .permissive:
            return make(.compatible, "\(parent) is permissive: any licence, keeping its notices and attribution", parentClass.source)
        case .weakReciprocal:
            return make(.depends, "\(parent) is weakly reciprocal: the parent's own files stay under \(parent); the rest may be \(child)", parentClass.source)
        case .reciprocal:
            return make(.incompatible, "\(parent) is share-alike: a derivative must be under \(parent) or a licence it names compatible, not \(child)",
                        parentClass.source)
        case .nonCommercial:
            return make(.depends, "\(parent) forbids commercial use: the parent's parts stay non-commercial whatever the derivative's licence says",
                        parentClass.source)
        case .nonCommercialReciprocal:
            return make(.incompatible, "\(parent) is non-commercial share-alike: a derivative must be under \(parent)", parentClass.source)
        case .noDerivatives:
            return make(.incompatible, "\(parent) forbids sharing adapted material", parentClass.source)
        }
    }

    /// The best finding for a child expression against one parent licence: the publisher may pick the branch of
    /// an `OR` that works; an `AND` child works if one of its parts carries the parent's terms; `WITH` and `+` on
    /// the child are read as the licence.
    func finding(parent: String, childExpression: SPDXExpression) -> CompatibilityFinding {
        switch childExpression {
        case let .license(id, orLater):
            return finding(parent: parent, child: Self.normalised(id, orLater: orLater))
        case let .reference(reference):
            return finding(parent: parent, child: reference)
        case let .with(license, _):
            return finding(parent: parent, childExpression: license)
        case let .and(left, right), let .or(left, right):
            return Self.best(finding(parent: parent, childExpression: left), finding(parent: parent, childExpression: right))
        }
    }

    /// The findings for a child expression against a parent expression: a parent `OR` lets the child follow
    /// the better branch; a parent `AND` must be honoured in every part (the findings of all parts are given,
    /// the worst decides); a parent `WITH` a linking exception turns incompatible into depends.
    public func findings(parent: SPDXExpression, child: SPDXExpression) -> [CompatibilityFinding] {
        switch parent {
        case let .license(id, orLater):
            return [finding(parent: Self.normalised(id, orLater: orLater), childExpression: child)]
        case let .reference(reference):
            return [finding(parent: reference, childExpression: child)]
        case let .with(license, exception):
            return findings(parent: license, child: child).map { found in
                guard found.verdict == .incompatible, let source = linkingExceptions[Self.key(exception)] else { return found }
                return CompatibilityFinding(verdict: .depends, parent: found.parent + " WITH " + exception, child: found.child,
                                            rule: found.rule + "; but \(exception) lets other work be combined without those terms", source: source)
            }
        case let .and(left, right):
            return findings(parent: left, child: child) + findings(parent: right, child: child)
        case let .or(left, right):
            let (a, b) = (findings(parent: left, child: child), findings(parent: right, child: child))
            return Self.worst(a) >= Self.worst(b) ? a : b
        }
    }

    /// The verdict of a list of findings: the worst of them (compatible if empty).
    public static func worst(_ findings: [CompatibilityFinding]) -> CompatibilityVerdict { findings.map(\.verdict).min() ?? .compatible }

    static func best(_ a: CompatibilityFinding, _ b: CompatibilityFinding) -> CompatibilityFinding { b.verdict > a.verdict ? b : a }
}
