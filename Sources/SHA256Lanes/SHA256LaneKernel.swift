// SHA256LaneKernel.swift: SHA256Lanes. The SHA-256 compression function run on 16 messages at once, one per
// SIMD lane. Pure Swift, no I/O.

/// Sixteen SHA-256 computations side by side: lane `i` of every vector belongs to message `i`.
///
/// The chunk index (Protocol/chunk-index.md) lets every chunk be checked on its own from the chaining value
/// before it, so a batch of chunks is sixteen independent SHA-256 runs of equal length. With 512-bit vectors
/// (AVX-512: rotates and three-input logic are one instruction each) the sixteen together run about twice as
/// fast as one SHA-NI hash. The body is `@inlinable` so that the module built for AVX-512
/// (`SHA256LanesAVX512`) compiles it with those instructions; compiled here, for any x86-64 or ARM CPU, it is a
/// slow but exact reference that tests compare with OpenSSL.
public enum SHA256LaneKernel {
    /// Sixteen 32-bit words, one per lane.
    public typealias Word = SIMD16<UInt32>

    /// Messages processed at once.
    public static let laneCount = 16

    /// Runs `blockCount` 64-byte blocks of each lane through the compression function.
    ///
    /// `state` points at 8 words (SHA-256's a…h) whose lane `i` is message `i`'s chaining value; it is updated in
    /// place. `lanes[i]` points at message `i`'s next `blockCount × 64` bytes; `constants` at SHA-256's 64 round
    /// constants (`roundConstants`).
    @inlinable @inline(__always)
    public static func compress(
        state: UnsafeMutablePointer<Word>, lanes: UnsafePointer<UnsafeRawPointer>, blockCount: Int, constants: UnsafePointer<UInt32>
    ) {
        var h0 = state[0], h1 = state[1], h2 = state[2], h3 = state[3]
        var h4 = state[4], h5 = state[5], h6 = state[6], h7 = state[7]
        var offset = 0
        for _ in 0..<blockCount {
            var w0 = Word(), w1 = Word(), w2 = Word(), w3 = Word(), w4 = Word(), w5 = Word(), w6 = Word(), w7 = Word()
            var w8 = Word(), w9 = Word(), w10 = Word(), w11 = Word(), w12 = Word(), w13 = Word(), w14 = Word(), w15 = Word()
            loadTransposed(lanes, offset, &w0, &w1, &w2, &w3, &w4, &w5, &w6, &w7, &w8, &w9, &w10, &w11, &w12, &w13, &w14, &w15)
            var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7
            // Rounds 0–15 use the message words as loaded; the roles of a…h rotate by one each round.
            round(a, b, c, &d, e, f, g, &h, w0 &+ Word(repeating: constants[0]))
            round(h, a, b, &c, d, e, f, &g, w1 &+ Word(repeating: constants[1]))
            round(g, h, a, &b, c, d, e, &f, w2 &+ Word(repeating: constants[2]))
            round(f, g, h, &a, b, c, d, &e, w3 &+ Word(repeating: constants[3]))
            round(e, f, g, &h, a, b, c, &d, w4 &+ Word(repeating: constants[4]))
            round(d, e, f, &g, h, a, b, &c, w5 &+ Word(repeating: constants[5]))
            round(c, d, e, &f, g, h, a, &b, w6 &+ Word(repeating: constants[6]))
            round(b, c, d, &e, f, g, h, &a, w7 &+ Word(repeating: constants[7]))
            round(a, b, c, &d, e, f, g, &h, w8 &+ Word(repeating: constants[8]))
            round(h, a, b, &c, d, e, f, &g, w9 &+ Word(repeating: constants[9]))
            round(g, h, a, &b, c, d, e, &f, w10 &+ Word(repeating: constants[10]))
            round(f, g, h, &a, b, c, d, &e, w11 &+ Word(repeating: constants[11]))
            round(e, f, g, &h, a, b, c, &d, w12 &+ Word(repeating: constants[12]))
            round(d, e, f, &g, h, a, b, &c, w13 &+ Word(repeating: constants[13]))
            round(c, d, e, &f, g, h, a, &b, w14 &+ Word(repeating: constants[14]))
            round(b, c, d, &e, f, g, h, &a, w15 &+ Word(repeating: constants[15]))
            // Rounds 16–63: the 16 words are a ring; word t replaces word t − 16 (FIPS 180-4 §6.2.2 step 1).
            var k = constants + 16
            for _ in 0..<3 {
                w0 = schedule(w0, w1, w9, w14); round(a, b, c, &d, e, f, g, &h, w0 &+ Word(repeating: k[0]))
                w1 = schedule(w1, w2, w10, w15); round(h, a, b, &c, d, e, f, &g, w1 &+ Word(repeating: k[1]))
                w2 = schedule(w2, w3, w11, w0); round(g, h, a, &b, c, d, e, &f, w2 &+ Word(repeating: k[2]))
                w3 = schedule(w3, w4, w12, w1); round(f, g, h, &a, b, c, d, &e, w3 &+ Word(repeating: k[3]))
                w4 = schedule(w4, w5, w13, w2); round(e, f, g, &h, a, b, c, &d, w4 &+ Word(repeating: k[4]))
                w5 = schedule(w5, w6, w14, w3); round(d, e, f, &g, h, a, b, &c, w5 &+ Word(repeating: k[5]))
                w6 = schedule(w6, w7, w15, w4); round(c, d, e, &f, g, h, a, &b, w6 &+ Word(repeating: k[6]))
                w7 = schedule(w7, w8, w0, w5); round(b, c, d, &e, f, g, h, &a, w7 &+ Word(repeating: k[7]))
                w8 = schedule(w8, w9, w1, w6); round(a, b, c, &d, e, f, g, &h, w8 &+ Word(repeating: k[8]))
                w9 = schedule(w9, w10, w2, w7); round(h, a, b, &c, d, e, f, &g, w9 &+ Word(repeating: k[9]))
                w10 = schedule(w10, w11, w3, w8); round(g, h, a, &b, c, d, e, &f, w10 &+ Word(repeating: k[10]))
                w11 = schedule(w11, w12, w4, w9); round(f, g, h, &a, b, c, d, &e, w11 &+ Word(repeating: k[11]))
                w12 = schedule(w12, w13, w5, w10); round(e, f, g, &h, a, b, c, &d, w12 &+ Word(repeating: k[12]))
                w13 = schedule(w13, w14, w6, w11); round(d, e, f, &g, h, a, b, &c, w13 &+ Word(repeating: k[13]))
                w14 = schedule(w14, w15, w7, w12); round(c, d, e, &f, g, h, a, &b, w14 &+ Word(repeating: k[14]))
                w15 = schedule(w15, w0, w8, w13); round(b, c, d, &e, f, g, h, &a, w15 &+ Word(repeating: k[15]))
                k += 16
            }
            h0 &+= a; h1 &+= b; h2 &+= c; h3 &+= d; h4 &+= e; h5 &+= f; h6 &+= g; h7 &+= h
            offset &+= 64
        }
        state[0] = h0; state[1] = h1; state[2] = h2; state[3] = h3
        state[4] = h4; state[5] = h5; state[6] = h6; state[7] = h7
    }

    /// One SHA-256 round; `kw` is the round constant plus the message word.
    @inlinable @inline(__always)
    static func round(_ a: Word, _ b: Word, _ c: Word, _ d: inout Word, _ e: Word, _ f: Word, _ g: Word, _ h: inout Word, _ kw: Word) {
        let t1 = h &+ (rotateRight(e, 6) ^ rotateRight(e, 11) ^ rotateRight(e, 25)) &+ ((e & f) ^ (~e & g)) &+ kw
        d &+= t1
        h = t1 &+ (rotateRight(a, 2) ^ rotateRight(a, 13) ^ rotateRight(a, 22)) &+ ((a & b) | (c & (a | b)))
    }

    /// Message word t from words t − 16, t − 15, t − 7 and t − 2.
    @inlinable @inline(__always)
    static func schedule(_ w16: Word, _ w15: Word, _ w7: Word, _ w2: Word) -> Word {
        w16 &+ (rotateRight(w15, 7) ^ rotateRight(w15, 18) ^ (w15 &>> 3)) &+ w7
            &+ (rotateRight(w2, 17) ^ rotateRight(w2, 19) ^ (w2 &>> 10))
    }

    @inlinable @inline(__always)
    static func rotateRight(_ x: Word, _ n: UInt32) -> Word {
        (x &>> Word(repeating: n)) | (x &<< Word(repeating: 32 &- n))
    }

    /// Big-endian words to host order.
    @inlinable @inline(__always)
    static func byteSwapped(_ x: Word) -> Word {
        let mask = Word(repeating: 0x00ff_00ff)
        return rotateRight(x & mask, 8) | rotateRight(x & ~mask, 24)
    }

    /// Loads block `offset` of every lane and transposes the 16 × 16 words, so that `w_t`'s lane `i` is word `t`
    /// of lane `i`'s block: four perfect unshuffles of the rows (each moves an element's row-index bit into its
    /// column index) turn rows into columns.
    @inlinable @inline(__always)
    static func loadTransposed(
        _ lanes: UnsafePointer<UnsafeRawPointer>, _ offset: Int,
        _ w0: inout Word, _ w1: inout Word, _ w2: inout Word, _ w3: inout Word, _ w4: inout Word, _ w5: inout Word,
        _ w6: inout Word, _ w7: inout Word, _ w8: inout Word, _ w9: inout Word, _ w10: inout Word, _ w11: inout Word,
        _ w12: inout Word, _ w13: inout Word, _ w14: inout Word, _ w15: inout Word
    ) {
        var r0 = lanes[0].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r1 = lanes[1].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r2 = lanes[2].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r3 = lanes[3].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r4 = lanes[4].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r5 = lanes[5].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r6 = lanes[6].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r7 = lanes[7].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r8 = lanes[8].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r9 = lanes[9].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r10 = lanes[10].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r11 = lanes[11].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r12 = lanes[12].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r13 = lanes[13].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r14 = lanes[14].loadUnaligned(fromByteOffset: offset, as: Word.self)
        var r15 = lanes[15].loadUnaligned(fromByteOffset: offset, as: Word.self)
        for _ in 0..<4 {
            (r0, r1, r2, r3, r4, r5, r6, r7, r8, r9, r10, r11, r12, r13, r14, r15) = (
                Word(lowHalf: r0.evenHalf, highHalf: r1.evenHalf), Word(lowHalf: r2.evenHalf, highHalf: r3.evenHalf),
                Word(lowHalf: r4.evenHalf, highHalf: r5.evenHalf), Word(lowHalf: r6.evenHalf, highHalf: r7.evenHalf),
                Word(lowHalf: r8.evenHalf, highHalf: r9.evenHalf), Word(lowHalf: r10.evenHalf, highHalf: r11.evenHalf),
                Word(lowHalf: r12.evenHalf, highHalf: r13.evenHalf), Word(lowHalf: r14.evenHalf, highHalf: r15.evenHalf),
                Word(lowHalf: r0.oddHalf, highHalf: r1.oddHalf), Word(lowHalf: r2.oddHalf, highHalf: r3.oddHalf),
                Word(lowHalf: r4.oddHalf, highHalf: r5.oddHalf), Word(lowHalf: r6.oddHalf, highHalf: r7.oddHalf),
                Word(lowHalf: r8.oddHalf, highHalf: r9.oddHalf), Word(lowHalf: r10.oddHalf, highHalf: r11.oddHalf),
                Word(lowHalf: r12.oddHalf, highHalf: r13.oddHalf), Word(lowHalf: r14.oddHalf, highHalf: r15.oddHalf))
        }
        w0 = byteSwapped(r0); w1 = byteSwapped(r1); w2 = byteSwapped(r2); w3 = byteSwapped(r3)
        w4 = byteSwapped(r4); w5 = byteSwapped(r5); w6 = byteSwapped(r6); w7 = byteSwapped(r7)
        w8 = byteSwapped(r8); w9 = byteSwapped(r9); w10 = byteSwapped(r10); w11 = byteSwapped(r11)
        w12 = byteSwapped(r12); w13 = byteSwapped(r13); w14 = byteSwapped(r14); w15 = byteSwapped(r15)
    }

    /// SHA-256's round constants K₀…K₆₃ (FIPS 180-4 §4.2.2).
    public static let roundConstants: [UInt32] = [
        0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
        0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
        0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
        0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
        0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
        0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
        0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
        0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
    ]

    /// SHA-256's initial chaining value H⁽⁰⁾ (FIPS 180-4 §5.3.3).
    public static let initialValue: [UInt32] = [
        0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19,
    ]

    /// The kernel compiled for any CPU (no AVX-512): exact, slow; the reference the fast build is tested against.
    public static func compressPortable(
        state: UnsafeMutablePointer<Word>, lanes: UnsafePointer<UnsafeRawPointer>, blockCount: Int, constants: UnsafePointer<UInt32>
    ) {
        compress(state: state, lanes: lanes, blockCount: blockCount, constants: constants)
    }
}
