// swift-tools-version:6.0
// Allmende: a peer-to-peer node for open-source hardware designs.
// No Swift package dependencies: Foundation, Dispatch, Synchronization and OpenSSL (system library) only.
import PackageDescription

/// Every Swift target is built in language mode 6 with warnings treated as errors.
let strict: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors"])]
/// The SHA-256 lane kernel is optimised even in debug builds: unoptimised SIMD code is ~100x slower.
let kernel: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors", "-O"])]
#if arch(x86_64)
/// Only the one-function module `SHA256LanesAVX512` is built for AVX-512; it runs only where the CPU has it.
let avx512Kernel: [SwiftSetting] = [.unsafeFlags(["-warnings-as-errors", "-O", "-target-cpu", "skylake-avx512"])]
#else
let avx512Kernel: [SwiftSetting] = kernel
#endif

/// Fuzz harnesses exist only when ALLMENDE_FUZZ=1: they need libFuzzer (`--sanitize=fuzzer`) to link, so a
/// plain `swift build` or `swift test` never sees them. Scripts/fuzz.sh sets it.
let fuzzing = Context.environment["ALLMENDE_FUZZ"] == "1"

let package = Package(
    name: "Allmende",
    products: [
        .executable(name: "allmende", targets: ["allmende"]),
        .executable(name: "allmende-bench", targets: ["allmende-bench"]),
    ],
    targets: (fuzzing ? [
        .executableTarget(
            name: "allmende-fuzz",
            dependencies: ["AllmendeCrypto", "AllmendeHTTP", "AllmendeModel", "AllmendeNode", "AllmendeStore", "AllmendeSystem", "AllmendeTOML", "AllmendeWire",
                           "CanonicalJSON", "AllmendePlaces"],
            swiftSettings: [.unsafeFlags(["-warnings-as-errors", "-parse-as-library"])]
        ),
    ] : []) + [
        .systemLibrary(
            name: "COpenSSL",
            path: "Sources/COpenSSL",
            pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"]), .brew(["openssl@3"])]
        ),
        .target(name: "AllmendeSystem", swiftSettings: strict),
        .target(name: "SHA256Lanes", swiftSettings: kernel),
        .target(name: "SHA256LanesAVX512", dependencies: ["SHA256Lanes"], swiftSettings: avx512Kernel),
        .target(name: "AllmendeCrypto", dependencies: ["COpenSSL", "SHA256Lanes", "SHA256LanesAVX512"], swiftSettings: strict),
        .target(name: "CanonicalJSON", swiftSettings: strict),
        .target(name: "AllmendeHTTP", swiftSettings: strict),
        .target(name: "AllmendeZIP", swiftSettings: strict),
        .target(name: "AllmendeTOML", swiftSettings: strict),
        .target(name: "AllmendeModel", dependencies: ["AllmendeCrypto", "CanonicalJSON", "AllmendeTOML"], swiftSettings: strict),
        .target(name: "AllmendePlaces", dependencies: ["AllmendeModel", "AllmendeStore"], swiftSettings: strict),
        .target(name: "AllmendeWire", dependencies: ["AllmendeCrypto"], swiftSettings: strict),
        .target(name: "AllmendeNode", dependencies: ["AllmendeWire", "AllmendeCrypto"], swiftSettings: strict),
        .target(name: "AllmendeTLS", dependencies: ["COpenSSL", "AllmendeCrypto", "AllmendeSystem"], swiftSettings: strict),
        .target(
            name: "AllmendeStore", dependencies: ["AllmendeSystem", "AllmendeCrypto", "AllmendeModel", "CanonicalJSON", "AllmendeZIP"],
            swiftSettings: strict
        ),
        .target(
            name: "AllmendeRuntime",
            dependencies: ["AllmendeSystem", "AllmendeCrypto", "AllmendeTLS", "AllmendeWire", "AllmendeNode", "AllmendeStore", "AllmendeModel",
                           "CanonicalJSON", "AllmendeHTTP", "AllmendeZIP", "AllmendePlaces"],
            swiftSettings: strict
        ),
        .target(
            name: "AllmendeCLI",
            dependencies: ["AllmendeSystem", "AllmendeCrypto", "AllmendeStore", "AllmendeModel", "CanonicalJSON", "AllmendeRuntime", "AllmendeNode",
                           "AllmendePlaces"],
            swiftSettings: strict
        ),
        .executableTarget(name: "allmende", dependencies: ["AllmendeCLI"], swiftSettings: strict),
        .executableTarget(
            name: "allmende-bench",
            dependencies: ["AllmendeSystem", "AllmendeCrypto", "AllmendeStore", "AllmendeTLS", "AllmendeNode", "AllmendeModel", "CanonicalJSON"],
            swiftSettings: strict
        ),
        .target(
            name: "AllmendeTestSupport",
            dependencies: ["AllmendeSystem", "CanonicalJSON"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeSystemTests",
            dependencies: ["AllmendeSystem", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeCryptoTests",
            dependencies: ["AllmendeCrypto", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CanonicalJSONTests",
            dependencies: ["CanonicalJSON", "AllmendeCrypto", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeModelTests",
            dependencies: ["AllmendeModel", "AllmendeCrypto", "CanonicalJSON", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeNodeTests",
            dependencies: ["AllmendeNode", "AllmendeWire", "AllmendeCrypto", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeRuntimeTests",
            dependencies: ["AllmendeRuntime", "AllmendeStore", "AllmendeModel", "AllmendeCrypto", "AllmendeSystem", "AllmendeWire",
                           "AllmendeNode", "AllmendeTLS", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeTLSTests",
            dependencies: ["AllmendeTLS", "AllmendeCrypto", "AllmendeSystem", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeHTTPTests",
            dependencies: ["AllmendeHTTP", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendePlacesTests",
            dependencies: ["AllmendePlaces", "AllmendeModel", "AllmendeCrypto", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeZIPTests",
            dependencies: ["AllmendeZIP", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeTOMLTests",
            dependencies: ["AllmendeTOML", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeWireTests",
            dependencies: ["AllmendeWire", "AllmendeCrypto", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeStoreTests",
            dependencies: ["AllmendeStore", "AllmendeCrypto", "AllmendeSystem", "AllmendeModel", "AllmendeTestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AllmendeCLITests",
            dependencies: [
                "AllmendeCLI", "AllmendeStore", "AllmendeCrypto", "AllmendeModel", "CanonicalJSON", "AllmendeTestSupport", "allmende", "AllmendeNode", "AllmendeRuntime", "AllmendeSystem",
            ],
            exclude: ["Golden"],
            swiftSettings: strict
        ),
    ]
)
