// SHA256Hasher+OpenSSL.swift: AllmendeCrypto. Streaming SHA-256 through OpenSSL's EVP interface.

internal import COpenSSL

/// The SHA-256 implementation, fetched from the default provider once per process.
private final class SHA256Algorithm: @unchecked Sendable {
    // Safe to share: an EVP_MD fetched from a provider is immutable and reference counted by OpenSSL.
    let md: OpaquePointer?
    init() { md = EVP_MD_fetch(nil, "SHA256", nil) }
    static let shared = SHA256Algorithm()
}

/// Incremental SHA-256: `update` any number of times in pieces of any size, then `finalize` once.
///
/// Not thread-safe: one hasher belongs to one thread at a time.
public final class SHA256Hasher {
    private let context: OpaquePointer
    private var isFinalized = false

    /// Starts a new hash.
    public init() {
        guard let context = EVP_MD_CTX_new() else { preconditionFailure("EVP_MD_CTX_new failed: out of memory") }
        self.context = context
        let ok = EVP_DigestInit_ex(context, SHA256Algorithm.shared.md ?? EVP_sha256(), nil)
        precondition(ok == 1, "EVP_DigestInit_ex(SHA256) failed: \(OpenSSLErrorQueue.drain())")
    }

    deinit { EVP_MD_CTX_free(context) }

    /// Adds bytes to the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinalized, "SHA256Hasher used after finalize()")
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        let ok = EVP_DigestUpdate(context, base, bytes.count)
        precondition(ok == 1, "EVP_DigestUpdate failed: \(OpenSSLErrorQueue.drain())")
    }

    /// Adds bytes to the hash.
    public func update(_ bytes: some Collection<UInt8>) {
        if let done: Void = bytes.withContiguousStorageIfAvailable({ update(UnsafeRawBufferPointer($0)) }) {
            return done
        }
        Array(bytes).withUnsafeBytes { update($0) }
    }

    /// Finishes the hash and returns the digest; the hasher cannot be used afterwards.
    public func finalize() -> ContentID {
        precondition(!isFinalized, "SHA256Hasher finalized twice")
        isFinalized = true
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = EVP_DigestFinal_ex(context, &digest, &length)
        precondition(ok == 1 && length == 32, "EVP_DigestFinal_ex failed: \(OpenSSLErrorQueue.drain())")
        return ContentID(digest: digest[0..<32])
    }

    /// The SHA-256 of `bytes` in one call.
    public static func hash(_ bytes: UnsafeRawBufferPointer) -> ContentID {
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = EVP_Digest(bytes.baseAddress, bytes.count, &digest, &length, SHA256Algorithm.shared.md ?? EVP_sha256(), nil)
        precondition(ok == 1 && length == 32, "EVP_Digest failed: \(OpenSSLErrorQueue.drain())")
        return ContentID(digest: digest[0..<32])
    }

    /// The SHA-256 of `bytes` in one call.
    public static func hash(_ bytes: some Collection<UInt8>) -> ContentID {
        if let id = bytes.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return id }
        return Array(bytes).withUnsafeBytes { hash($0) }
    }
}

extension ContentID {
    /// SHA-256 of the IDs' 32 bytes each, concatenated in the order given (a holdings digest passes them sorted).
    public static func setDigest(_ sortedIDs: some Sequence<ContentID>) -> ContentID {
        let hasher = SHA256Hasher()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(32 * 1024)
        for id in sortedIDs {
            buffer += id.bytes
            if buffer.count >= 32 * 1024 {
                hasher.update(buffer)
                buffer.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(buffer)
        return hasher.finalize()
    }
}
