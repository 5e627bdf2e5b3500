import Foundation
import FuzzSupport
import Shared

/// cluster.yaml text: as one run's configuration and as a sweep.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    let base = URL(fileURLWithPath: "/nonexistent-fuzz")
    _ = try? ClusterConfig.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
    _ = try? SweepPlan.parse(yaml: text, source: "fuzz.yaml", baseDirectory: base)
    return 0
}

runFuzzer(fuzzOne)
