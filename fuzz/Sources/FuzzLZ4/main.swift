import FuzzSupport
import Shared

/// LZ4 frames as the bank, PARAMS pieces and cache entries arrive: decompressed under a size
/// limit, as bytes and as floats.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? LZ4Frame.decompress(bytes, maxSize: 1 << 20)
    _ = try? LZ4Frame.decompressFloats(bytes, maxCount: 1 << 18)
    return 0
}

runFuzzer(fuzzOne)
