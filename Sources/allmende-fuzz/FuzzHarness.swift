// FuzzHarness.swift: allmende-fuzz. libFuzzer entry point for every decoder of untrusted bytes.
// Built only with ALLMENDE_FUZZ=1 (Package.swift), with `--sanitize=fuzzer --sanitize=address`; run by
// Scripts/fuzz.sh. The decoder family is chosen with ALLMENDE_FUZZ_TARGET (see `FuzzTarget`).

import AllmendeSystem
#if canImport(Glibc)
import Glibc
#endif

/// The one decoder family this process fuzzes, read once from ALLMENDE_FUZZ_TARGET.
let selectedTarget: FuzzTarget = {
    let name = getenv("ALLMENDE_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        printError("allmende-fuzz: set ALLMENDE_FUZZ_TARGET to one of: \(known)")
        exit(2)
    }
    return target
}()

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<CInt>?, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>?) -> CInt {
    _ = selectedTarget
    atexit {
        for folder in FuzzTarget.scratchFolders() { _ = try? FileSystem.removeTree(folder) }
    }
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = size == 0 ? [] : Array(UnsafeBufferPointer(start: data, count: size))
    selectedTarget.run(bytes)
    return 0
}

/// Stops the run when a property that must hold does not (libFuzzer saves the input as a crash).
func require(_ condition: Bool, _ message: @autoclosure () -> String) {
    if !condition {
        printError("allmende-fuzz: property failed: \(message())")
        abort()
    }
}

/// Writes a line to standard error.
func printError(_ text: String) {
    let bytes = Array((text + "\n").utf8)
    _ = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
}
