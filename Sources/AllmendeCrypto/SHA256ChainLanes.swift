// SHA256ChainLanes.swift: AllmendeCrypto. Up to 16 SHA-256 chaining values computed side by side.

import Foundation
import SHA256Lanes
import SHA256LanesAVX512

/// Advances up to 16 independent SHA-256 runs of equal length at once (one per SIMD lane).
///
/// What the chunk index needs when many chunks are checked together: each chunk is a run from the chaining value
/// before it (Protocol/chunk-index.md). On CPUs with AVX-512 the 16-lane kernel checks 16 chunks in about half the
/// time SHA-NI takes for them one after the other; elsewhere, and for batches too small to gain, each run goes
/// through OpenSSL. The result is the same either way.
public enum SHA256ChainLanes {
    /// One run: `bytes` (a multiple of 64) hashed from chaining value `start` reached at byte `offset` of its message.
    public struct Run: @unchecked Sendable {   // a borrowed buffer, like UnsafeRawBufferPointer itself
        public var start: ContentID?
        public var offset: Int
        public var bytes: UnsafeRawBufferPointer

        public init(start: ContentID?, offset: Int, bytes: UnsafeRawBufferPointer) {
            self.start = start
            self.offset = offset
            self.bytes = bytes
        }
    }

    /// How the runs are hashed.
    public enum Engine: String, Sendable, CaseIterable {
        /// OpenSSL, one run after the other (SHA-NI where present).
        case openSSL = "openssl"
        /// The 16-lane kernel built for AVX-512.
        case avx512 = "avx512"
        /// The 16-lane kernel built for any CPU: exact but slow; for tests.
        case portable = "portable"
    }

    /// Runs hashed at once.
    public static let width = SHA256LaneKernel.laneCount

    /// Fewer runs than this go through OpenSSL even when AVX-512 is there: the kernel costs the same for 1 or 16 lanes.
    public static let minimumAcceleratedRuns = 8

    /// Whether this CPU runs the AVX-512 kernel (`ALLMENDE_SHA256_LANES=openssl` in the environment turns it off).
    public static let isAccelerated: Bool = {
        if ProcessInfo.processInfo.environment["ALLMENDE_SHA256_LANES"] == Engine.openSSL.rawValue { return false }
        return cpuHasAVX512
    }()

    /// Whether the CPU and kernel offer the AVX-512 subsets the kernel is compiled with (Linux: /proc/cpuinfo).
    public static let cpuHasAVX512: Bool = {
        #if arch(x86_64)
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let flagsLine = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }) else { return false }
        let flags = Set(flagsLine.split(separator: " ").map(String.init))
        return ["avx2", "bmi2", "avx512f", "avx512bw", "avx512cd", "avx512dq", "avx512vl"].allSatisfy(flags.contains)
        #else
        return false
        #endif
    }()

    /// The engine `chainValues(after:)` uses for `count` runs.
    public static func engine(forRuns count: Int) -> Engine {
        isAccelerated && count >= minimumAcceleratedRuns ? .avx512 : .openSSL
    }

    /// The chaining value after each run, in order. At most `width` runs, all of the same length (a multiple of 64).
    public static func chainValues(after runs: [Run], using engine: Engine? = nil) -> [ContentID] {
        precondition(runs.count <= width, "at most \(width) runs at once")
        guard let length = runs.first?.bytes.count else { return [] }
        precondition(length % 64 == 0 && runs.allSatisfy { $0.bytes.count == length }, "runs of one length, a multiple of 64 bytes")
        let chosen = engine ?? self.engine(forRuns: runs.count)
        if chosen == .openSSL || length == 0 || (chosen == .avx512 && !cpuHasAVX512) {
            return runs.map { SHA256ChainHasher.advance(from: $0.start, atOffset: $0.offset, over: $0.bytes, finishing: false) }
        }
        return withUnsafeTemporaryAllocation(of: SHA256LaneKernel.Word.self, capacity: 8) { state in
            withUnsafeTemporaryAllocation(of: UnsafeRawPointer.self, capacity: width) { lanes in
                for word in 0..<8 {
                    var vector = SHA256LaneKernel.Word(repeating: SHA256LaneKernel.initialValue[word])
                    for (lane, run) in runs.enumerated() {
                        if let start = run.start { vector[lane] = start.word(word) }
                    }
                    state.initializeElement(at: word, to: vector)
                }
                // Unused lanes repeat the first run; their results are dropped.
                for lane in 0..<width {
                    guard let base = runs[lane < runs.count ? lane : 0].bytes.baseAddress else { preconditionFailure("a run of \(length) bytes has no address") }
                    lanes.initializeElement(at: lane, to: base)
                }
                SHA256LaneKernel.roundConstants.withUnsafeBufferPointer { constants in
                    guard let state = state.baseAddress, let lanes = lanes.baseAddress, let constants = constants.baseAddress else { return }
                    if chosen == .avx512 {
                        sha256CompressLanesAVX512(state: state, lanes: lanes, blockCount: length / 64, constants: constants)
                    } else {
                        SHA256LaneKernel.compressPortable(state: state, lanes: lanes, blockCount: length / 64, constants: constants)
                    }
                }
                return (0..<runs.count).map { lane in
                    var digest = [UInt8]()
                    digest.reserveCapacity(32)
                    for word in 0..<8 {
                        let value = state[word][lane]
                        digest += [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
                    }
                    return ContentID(digest: digest)
                }
            }
        }
    }
}

extension ContentID {
    /// Big-endian 32-bit word `index` (0…7) of the value: a chaining value's word of SHA-256 state.
    fileprivate func word(_ index: Int) -> UInt32 {
        let base = index * 4
        return UInt32(bytes[base]) << 24 | UInt32(bytes[base + 1]) << 16 | UInt32(bytes[base + 2]) << 8 | UInt32(bytes[base + 3])
    }
}
