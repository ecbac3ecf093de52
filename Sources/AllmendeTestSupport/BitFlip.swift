// BitFlip.swift: AllmendeTestSupport. Damage on disk, one bit at a time, as a failing disk or cosmic ray would.

import AllmendeSystem
#if canImport(Glibc)
import Glibc
#endif

/// Flips bit `bit` (0–7) of the byte at `offset` in the file at `path`, whatever its mode.
public func flipBit(_ bit: Int, at offset: Int, in path: String) throws {
    chmod(path, 0o600)
    let descriptor = try FileDescriptor.open(path, O_RDWR)
    defer { descriptor.close() }
    var byte: [UInt8] = [0]
    guard try byte.withUnsafeMutableBytes({ try descriptor.readFully(into: $0, atOffset: offset) }) == 1 else {
        throw SystemError(operation: "flip a bit past the end of", path: path, errno: EINVAL)
    }
    byte[0] ^= UInt8(1) << UInt8(bit & 7)
    guard byte.withUnsafeBytes({ pwrite(descriptor.rawValue, $0.baseAddress, 1, off_t(offset)) }) == 1 else {
        throw SystemError.current("pwrite", path: path)
    }
}

/// Offsets and bit numbers for `count` flips in a file of `size` bytes, the same for the same `seed`.
public func bitFlips(count: Int, size: Int, seed: UInt64) -> [(offset: Int, bit: Int)] {
    let random = pseudoRandomBytes(count: count * 4, seed: seed)
    return (0..<count).map { index in
        (random[(index * 4)..<(index * 4 + 3)].reduce(0) { $0 << 8 | Int($1) } % max(size, 1), Int(random[index * 4 + 3] % 8))
    }
}
