// Ed25519PublicKey+OpenSSL.swift: AllmendeCrypto. Ed25519 public keys: raw and PEM forms, verification via OpenSSL.

internal import COpenSSL

/// An Ed25519 public key: 32 raw bytes (RFC 8032).
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The 32 raw bytes.
    public let rawRepresentation: [UInt8]

    init(trustedRawRepresentation bytes: [UInt8]) { rawRepresentation = bytes }

    /// Imports 32 raw bytes; OpenSSL must accept them as an Ed25519 point encoding.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(bytes)
        guard raw.count == 32 else { throw .invalidLength(what: "Ed25519 public key", length: raw.count, expected: 32) }
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, raw, 32) else {
            throw OpenSSLErrorQueue.failure("import Ed25519 public key")
        }
        EVP_PKEY_free(key)
        rawRepresentation = raw
    }

    /// Loads a PEM public key ("-----BEGIN PUBLIC KEY-----", SubjectPublicKeyInfo).
    public init(pemRepresentation pem: some Collection<UInt8>) throws(CryptoError) {
        let bytes = Array(pem)
        let loaded: OpaquePointer? = bytes.withUnsafeBytes { raw in
            guard let bio = BIO_new_mem_buf(raw.baseAddress, Int32(raw.count)) else { return nil }
            defer { BIO_free(bio) }
            return PEM_read_bio_PUBKEY(bio, nil, COpenSSL_no_password, nil)
        }
        guard let loaded else { throw .malformedPublicKey(reason: OpenSSLErrorQueue.drain()) }
        defer { EVP_PKEY_free(loaded) }
        guard EVP_PKEY_get_id(loaded) == EVP_PKEY_ED25519 else {
            throw .wrongKeyType(found: EVP_PKEY_get0_type_name(loaded).map { String(cString: $0) } ?? "an unknown key type")
        }
        var raw = [UInt8](repeating: 0, count: 32)
        var length = 32
        guard EVP_PKEY_get_raw_public_key(loaded, &raw, &length) == 1, length == 32 else {
            throw OpenSSLErrorQueue.failure("export Ed25519 public key")
        }
        rawRepresentation = raw
    }

    /// The PEM text ("-----BEGIN PUBLIC KEY-----").
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawRepresentation, 32) else {
            throw OpenSSLErrorQueue.failure("import Ed25519 public key")
        }
        defer { EVP_PKEY_free(key) }
        guard let bio = BIO_new(BIO_s_mem()) else { throw OpenSSLErrorQueue.failure("allocate memory BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, key) == 1 else { throw OpenSSLErrorQueue.failure("write public key PEM") }
        var data: UnsafeMutablePointer<CChar>?
        let length = COpenSSL_BIO_get_mem_data(bio, &data)
        guard let data, length > 0 else { throw OpenSSLErrorQueue.failure("read public key PEM") }
        return String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self)
    }

    /// True if `signature` is a valid Ed25519 signature by this key over `message`.
    public func isValidSignature(_ signature: Ed25519Signature, for message: some Collection<UInt8>) -> Bool {
        guard let key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, rawRepresentation, 32) else {
            OpenSSLErrorQueue.clear()
            return false
        }
        defer { EVP_PKEY_free(key) }
        guard let context = EVP_MD_CTX_new() else { return false }
        defer { EVP_MD_CTX_free(context) }
        guard EVP_DigestVerifyInit(context, nil, nil, nil, key) == 1 else {
            OpenSSLErrorQueue.clear()
            return false
        }
        let bytes = Array(message)
        let result = EVP_DigestVerify(context, signature.rawRepresentation, 64, bytes, bytes.count)
        if result != 1 { OpenSSLErrorQueue.clear() }
        return result == 1
    }
}

/// A 64-byte Ed25519 signature.
public struct Ed25519Signature: Hashable, Sendable {
    /// The 64 raw bytes (R ‖ S).
    public let rawRepresentation: [UInt8]

    init(trustedRawRepresentation bytes: [UInt8]) { rawRepresentation = bytes }

    /// Wraps 64 raw bytes that came from outside.
    public init(rawRepresentation bytes: some Collection<UInt8>) throws(CryptoError) {
        let raw = Array(bytes)
        guard raw.count == 64 else { throw .invalidLength(what: "Ed25519 signature", length: raw.count, expected: 64) }
        rawRepresentation = raw
    }
}
