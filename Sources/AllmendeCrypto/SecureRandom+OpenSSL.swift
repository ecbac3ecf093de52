// SecureRandom+OpenSSL.swift: AllmendeCrypto. Cryptographically secure random bytes from OpenSSL's DRBG.

internal import COpenSSL

/// Cryptographically secure random bytes.
public enum SecureRandom {
    /// `count` random bytes from OpenSSL's `RAND_bytes`.
    public static func bytes(count: Int) throws(CryptoError) -> [UInt8] {
        precondition(count >= 0 && count <= Int(Int32.max), "SecureRandom.bytes count out of range")
        var result = [UInt8](repeating: 0, count: count)
        guard count > 0 else { return result }
        guard RAND_bytes(&result, Int32(count)) == 1 else { throw OpenSSLErrorQueue.failure("random bytes") }
        return result
    }
}
