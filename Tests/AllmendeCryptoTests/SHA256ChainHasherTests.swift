// SHA256ChainHasherTests.swift: stopping SHA-256 at a block boundary and resuming from the chaining value.

import AllmendeCrypto
import AllmendeTestSupport
import Testing

@Suite("SHA-256 chaining value")
struct SHA256ChainHasherTests {
    @Test("resuming from any 64-byte boundary gives the same digest as hashing in one go", arguments: [0, 64, 128, 4096, 65_536])
    func resume(split: Int) {
        let data = pseudoRandomBytes(count: 70_000, seed: UInt64(split))
        let first = SHA256ChainHasher()
        data[0..<split].withUnsafeBytes { first.update($0) }
        let chain = first.chainValue()
        let second = SHA256ChainHasher(resumingFrom: split == 0 ? nil : chain, atOffset: split)
        data[split...].withUnsafeBytes { second.update($0) }
        #expect(second.finalize() == SHA256Hasher.hash(data))
        #expect(data[split...].withUnsafeBytes {
            SHA256ChainHasher.advance(from: split == 0 ? nil : chain, atOffset: split, over: $0, finishing: true)
        } == SHA256Hasher.hash(data))
    }

    @Test("the chaining value at the start is SHA-256's initial value (FIPS 180-4 §5.3.3)")
    func initialValue() {
        #expect(SHA256ChainHasher().chainValue().hex ==
            "6a09e667bb67ae853c6ef372a54ff53a510e527f9b05688c1f83d9ab5be0cd19")
    }

    @Test("advancing over consecutive pieces composes, and differs for different bytes")
    func compose() {
        let data = pseudoRandomBytes(count: 3 * 4096, seed: 5)
        let whole = data.withUnsafeBytes { SHA256ChainHasher.advance(from: nil, atOffset: 0, over: $0, finishing: false) }
        let firstTwo = data[0..<8192].withUnsafeBytes { SHA256ChainHasher.advance(from: nil, atOffset: 0, over: $0, finishing: false) }
        let rest = data[8192...].withUnsafeBytes { SHA256ChainHasher.advance(from: firstTwo, atOffset: 8192, over: $0, finishing: false) }
        #expect(rest == whole)
        var changed = data
        changed[5000] ^= 0x80
        #expect(changed.withUnsafeBytes { SHA256ChainHasher.advance(from: nil, atOffset: 0, over: $0, finishing: false) } != whole)
        // The same bytes at another offset finish to another digest (the length is part of the padding).
        let atZero = data[8192...].withUnsafeBytes { SHA256ChainHasher.advance(from: firstTwo, atOffset: 0, over: $0, finishing: true) }
        let atRight = data[8192...].withUnsafeBytes { SHA256ChainHasher.advance(from: firstTwo, atOffset: 8192, over: $0, finishing: true) }
        #expect(atZero != atRight)
        #expect(atRight == SHA256Hasher.hash(data))
    }
}
