// ManifestFixtures.swift: AllmendeTestSupport. Manifests built as JSON text, for limits no real folder reaches.

import CanonicalJSON
import Foundation

/// Canonical manifest bytes listing `count` files of `size` bytes each (paths `parts/p0000.stl`, …), published
/// by the identity whose text form is `publisher`.
public func manifestWithFiles(_ count: Int, size: Int, publisher: String) throws -> [UInt8] {
    let files = (0..<count).map { index in
        #"{"path": "parts/p\#(String(format: "%04d", index)).stl", "size": \#(size), "sha256": "\#(String(repeating: "ab", count: 32))", "#
            + #""chunkIndex": "\#(String(repeating: "cd", count: 32))", "mediaType": "model/stl", "role": "cad"}"#
    }.joined(separator: ", ")
    let text = """
        {"schema": "allmende/design-package/1", "title": "Many parts", "version": "1.0.0", "summary": "Generated for a test",
         "category": "tools-machines", "license": "CERN-OHL-P-2.0", "licensors": [{"name": "Test Lab"}],
         "documentationLanguage": ["en"], "publisher": "\(publisher)", "created": "2026-01-01T00:00:00Z", "files": [\(files)]}
        """
    return try CanonicalEncoder.encode(try JSONParser.parse(text))
}
