import Foundation

/// Process-wide allocator settings for compute processes.
public enum Memory {
    /// The environment a compute process wants from the start, because glibc and OpenBLAS
    /// read it before `main`: large allocations backed by transparent huge pages
    /// (`glibc.malloc.hugetlb=1`: a 10x smaller page-fault bill; a one-shot replay runs
    /// 30% faster) and an OpenBLAS thread pool of the size the process will use (idle pool
    /// threads spin against other workers on the same machine).
    public static func computeEnvironment(blasThreads: Int, base: [String: String]) -> [String: String] {
        var env = base
        env["OPENBLAS_NUM_THREADS"] = String(blasThreads)
        let tunable = "glibc.malloc.hugetlb=1"
        if let t = env["GLIBC_TUNABLES"], !t.isEmpty {
            if !t.contains("glibc.malloc.hugetlb") { env["GLIBC_TUNABLES"] = t + ":" + tunable }
        } else {
            env["GLIBC_TUNABLES"] = tunable
        }
        return env
    }

    /// Unless the process already runs with `computeEnvironment`, replaces it (execv of the
    /// same executable and arguments) with a copy that does. Returns if that fails; the
    /// process then simply runs with the defaults.
    public static func restartWithComputeEnvironment(blasThreads: Int) {
        #if os(Linux)
        let current = ProcessInfo.processInfo.environment
        let wanted = computeEnvironment(blasThreads: blasThreads, base: current)
        guard wanted != current else { return }
        for (k, v) in wanted where current[k] != v { setenv(k, v, 1) }
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        #endif
    }

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
