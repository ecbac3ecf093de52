// TLSContext+OpenSSL.swift: AllmendeTLS. TLS 1.3 only, mutual authentication by self-signed node-key certificates.

internal import COpenSSL
import AllmendeCrypto
#if canImport(Glibc)
import Glibc
#endif

/// Accepts a leaf without a certificate authority: identity is the certificate's key, and after the handshake
/// the certificate's signature is checked against that key (`TLSConnection.handshake`). Validity dates are not
/// checked (the key is the identity; a peer's clock must not lock it out).
private let acceptSelfSignedLeaf: @convention(c) (Int32, OpaquePointer?) -> Int32 = { preverified, store in
    if preverified == 1 { return 1 }
    let error = X509_STORE_CTX_get_error(store)
    let isAcceptable = error == X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT || error == X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN
        || error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY || error == X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE
        || error == X509_V_ERR_CERT_NOT_YET_VALID || error == X509_V_ERR_CERT_HAS_EXPIRED
    return X509_STORE_CTX_get_error_depth(store) == 0 && isAcceptable ? 1 : 0
}

/// An OpenSSL `SSL_CTX` for one side (server or client), configured once and shared by connections.
public final class TLSContext: @unchecked Sendable {
    // @unchecked: the SSL_CTX is fully configured in init and only read afterwards (SSL_new), which OpenSSL allows
    // from many threads; `key` keeps the EVP_PKEY alive as long as the context.
    let context: OpaquePointer
    private let key: Ed25519PrivateKey
    /// This node's ID.
    public let nodeID: NodeID

    /// A context that presents `key`'s self-signed certificate and requires one from the peer.
    public init(key: Ed25519PrivateKey, isServer: Bool) throws(TLSError) {
        // OpenSSL writes to sockets with write(2): a peer that hangs up must give EPIPE, not kill the process.
        signal(SIGPIPE, SIG_IGN)
        guard let context = SSL_CTX_new(isServer ? TLS_server_method() : TLS_client_method()) else {
            throw .openSSL(operation: "SSL_CTX_new", reason: drainErrors())
        }
        self.context = context
        self.key = key
        nodeID = NodeID(publicKey: key.publicKey)
        let certificate = try NodeCertificate.make(for: key)
        defer { X509_free(certificate) }
        guard COpenSSL_SSL_CTX_set_min_proto_version(context, TLS1_3_VERSION) == 1,
              COpenSSL_SSL_CTX_set_max_proto_version(context, TLS1_3_VERSION) == 1,
              SSL_CTX_use_certificate(context, certificate) == 1,
              SSL_CTX_use_PrivateKey(context, key.evpKey) == 1,
              SSL_CTX_check_private_key(context) == 1,
              // AES-128-GCM first: the suite RFC 8446 makes mandatory, and the cheapest of the three per byte.
              SSL_CTX_set_ciphersuites(context, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256") == 1 else {
            throw .openSSL(operation: "configure TLS context", reason: drainErrors())
        }
        _ = COpenSSL_SSL_CTX_set_mode(context, Int(SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER))
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, acceptSelfSignedLeaf)
        if isServer { SSL_CTX_set_num_tickets(context, 0) }
    }

    deinit { SSL_CTX_free(context) }
}

/// Drains OpenSSL's error queue into one string.
func drainErrors() -> String { OpenSSLErrorQueue.drain() }

/// Self-signed X.509 certificates carrying a node's Ed25519 key.
enum NodeCertificate {
    /// A v3 certificate, CN = node ID, valid from an hour ago for ten years, signed with the key itself. The caller frees it.
    static func make(for key: Ed25519PrivateKey) throws(TLSError) -> OpaquePointer {
        guard let certificate = X509_new() else { throw .openSSL(operation: "X509_new", reason: drainErrors()) }
        var serial = (try? SecureRandom.bytes(count: 16)) ?? [UInt8](repeating: 1, count: 16)
        serial[0] &= 0x7F
        let number = BN_bin2bn(serial, 16, nil)
        defer { BN_free(number) }
        let name = X509_get_subject_name(certificate)
        let commonName = NodeID(publicKey: key.publicKey).text
        guard X509_set_version(certificate, 2) == 1,
              BN_to_ASN1_INTEGER(number, X509_get_serialNumber(certificate)) != nil,
              X509_gmtime_adj(X509_getm_notBefore(certificate), -3600) != nil,
              X509_gmtime_adj(X509_getm_notAfter(certificate), 3650 * 86_400) != nil,
              X509_set_pubkey(certificate, key.evpKey) == 1,
              X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, commonName, -1, -1, 0) == 1,
              X509_set_issuer_name(certificate, name) == 1,
              X509_sign(certificate, key.evpKey, nil) > 0 else {
            X509_free(certificate)
            throw .openSSL(operation: "make node certificate", reason: drainErrors())
        }
        return certificate
    }
}
