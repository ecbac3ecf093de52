// Ed25519PrivateKey+OpenSSL.swift: AllmendeCrypto. Ed25519 key generation, PEM (PKCS#8) and signing via OpenSSL.

internal import COpenSSL

/// An Ed25519 private key held by OpenSSL.
///
/// Thread-safe: an `EVP_PKEY` may be shared once created, and every signature uses its own `EVP_MD_CTX`.
public final class Ed25519PrivateKey: @unchecked Sendable {
    // @unchecked: `key` is an immutable, reference-counted EVP_PKEY that OpenSSL allows to be used from many threads.
    let key: OpaquePointer

    private init(owning key: OpaquePointer) { self.key = key }

    /// The OpenSSL `EVP_PKEY*`, for the TLS layer (borrowed; valid while this object lives).
    package var evpKey: OpaquePointer { key }

    deinit { EVP_PKEY_free(key) }

    /// Generates a new random key.
    public convenience init() throws(CryptoError) {
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else {
            throw OpenSSLErrorQueue.failure("create Ed25519 key context")
        }
        defer { EVP_PKEY_CTX_free(context) }
        guard EVP_PKEY_keygen_init(context) == 1 else { throw OpenSSLErrorQueue.failure("initialise Ed25519 key generation") }
        var generated: OpaquePointer?
        guard EVP_PKEY_keygen(context, &generated) == 1, let generated else {
            throw OpenSSLErrorQueue.failure("generate Ed25519 key")
        }
        self.init(owning: generated)
    }

    /// Imports the 32-byte private seed (RFC 8032 "secret key").
    public convenience init(rawRepresentation seed: some Collection<UInt8>) throws(CryptoError) {
        let bytes = Array(seed)
        guard bytes.count == 32 else { throw .invalidLength(what: "Ed25519 private key", length: bytes.count, expected: 32) }
        guard let key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, bytes, 32) else {
            throw OpenSSLErrorQueue.failure("import Ed25519 private key")
        }
        self.init(owning: key)
    }

    /// Loads a PEM private key (PKCS#8 "BEGIN PRIVATE KEY"). Encrypted keys and other algorithms are refused.
    public convenience init(pemRepresentation pem: some Collection<UInt8>) throws(CryptoError) {
        let bytes = Array(pem)
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        if text.contains("BEGIN ENCRYPTED PRIVATE KEY") || text.contains("Proc-Type: 4,ENCRYPTED") {
            throw .encryptedPrivateKey
        }
        guard text.contains("-----BEGIN") else {
            throw .malformedPrivateKey(reason: bytes.isEmpty ? "the file is empty" : "no '-----BEGIN PRIVATE KEY-----' line")
        }
        let loaded: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PrivateKey(bio, nil, COpenSSL_no_password, nil)
        }
        guard let loaded else {
            throw .malformedPrivateKey(reason: OpenSSLErrorQueue.drain())
        }
        guard EVP_PKEY_get_id(loaded) == EVP_PKEY_ED25519 else {
            let name = EVP_PKEY_get0_type_name(loaded).map { String(cString: $0) } ?? "an unknown key type"
            EVP_PKEY_free(loaded)
            throw .wrongKeyType(found: name)
        }
        self.init(owning: loaded)
    }

    /// The PKCS#8 PEM text ("-----BEGIN PRIVATE KEY-----"), unencrypted.
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorQueue.failure("allocate memory BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, key, nil, nil, 0, nil, nil) == 1 else {
            throw OpenSSLErrorQueue.failure("write private key PEM")
        }
        var data: UnsafeMutablePointer<CChar>?
        let length = COpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw OpenSSLErrorQueue.failure("read private key PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// The 32-byte private seed. Handle with care.
    public func rawRepresentation() throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_private_key(key, &bytes, &length) == 1, length == 32 else {
            throw OpenSSLErrorQueue.failure("export Ed25519 private key")
        }
        return bytes
    }

    /// The matching public key.
    public var publicKey: Ed25519PublicKey {
        var bytes = [UInt8](repeating: 0, count: 32)
        var length = 32
        let ok = EVP_PKEY_get_raw_public_key(key, &bytes, &length)
        precondition(ok == 1 && length == 32, "EVP_PKEY_get_raw_public_key failed on an Ed25519 key")
        return Ed25519PublicKey(trustedRawRepresentation: bytes)
    }

    /// Signs `message` (pure Ed25519, RFC 8032; deterministic).
    public func signature(for message: some Collection<UInt8>) throws(CryptoError) -> Ed25519Signature {
        guard let context = EVP_MD_CTX_new() else { throw OpenSSLErrorQueue.failure("allocate signing context") }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestSignInit(context, nil, nil, nil, key) == 1 else { throw OpenSSLErrorQueue.failure("initialise signing") }
        let bytes = Array(message)
        var signature = [UInt8](repeating: 0, count: 64)
        var length = 64
        guard EVP_DigestSign(context, &signature, &length, bytes, bytes.count) == 1, length == 64 else {
            throw OpenSSLErrorQueue.failure("sign")
        }
        return Ed25519Signature(trustedRawRepresentation: signature)
    }
}
