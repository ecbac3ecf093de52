// SHA256ChainLanesTests.swift: the 16-lane SHA-256 kernel against the NIST vectors and against OpenSSL.

import AllmendeCrypto
import AllmendeTestSupport
import Testing

@Suite("SHA-256 in 16 lanes")
struct SHA256ChainLanesTests {
    /// The kernels to check: the portable build everywhere, the AVX-512 build where the CPU has it.
    static let kernels: [SHA256ChainLanes.Engine] = SHA256ChainLanes.cpuHasAVX512 ? [.portable, .avx512] : [.portable]

    /// A message padded as FIPS 180-4 §5.1.1 says, so its chaining value after the last block is its digest.
    static func padded(_ message: [UInt8]) -> [UInt8] {
        var bytes = message + [0x80]
        while bytes.count % 64 != 56 { bytes.append(0) }
        let bits = UInt64(message.count) * 8
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: bits >> UInt64(shift))) }
        return bytes
    }

    @Test("each NIST / FIPS 180 vector, padded, gives its digest in every lane", arguments: kernels)
    func publishedVectors(_ engine: SHA256ChainLanes.Engine) throws {
        for vector in try SHA256HasherTests.vectors() {
            let message = Self.padded(vector.input)
            let values = message.withUnsafeBytes { bytes in
                SHA256ChainLanes.chainValues(after: Array(repeating: .init(start: nil, offset: 0, bytes: bytes), count: 16), using: engine)
            }
            #expect(values.count == 16)
            #expect(values.allSatisfy { $0.hex == vector.expected }, "\(vector.name)")
        }
    }

    @Test("sixteen different runs from different chaining values equal OpenSSL's, lane by lane", arguments: kernels)
    func matchesOpenSSL(_ engine: SHA256ChainLanes.Engine) {
        let length = 4096
        let data = pseudoRandomBytes(count: 16 * length, seed: 16)
        let starts = (0..<16).map { lane -> ContentID? in
            lane == 3 ? nil : SHA256Hasher.hash(pseudoRandomBytes(count: 32, seed: UInt64(100 + lane)))
        }
        data.withUnsafeBytes { all in
            let runs = (0..<16).map { lane in
                SHA256ChainLanes.Run(start: starts[lane], offset: starts[lane] == nil ? 0 : 64 * lane,
                                     bytes: UnsafeRawBufferPointer(rebasing: all[(lane * length)..<((lane + 1) * length)]))
            }
            let expected = SHA256ChainLanes.chainValues(after: runs, using: .openSSL)
            #expect(Set(expected).count == 16)
            #expect(SHA256ChainLanes.chainValues(after: runs, using: engine) == expected)
            // Fewer runs than lanes: the unused lanes are ignored.
            for count in [1, 7, 8, 15] {
                #expect(SHA256ChainLanes.chainValues(after: Array(runs.prefix(count)), using: engine) == Array(expected.prefix(count)))
            }
            // The chosen engine, whichever it is, gives the same values.
            #expect(SHA256ChainLanes.chainValues(after: runs) == expected)
        }
    }

    @Test("a flipped bit changes only its own lane", arguments: kernels)
    func laneIndependence(_ engine: SHA256ChainLanes.Engine) {
        var data = pseudoRandomBytes(count: 16 * 128, seed: 9)
        func values() -> [ContentID] {
            data.withUnsafeBytes { all in
                SHA256ChainLanes.chainValues(after: (0..<16).map { lane in
                    .init(start: nil, offset: 0, bytes: UnsafeRawBufferPointer(rebasing: all[(lane * 128)..<((lane + 1) * 128)]))
                }, using: engine)
            }
        }
        let before = values()
        data[5 * 128 + 100] ^= 0x01
        let after = values()
        #expect(after[5] != before[5])
        #expect((0..<16).filter { $0 != 5 }.allSatisfy { after[$0] == before[$0] })
    }

    @Test("empty runs leave the starting values")
    func emptyRuns() {
        let start = SHA256Hasher.hash([1, 2, 3])
        let values = SHA256ChainLanes.chainValues(after: Array(repeating: .init(start: start, offset: 64, bytes: UnsafeRawBufferPointer(start: nil, count: 0)), count: 9))
        #expect(values == Array(repeating: start, count: 9))
        #expect(SHA256ChainLanes.chainValues(after: []) == [])
    }
}
