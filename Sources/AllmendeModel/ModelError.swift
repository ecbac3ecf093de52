// ModelError.swift: AllmendeModel. Everything wrong with a manifest, BOM, statement or key document.

import AllmendeCrypto
import CanonicalJSON

/// A refused document, naming the field (as a path like `bom[2].quantity`) and what is wrong.
public enum ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The bytes are not (strict) JSON.
    case invalidJSON(JSONParseError)
    /// A field is missing, has the wrong type, is too long, or has an invalid value.
    case invalidField(path: String, reason: String)
    /// The license expression is invalid.
    case invalidLicense(path: String, error: SPDXExpressionError)
    /// The document's schema is not one this version understands.
    case unknownSchema(found: String, expected: String)
    /// A signature does not verify.
    case badSignature(what: String)
    /// A document cannot be serialised canonically.
    case notCanonical(String)

    public var description: String {
        switch self {
        case let .invalidJSON(error): return error.description
        case let .invalidField(path, reason): return "\(path): \(reason)"
        case let .invalidLicense(path, error): return "\(path): \(error)"
        case let .unknownSchema(found, expected):
            return "unknown schema '\(found)' (this version of allmende reads '\(expected)'; a newer allmende may read it)"
        case let .badSignature(what): return "bad signature: \(what)"
        case let .notCanonical(reason): return "cannot write canonical JSON: \(reason)"
        }
    }
}
