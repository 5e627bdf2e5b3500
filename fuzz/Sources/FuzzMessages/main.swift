import FuzzSupport
import Shared

/// What a socket delivers: the first byte picks the part (the fixed header, or one payload
/// kind), the rest is its bytes.
@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let all = fuzzBytes(data, size)
    guard let kind = all.first else { return 0 }
    let bytes = Array(all.dropFirst())
    switch kind % 12 {
    case 0: _ = try? MessageHeader.decode(bytes)
    case 1: _ = try? Hello(decoding: bytes)
    case 2: _ = try? Welcome(decoding: bytes)
    case 3: _ = try? ReadyPayload(decoding: bytes)
    case 4: _ = try? ErrorPayload(decoding: bytes)
    case 5: _ = try? TaskPayload(decoding: bytes)
    case 6: _ = try? ParamsPayload(decoding: bytes)
    case 7: _ = try? GradPayload(decoding: bytes)
    case 8: _ = try? BankPayload.decode(bytes)
    case 9: _ = try? TextPayload.decode(bytes, "fuzz")
    case 10: _ = try? ExtractPayload(decoding: bytes)
    default: _ = try? FeaturesPayload(decoding: bytes)
    }
    return 0
}

runFuzzer(fuzzOne)
