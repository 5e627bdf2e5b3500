import Foundation
import FuzzSupport
import Shared

/// safetensors: the header, then every tensor's bytes as each reader converts them.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard let data, let r = try? SafeTensorsReader(bytes: Data(bytes: data, count: size), file: "fuzz") else { return 0 }
    for name in r.names {
        _ = try? r.tensor(name)
        _ = try? r.int32Tensor(name)
    }
    return 0
}

runFuzzer(fuzzOne)
