import Foundation
import FuzzSupport
import Shared

/// TensorBoard event files (records with masked CRC-32C, Event protocol buffers), read back
/// as `ultraad` reads its own.
let file = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("fuzz-events-\(getpid())")

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    guard (try? Data(fuzzBytes(data, size)).write(to: file)) != nil else { return 0 }
    _ = try? TensorBoardEvents.read(file)
    return 0
}

runFuzzer(fuzzOne)
