// PackagePath.swift: AllmendeModel. A file's path inside a package: relative, '/'-separated, never escaping. Pure.

/// A relative path inside a design package, such as `cnc/wall-panel-a.dxf`.
///
/// Rules: 1 to 1024 bytes of UTF-8; components separated by `/`; no empty, `.` or `..` components; no leading
/// `/`; no backslash, NUL or control characters; no component longer than 255 bytes. Exporting a package can
/// therefore never write outside the target folder.
public struct PackagePath: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The path text.
    public let text: String

    /// Validates `text`; the error says which rule it breaks.
    public init(validating text: String) throws(ModelError) {
        func refuse(_ reason: String) -> ModelError { .invalidField(path: "path '\(text.prefix(200))'", reason: reason) }
        guard !text.isEmpty else { throw refuse("is empty") }
        guard text.utf8.count <= 1024 else { throw refuse("is longer than 1024 bytes") }
        guard !text.hasPrefix("/") else { throw refuse("is absolute; paths in a package are relative") }
        guard !text.contains("\\") else { throw refuse("contains a backslash; use '/' between folders") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) { throw refuse("contains a control character") }
        for component in text.split(separator: "/", omittingEmptySubsequences: false) {
            guard !component.isEmpty else { throw refuse("has an empty component ('//' or a trailing '/')") }
            guard component != "." && component != ".." else { throw refuse("contains '\(component)', which could leave the package folder") }
            guard component.utf8.count <= 255 else { throw refuse("has a component longer than 255 bytes") }
        }
        self.text = text
    }

    /// The components between slashes.
    public var components: [String] { text.split(separator: "/").map(String.init) }

    public var description: String { text }

    public static func < (lhs: PackagePath, rhs: PackagePath) -> Bool { lhs.text.utf8.lexicographicallyPrecedes(rhs.text.utf8) }
}
