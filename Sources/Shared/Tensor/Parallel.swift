import Foundation

/// Splits row-wise work across threads. The kernels in this folder use it for their
/// elementwise passes; callers above `Tensor` never see a thread or a pointer.
enum Parallel {
    /// Calls `body` on disjoint, contiguous ranges that together cover `0..<count`, on up
    /// to `threads` threads at once (one range per thread; below `minimumPerThread`
    /// items per range the work stays on the calling thread).
    static func forEachRange(count: Int, threads: Int, minimumPerThread: Int = 64,
                             _ body: @Sendable (Range<Int>) -> Void) {
        if count <= 0 { return }
        let parts = max(1, min(threads, count / max(1, minimumPerThread)))
        if parts == 1 { body(0..<count); return }
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let begin = count * part / parts, end = count * (part + 1) / parts
            body(begin..<end)
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
