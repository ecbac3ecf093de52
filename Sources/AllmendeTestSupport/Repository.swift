// Repository.swift: AllmendeTestSupport. Finding the repository, its Protocol/ vectors and the built binary.

import Foundation

/// Locations inside the repository checkout and the build folder.
public enum Repository {
    /// The repository root, found from this source file's path.
    public static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }   // Sources/AllmendeTestSupport/Repository.swift
        return url.path
    }()

    /// Path of a file under `Protocol/vectors/`.
    public static func vectorPath(_ name: String) -> String { root + "/Protocol/vectors/" + name }

    /// Loads a vector file: `{description, source, cases: [...]}`; returns the cases as dictionaries.
    public static func vectorCases(_ name: String) throws -> [[String: Any]] {
        let data = try Data(contentsOf: URL(fileURLWithPath: vectorPath(name)))
        guard let document = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              document["description"] is String, document["source"] is String,
              let cases = document["cases"] as? [[String: Any]] else {
            throw VectorFileError(name: name)
        }
        return cases
    }

    /// The folder holding the built products of this test run (the `allmende` binary lives there).
    public static var productsDirectory: String {
        Bundle.main.bundleURL.path.hasSuffix(".xctest")
            ? Bundle.main.bundleURL.deletingLastPathComponent().path
            : Bundle.main.bundleURL.path
    }

    /// The built `allmende` executable.
    public static var allmendeBinary: String { productsDirectory + "/allmende" }
}

/// A vector file that is not in the expected shape.
public struct VectorFileError: Error, CustomStringConvertible {
    public let name: String
    public var description: String { "Protocol/vectors/\(name) lacks description, source or cases" }
}
