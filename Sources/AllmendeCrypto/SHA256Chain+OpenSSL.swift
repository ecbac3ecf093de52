// SHA256Chain+OpenSSL.swift: AllmendeCrypto. SHA-256 that can stop at, and resume from, a chaining value.

internal import COpenSSL

/// SHA-256 with access to its chaining value: the 32-byte state carried from one 64-byte block to the next.
///
/// A SHA-256 digest is the chaining value after the padded last block. Stopping at a 64-byte boundary and
/// reading the chaining value (big-endian words, like a digest) lets a later hash resume there, so a long
/// message can be checked piece by piece, in any order, with one SHA-256 pass over its bytes in total: this is
/// what Allmende's chunk index stores (Protocol/chunk-index.md). A chaining value is carried in a `ContentID`
/// (the same 32-byte shape); it names no content by itself.
///
/// Not thread-safe: one hasher belongs to one thread at a time.
public final class SHA256ChainHasher {
    private let context: UnsafeMutablePointer<SHA256_CTX>
    private var isFinalized = false
    /// Bytes hashed so far, including the offset the hasher resumed at.
    public private(set) var byteCount: Int

    /// Starts at the beginning of a message, or at byte `offset` (a multiple of 64) from the chaining value there.
    public init(resumingFrom chain: ContentID? = nil, atOffset offset: Int = 0) {
        precondition(offset >= 0 && offset % 64 == 0 && (chain != nil || offset == 0), "SHA-256 resumes only at a 64-byte boundary")
        context = .allocate(capacity: 1)
        byteCount = offset
        Self.start(context, chain: chain, offset: offset)
    }

    deinit { context.deallocate() }

    /// Adds bytes to the hash.
    public func update(_ bytes: UnsafeRawBufferPointer) {
        precondition(!isFinalized, "SHA256ChainHasher used after finalize()")
        guard bytes.count > 0, let base = bytes.baseAddress else { return }
        COpenSSL_sha256_update(context, base, bytes.count)
        byteCount += bytes.count
    }

    /// The chaining value now; the bytes hashed so far must be a multiple of 64.
    public func chainValue() -> ContentID {
        precondition(!isFinalized && byteCount % 64 == 0, "a SHA-256 chaining value exists only at a 64-byte boundary")
        var out = [UInt8](repeating: 0, count: 32)
        let ok = COpenSSL_sha256_chain(context, &out)
        precondition(ok == 1, "SHA-256 state is not at a block boundary")
        return ContentID(digest: out)
    }

    /// Pads, finishes and returns the SHA-256 digest of the whole message; the hasher cannot be used afterwards.
    public func finalize() -> ContentID {
        precondition(!isFinalized, "SHA256ChainHasher finalized twice")
        isFinalized = true
        var out = [UInt8](repeating: 0, count: 32)
        COpenSSL_sha256_finish(context, &out)
        return ContentID(digest: out)
    }

    /// Hashes `bytes` resuming from `chain` at `offset` and returns the chaining value after them, or — when
    /// `finishing` — the digest of the whole message they end. Without `finishing`, `bytes.count` must be a multiple of 64.
    public static func advance(from chain: ContentID?, atOffset offset: Int, over bytes: UnsafeRawBufferPointer, finishing: Bool) -> ContentID {
        precondition(offset >= 0 && offset % 64 == 0 && (chain != nil || offset == 0), "SHA-256 resumes only at a 64-byte boundary")
        precondition(finishing || bytes.count % 64 == 0, "a chaining value exists only at a 64-byte boundary")
        var context = SHA256_CTX()
        var out = [UInt8](repeating: 0, count: 32)
        withUnsafeMutablePointer(to: &context) { pointer in
            start(pointer, chain: chain, offset: offset)
            if bytes.count > 0, let base = bytes.baseAddress { COpenSSL_sha256_update(pointer, base, bytes.count) }
            if finishing {
                COpenSSL_sha256_finish(pointer, &out)
            } else {
                _ = COpenSSL_sha256_chain(pointer, &out)
            }
        }
        return ContentID(digest: out)
    }

    private static func start(_ context: UnsafeMutablePointer<SHA256_CTX>, chain: ContentID?, offset: Int) {
        if let chain {
            chain.bytes.withUnsafeBufferPointer { COpenSSL_sha256_start(context, $0.baseAddress, UInt64(offset)) }
        } else {
            COpenSSL_sha256_start(context, nil, 0)
        }
    }
}
