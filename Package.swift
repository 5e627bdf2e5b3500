// swift-tools-version:6.0
// UltraAD: few-shot CLIP adaptation for breast-ultrasound anomaly detection, trained
// across ZeroMQ-connected worker processes. See ../shared/DESIGN.md for the layout.
import PackageDescription

// x86-64: SSE4.2 for the hardware CRC-32C of message payloads (Wire/CRC32C.swift); every
// x86-64 CPU since 2009 has it. Elsewhere CRC-32C falls back to a table.
#if arch(x86_64)
let hardwareCRC: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msse4.2"])]
#else
let hardwareCRC: [SwiftSetting] = []
#endif

let package = Package(
    name: "UltraAD",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ultraad", targets: ["Coordinator"]),
        .executable(name: "ultraad-worker", targets: ["Worker"]),
        .library(name: "Shared", targets: ["Shared"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    ],
    targets: [
        // System libraries from Debian; each module map names its link library.
        .systemLibrary(name: "CBLAS",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CZMQ",
                       providers: [.apt(["libzmq3-dev"])]),
        .systemLibrary(name: "CLZ4",
                       providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CPNG",
                       providers: [.apt(["libpng-dev"])]),
        // zlib reads open_clip's gzipped BPE vocabulary (libpng depends on it already).
        .systemLibrary(name: "CZlib",
                       providers: [.apt(["zlib1g-dev"])]),
        .target(
            name: "Shared",
            dependencies: [
                "CBLAS", "CZMQ", "CLZ4", "CPNG", "CZlib",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            // The numeric code (CLIP, the head, metrics) is 30-100x slower unoptimized, which
            // would make the end-to-end tests of the debug build take many minutes: Shared is
            // optimized in debug builds too (tests still see its internals: -enable-testing).
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))] + hardwareCRC
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "Worker",
            dependencies: [
                "Shared",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            // A release worker links the Swift runtime and Foundation statically: it starts
            // in about half the time (fewer symbols to bind), which a one-shot
            // `ultraad-worker replay` pays twice (it restarts itself once, see Memory.swift).
            swiftSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))],
            linkerSettings: [.unsafeFlags(["-static-stdlib"], .when(configuration: .release))]
        ),
        // What the test targets share: finding and starting the built executables, temporary
        // folders, test data builders, and the committed fixtures (its resource).
        .target(
            name: "TestSupport",
            dependencies: ["Shared", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")]
        ),
        // Unit tests of the library: none runs our executables (LZ4Tests runs the lz4 tool).
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "TestSupport"]
        ),
        // Unit tests of the coordinator's own logic (an executable target, testable on Linux).
        .testTarget(
            name: "CoordinatorTests",
            dependencies: [
                "Coordinator", "Shared", "TestSupport",
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The built `ultraad` and `ultraad-worker` run as processes, on real sockets.
        .testTarget(
            name: "EndToEndTests",
            dependencies: ["Shared", "TestSupport"]
        ),
    ]
)
