import FuzzSupport
import Shared

/// CSV manifests and tables, comma- and tab-separated.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let text = String(decoding: fuzzBytes(data, size), as: UTF8.self)
    _ = try? CSV.parse(text)
    _ = try? CSV.parse(text, separator: "\t")
    return 0
}

runFuzzer(fuzzOne)
