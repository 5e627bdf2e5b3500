// swift-tools-version:6.0
// libFuzzer harnesses for UltraAD's parsers (scripts/fuzz builds and runs them). A package
// of its own because every module here is built with -sanitize=fuzzer,address. Each harness
// is an executable whose main hands the process to libFuzzer's driver (FuzzSupport). The
// list stays on one line: scripts/fuzz reads it with sed.
import PackageDescription

let harnesses = ["FuzzSafeTensors", "FuzzLZ4", "FuzzImage", "FuzzMessages", "FuzzConfig", "FuzzCSV", "FuzzTensorBoard", "FuzzVocabulary", "FuzzCheckpoint", "FuzzModelFile", "FuzzPool", "FuzzReplay", "FuzzFeatureCache", "FuzzShots", "FuzzSpreadsheet", "FuzzSites"]

let package = Package(
    name: "UltraADFuzz",
    platforms: [.macOS(.v13)],
    dependencies: [.package(name: "UltraAD", path: "..")],
    targets: [
        .target(name: "CFuzzerDriver"),
        .target(name: "FuzzSupport", dependencies: ["CFuzzerDriver"]),
    ] + harnesses.map { name in
        .executableTarget(name: name, dependencies: ["FuzzSupport", .product(name: "FuzzTargets", package: "UltraAD")])
    }
)
