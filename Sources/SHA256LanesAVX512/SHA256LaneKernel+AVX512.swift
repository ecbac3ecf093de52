// SHA256LaneKernel+AVX512.swift: SHA256LanesAVX512. The 16-lane SHA-256 kernel compiled for AVX-512.
//
// This module alone is built with `-target-cpu skylake-avx512` (Package.swift), so its code may use AVX-512
// instructions anywhere: call it only when `SHA256Lanes.isAccelerated` says the CPU has them. It holds one
// function and uses no generic code of its own, so nothing compiled here can be shared with, and run by,
// code of other modules.

import SHA256Lanes

/// `SHA256LaneKernel.compress` built with AVX-512 instructions; only for CPUs that have AVX-512 F, BW, CD, DQ and VL.
public func sha256CompressLanesAVX512(
    state: UnsafeMutablePointer<SIMD16<UInt32>>, lanes: UnsafePointer<UnsafeRawPointer>, blockCount: Int, constants: UnsafePointer<UInt32>
) {
    SHA256LaneKernel.compress(state: state, lanes: lanes, blockCount: blockCount, constants: constants)
}
