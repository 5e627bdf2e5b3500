import CFuzzerDriver
import Foundation

/// Hands the process to libFuzzer with `body` as the function under test: its arguments
/// are libFuzzer's (a corpus folder, -max_total_time=N, -runs=0 to replay only, ...).
/// `body` must not crash on any input; a thrown error is an input rejected, as it should be.
public func runFuzzer(_ body: @escaping @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> Never {
    var argc = CommandLine.argc
    var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
    exit(LLVMFuzzerRunDriver(&argc, &argv, body))
}

/// libFuzzer's input as an array (a nil pointer, for size 0, is the empty array).
public func fuzzBytes(_ data: UnsafePointer<UInt8>?, _ size: Int) -> [UInt8] {
    guard let data, size > 0 else { return [] }
    return Array(UnsafeBufferPointer(start: data, count: size))
}
