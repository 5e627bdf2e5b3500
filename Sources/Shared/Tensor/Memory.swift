/// Process-wide allocator settings for compute processes.
public enum Memory {
    /// Keeps freed tensor buffers inside the heap instead of returning them to the kernel.
    ///
    /// The head allocates and frees megabyte-sized temporaries every chunk; glibc serves
    /// those with mmap and unmaps them on free, so every chunk pays first-touch page
    /// faults again. Raising the mmap and trim thresholds makes freed pages reusable.
    /// Call once at start-up of a process that computes.
    public static func retainFreedPages() {
        #if os(Linux)
        // glibc's mallopt parameters (malloc.h): M_TRIM_THRESHOLD = -1, M_MMAP_THRESHOLD = -3.
        _ = glibcMallopt(-3, 512 << 20)
        _ = glibcMallopt(-1, Int32.max)
        #endif
    }
}

#if os(Linux)
@_silgen_name("mallopt")
private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
