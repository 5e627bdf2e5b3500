// swift-tools-version:6.0
// UltraAD: few-shot CLIP adaptation for breast-ultrasound anomaly detection, trained
// across ZeroMQ-connected worker processes. See docs/ARCHITECTURE.md for the layout.
import PackageDescription

// x86-64: SSE4.2 for the hardware CRC-32C of message payloads and file data
// (Formats/CRC32C.swift: the Formats target); every x86-64 CPU since 2009 has it. Elsewhere CRC-32C falls back to a table.
#if arch(x86_64)
let hardwareCRC: [SwiftSetting] = [.unsafeFlags(["-Xcc", "-msse4.2"])]
#else
let hardwareCRC: [SwiftSetting] = []
#endif

// The numeric code (CLIP, the head, metrics) is 30-100x slower unoptimized, which would make
// the end-to-end tests of the debug build take many minutes: the four library targets are
// optimized in debug builds too (tests still see their internals: -enable-testing).
let optimizedInDebug: [SwiftSetting] = [.unsafeFlags(["-O"], .when(configuration: .debug))]

// Math and Shared both live in Sources/Shared: each lists its own folders and excludes the
// others' (so a new folder there has to be given to one of them, or SwiftPM warns).
let mathFolders = ["Tensor", "Model"]
let sharedFolders = ["Config", "Data", "CLIP", "Training", "Metrics", "Report", "System", "Benchmarks",
                     "Exports.swift"]
let ownTargetFolders = ["Formats", "Wire"]

let package = Package(
    name: "UltraAD",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "ultraad", targets: ["Coordinator"]),
        .executable(name: "ultraad-worker", targets: ["Worker"]),
        .library(name: "Shared", targets: ["Shared"]),
        .library(name: "FuzzTargets", targets: ["FuzzTargets"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/weichsel/ZIPFoundation", from: "0.9.20"),
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
        // libjpeg-turbo's TurboJPEG API: dataset images in JPEG (error codes, no longjmp).
        .systemLibrary(name: "CTurboJPEG",
                       providers: [.apt(["libturbojpeg0-dev"])]),
        // zlib reads open_clip's gzipped BPE vocabulary (libpng depends on it already). Not
        // named CZlib: ZIPFoundation's module map (Tables) declares a module of that name, and
        // clang refuses two in one build ("redefinition of module 'CZlib'").
        .systemLibrary(name: "CZlibInflate",
                       providers: [.apt(["zlib1g-dev"])]),
        // The encoder's exp kernels (softmax, QuickGELU) and the float16 conversions in C,
        // each compiled for AVX2 (F16C) and for baseline x86-64 and picked per CPU at run
        // time, which Swift cannot do for one function (Sources/CVectorMath/include/*.h).
        // Optimized in debug builds too.
        .target(
            name: "CVectorMath",
            path: "Sources/CVectorMath",
            cSettings: [.unsafeFlags(["-O2"], .when(configuration: .debug))]
        ),
        // The library, in four targets under Sources/Shared, each above the ones it depends on
        // (Math <- Formats <- Wire <- Shared). The compiler holds the borders: a target sees only
        // the Swift targets it depends on, and of them only what is `public`. C modules are the
        // one leak: SwiftPM hands every target the module maps of all the C libraries below
        // it, so Tests/SharedTests/ModuleBorderTests.swift checks that each C module is
        // imported (`internal import`) only in the folder of the target that declares it.
        //
        // Math (Tensor/, Model/): tensors, BLAS, row kernels, resize and filters, the UltraAD
        // head with its kernels, losses, the reduction tree and AdamW, and the plain values
        // they and the wire share (MemoryBank, ImageFeatures, ChunkInput, ViewKind). Only
        // CBLAS and CVectorMath: no file format, no socket, no file.
        .target(
            name: "Math",
            dependencies: ["CBLAS", "CVectorMath"],
            path: "Sources/Shared",
            exclude: sharedFolders + ownTargetFolders,
            sources: mathFolders,
            swiftSettings: optimizedInDebug
        ),
        // Formats (Formats/): safetensors, image files (PNG, JPEG, BMP), LZ4, gzip, CSV, atomic
        // files, the digests (FNV-1a, CRC-32C). The only target with the compression and image
        // libraries; knows Tensor, not the head.
        .target(
            name: "Formats",
            dependencies: ["Math", "CLZ4", "CPNG", "CTurboJPEG", "CZlibInflate"],
            path: "Sources/Shared/Formats",
            swiftSettings: optimizedInDebug + hardwareCRC
        ),
        // Wire (Wire/): header, payloads, pieces, shared memory, CURVE and the ZeroMQ
        // sockets. The only target that declares CZMQ, so the only code that calls libzmq
        // (everything else opens sockets through its ZMQSocket); it does not see Config, Data,
        // CLIP or Training, which can depend on it without a cycle.
        .target(
            name: "Wire",
            dependencies: ["Math", "Formats", "CZMQ"],
            path: "Sources/Shared/Wire",
            swiftSettings: optimizedInDebug
        ),
        // Shared (every other folder: Config, Data, CLIP, Training, Metrics, Report, System,
        // Benchmarks): no C module of its own. Exports.swift re-exports Math, Formats and Wire,
        // so the executables and the tests write `import Shared` alone.
        .target(
            name: "Shared",
            dependencies: [
                "Math", "Formats", "Wire",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Yams", package: "Yams"),
            ],
            path: "Sources/Shared",
            exclude: mathFolders + ownTargetFolders,
            sources: sharedFolders,
            swiftSettings: optimizedInDebug
        ),
        // Datasets (Sources/Datasets): every public breast-ultrasound layout and the CSV
        // manifest read into a Dataset, layout detection, duplicate scans and `data check`'s
        // report. Coordinator-only, like Tables which it reads label spreadsheets with: the
        // worker never reads a dataset (EXTRACT carries the image bytes).
        .target(
            name: "Datasets",
            dependencies: ["Shared", "Tables"],
            swiftSettings: optimizedInDebug
        ),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "Shared", "Datasets",
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
        // Tables: the first worksheet of an .xlsx file (the datasets' label tables) as rows of
        // strings: its own ZIP directory reader, Formats' zlib inflate, and FoundationXML's
        // XMLParser (why not XMLCoder: Sources/Tables/XMLPart.swift; why not ZIPFoundation any
        // more: Sources/Tables/WorkbookArchive.swift). A target of its own that no library
        // target depends on, because only the coordinator reads tables: the statically linked
        // worker carries no libxml2. ZIPFoundation writes the tests' workbooks (TestSupport).
        .target(
            name: "Tables",
            dependencies: ["Formats"],
            path: "Sources/Tables"
        ),
        // What each fuzz harness feeds its input to (fuzz/ links it; FuzzCorpusTests replays
        // the corpora through it). Tables for the spreadsheet harness.
        .target(name: "FuzzTargets", dependencies: ["Shared", "Tables"], path: "Sources/FuzzTargets"),
        // What the test targets share: finding and starting the built executables, temporary
        // folders, test data builders (XLSXWriter: the .xlsx tables of dataset replicas), and
        // the committed fixtures (its resource).
        .target(
            name: "TestSupport",
            dependencies: [
                "Shared",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ZIPFoundation", package: "ZIPFoundation"),
            ],
            path: "Tests/TestSupport",
            resources: [.copy("Fixtures")]
        ),
        // Unit tests of the library: none runs our executables (LZ4Tests runs the lz4 tool).
        .testTarget(
            name: "SharedTests",
            dependencies: ["Shared", "Datasets", "TestSupport", "FuzzTargets"]
        ),
        // Unit tests of the dataset layouts, on replicas generated at test time.
        .testTarget(
            name: "DatasetsTests",
            dependencies: ["Datasets", "Shared", "TestSupport"]
        ),
        // Unit tests of the spreadsheet reader, on a committed openpyxl file and XLSXWriter's.
        .testTarget(
            name: "TablesTests",
            dependencies: ["Tables", "TestSupport"]
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
