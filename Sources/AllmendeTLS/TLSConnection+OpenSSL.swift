// TLSConnection+OpenSSL.swift: AllmendeTLS. One TLS 1.3 session over a non-blocking TCP socket.

internal import COpenSSL
import AllmendeCrypto
import AllmendeSystem
#if canImport(Glibc)
import Glibc
#endif

/// The outcome of one non-blocking read or write.
public enum TLSIOResult: Equatable, Sendable {
    /// This many bytes were read or written.
    case bytes(Int)
    /// Wait until the socket is readable, then retry.
    case wantRead
    /// Wait until the socket is writable, then retry.
    case wantWrite
    /// The peer closed the connection.
    case closed
}

/// A TLS session on a socket. Not thread-safe: exactly one thread drives it (OpenSSL forbids concurrent use
/// of one `SSL`, even a read and a write), which is why the connection runtime owns it on one thread.
public final class TLSConnection: @unchecked Sendable {
    // @unchecked: handed from the accepting/dialling thread to the connection thread once, then used by that thread only.
    private let ssl: OpaquePointer
    /// The TCP socket (non-blocking).
    public let socket: Socket
    /// The peer's node ID, known after `handshake`.
    public private(set) var peer: NodeID?
    private let context: TLSContext

    /// Wraps `socket` (which is switched to non-blocking mode).
    public init(context: TLSContext, socket: Socket, isServer: Bool) throws(TLSError) {
        guard let ssl = SSL_new(context.context) else { throw .openSSL(operation: "SSL_new", reason: drainErrors()) }
        self.ssl = ssl
        self.socket = socket
        self.context = context
        socket.setNonBlocking(true)
        SSL_set_fd(ssl, socket.descriptor)
        if isServer { SSL_set_accept_state(ssl) } else { SSL_set_connect_state(ssl) }
    }

    deinit { SSL_free(ssl) }

    /// Completes the handshake within `timeout` and returns the peer's node ID (checked against `expectedPeer`).
    public func handshake(timeout: Duration, expectedPeer: NodeID? = nil) throws(TLSError) -> NodeID {
        let deadline = ContinuousClock.now + timeout
        while true {
            ERR_clear_error()
            let result = SSL_do_handshake(ssl)
            if result == 1 { break }
            let code = SSL_get_error(ssl, result)
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else { throw .timeout("waiting for the TLS handshake") }
            switch code {
            case SSL_ERROR_WANT_READ:
                if !socket.waitUntil(writable: false, timeout: remaining) { throw .timeout("waiting for the TLS handshake") }
            case SSL_ERROR_WANT_WRITE:
                if !socket.waitUntil(writable: true, timeout: remaining) { throw .timeout("waiting for the TLS handshake") }
            case SSL_ERROR_SYSCALL where errno == 0 || errno == ECONNRESET || errno == EPIPE:
                throw .handshakeFailed("the peer closed the connection (\(drainErrors()))")
            default:
                throw .handshakeFailed(drainErrors())
            }
        }
        guard SSL_version(ssl) == TLS1_3_VERSION else { throw .handshakeFailed("the peer did not negotiate TLS 1.3") }
        guard let certificate = SSL_get1_peer_certificate(ssl) else { throw .handshakeFailed("the peer sent no certificate") }
        defer { X509_free(certificate) }
        guard let key = X509_get0_pubkey(certificate), EVP_PKEY_get_id(key) == EVP_PKEY_ED25519 else { throw .notANodeCertificate }
        // The TLS handshake proved the peer holds this key; the certificate must also be signed by it (wire.md).
        guard X509_verify(certificate, key) == 1 else {
            _ = drainErrors()
            throw .notSelfSigned
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(key, &raw, &length) == 1, length == 32,
              let publicKey = try? Ed25519PublicKey(rawRepresentation: raw) else { throw .notANodeCertificate }
        let nodeID = NodeID(publicKey: publicKey)
        if let expectedPeer, expectedPeer != nodeID { throw .unexpectedPeer(expected: expectedPeer, actual: nodeID) }
        peer = nodeID
        return nodeID
    }

    /// Reads decrypted bytes without blocking.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(TLSError) -> TLSIOResult {
        ERR_clear_error()
        var count = 0
        if SSL_read_ex(ssl, buffer.baseAddress, buffer.count, &count) == 1 { return .bytes(count) }
        return try outcome(of: 0)
    }

    /// Writes bytes without blocking; may write fewer than given.
    public func write(_ bytes: UnsafeRawBufferPointer) throws(TLSError) -> TLSIOResult {
        guard bytes.count > 0 else { return .bytes(0) }
        ERR_clear_error()
        var count = 0
        if SSL_write_ex(ssl, bytes.baseAddress, bytes.count, &count) == 1 { return .bytes(count) }
        return try outcome(of: 0)
    }

    /// Decrypted bytes already buffered inside OpenSSL (readable without touching the socket).
    public var pendingBytes: Int { Int(SSL_pending(ssl)) }

    private func outcome(of result: Int32) throws(TLSError) -> TLSIOResult {
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ: return .wantRead
        case SSL_ERROR_WANT_WRITE: return .wantWrite
        case SSL_ERROR_ZERO_RETURN: return .closed
        case SSL_ERROR_SYSCALL:
            let reason = drainErrors()
            if errno == 0 || errno == ECONNRESET || errno == EPIPE || reason == "unknown OpenSSL error" { return .closed }
            throw .openSSL(operation: "TLS I/O", reason: reason)
        default:
            throw .openSSL(operation: "TLS I/O", reason: drainErrors())
        }
    }

    /// Sends close_notify (best effort) and closes the socket.
    public func close() {
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
        socket.close()
    }
}
