import Foundation

/// Work started on a Dispatch thread at once, whose result (or error) the caller takes
/// later, once: `FeatureSource`'s in-process extraction decodes the next batch and writes
/// the last batch's cache entries with it while the encoder runs.
final class Pending<Value: Sendable>: @unchecked Sendable {
    // `result` is written once, on the worker thread, before `finished` is signalled, and
    // read only after waiting on it.
    private var result: Result<Value, any Error>?
    private let finished = DispatchSemaphore(value: 0)

    init(_ work: @escaping @Sendable () throws -> Value) {
        DispatchQueue.global().async {
            self.result = Result { try work() }
            self.finished.signal()
        }
    }

    /// Waits for the work and returns its value or throws its error.
    func value() throws -> Value {
        finished.wait()
        finished.signal()   // a second call returns at once
        return try result!.get()
    }
}
