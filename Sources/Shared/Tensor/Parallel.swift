import Foundation

/// Splits row-wise work across threads. The kernels in this folder use it for their
/// elementwise passes; callers above `Tensor` never see a thread or a pointer.
enum Parallel {
    /// Calls `body` on disjoint, contiguous ranges that together cover `0..<count`, on up
    /// to `threads` threads at once (one range per thread; below `minimumPerThread`
    /// items per range the work stays on the calling thread). With `alignment` > 1 every
    /// range but the last starts and ends at a multiple of it (`GemmRowUnit`).
    static func forEachRange(count: Int, threads: Int, minimumPerThread: Int = 64, alignment: Int = 1,
                             _ body: @Sendable (Range<Int>) -> Void) {
        if count <= 0 { return }
        let parts = max(1, min(threads, count / max(1, minimumPerThread, alignment)))
        if parts == 1 { body(0..<count); return }
        // The nearest multiple of `alignment` to an equal split.
        @Sendable func boundary(_ part: Int) -> Int {
            part == parts ? count : (count * part / parts + alignment / 2) / alignment * alignment
        }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let begin = boundary(part), end = boundary(part + 1)
            if begin < end { body(begin..<end) }
        }
    }
}

/// A pointer that is shared by worker threads which write disjoint parts of it.
struct SharedMutablePointer<T>: @unchecked Sendable {
    let base: UnsafeMutablePointer<T>
}

/// A read-only pointer shared by worker threads.
struct SharedPointer<T>: @unchecked Sendable {
    let base: UnsafePointer<T>
}
