// OpenSSLErrorQueue+OpenSSL.swift: AllmendeCrypto. Turns OpenSSL's thread-local error queue into CryptoError.

internal import COpenSSL

/// Drains OpenSSL's per-thread error queue (shared with the TLS module).
package enum OpenSSLErrorQueue {
    /// Returns the queued reasons joined by "; " and empties the queue.
    package static func drain() -> String {
        var parts: [String] = []
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            let text = buffer.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            parts.append(text)
        }
        return parts.isEmpty ? "unknown OpenSSL error" : parts.joined(separator: "; ")
    }

    /// A `CryptoError.openSSL` for `operation` carrying the drained reasons.
    static func failure(_ operation: String) -> CryptoError {
        .openSSL(operation: operation, reason: drain())
    }

    /// Discards queued errors (after an expected failure such as a bad signature).
    static func clear() { ERR_clear_error() }
}
