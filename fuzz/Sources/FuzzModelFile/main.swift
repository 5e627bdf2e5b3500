import FuzzSupport
import FuzzTargets

@_cdecl("LLVMFuzzerTestOneInput")
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FuzzTarget.modelFile.run(fuzzBytes(data, size))
    return 0
}

runFuzzer(fuzzOne)
