import FuzzSupport
import Shared

/// Image files (PNG, JPEG, BMP by their magic): decoded, as masks and as RGB.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    if let image = try? ImageFile.decode(bytes, name: "fuzz", maxPixels: 1 << 20) { _ = image.maskValues() }
    _ = try? ImageFile.decodeRGB(bytes, name: "fuzz", maxPixels: 1 << 20)
    return 0
}

runFuzzer(fuzzOne)
