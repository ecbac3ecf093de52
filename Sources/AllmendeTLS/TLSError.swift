// TLSError.swift: AllmendeTLS. Why a TLS connection could not be set up or used.

import AllmendeCrypto

/// A TLS failure with a human message.
public enum TLSError: Error, Equatable, Sendable, CustomStringConvertible {
    /// OpenSSL refused an operation; `reason` is its error text.
    case openSSL(operation: String, reason: String)
    /// The handshake did not complete (not TLS, TLS below 1.3, no or bad certificate, …).
    case handshakeFailed(String)
    /// The handshake did not finish in time.
    case timeout(String)
    /// The peer's key is not the node ID we dialled.
    case unexpectedPeer(expected: NodeID, actual: NodeID)
    /// The peer's certificate does not carry an Ed25519 key.
    case notANodeCertificate
    /// The peer's certificate carries a node key but is not signed by it.
    case notSelfSigned
    /// The connection was closed.
    case closed

    public var description: String {
        switch self {
        case let .openSSL(operation, reason): return "\(operation) failed: \(reason)"
        case let .handshakeFailed(reason): return "TLS handshake failed: \(reason)"
        case let .timeout(what): return "timed out \(what)"
        case let .unexpectedPeer(expected, actual): return "peer is node \(actual.text), expected \(expected.text)"
        case .notANodeCertificate: return "the peer's certificate does not carry an Ed25519 node key"
        case .notSelfSigned: return "the peer's certificate is not signed by its own node key"
        case .closed: return "connection closed"
        }
    }
}
