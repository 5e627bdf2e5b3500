/// In-place MSD radix sort (American flag sort) of UInt64 keys, descending, on bits 1...32
/// (bit 0 carries a label and need not be ordered). No scratch array: each byte pass
/// permutes the keys within their bucket by cycle-chasing, then recurses per bucket.
public enum RadixSort {
    public static func sortDescending(_ keys: inout [UInt64]) {
        keys.withUnsafeMutableBufferPointer { buf in
            sort(buf, 0, buf.count, shift: 25)
        }
    }

    private static func sort(_ a: UnsafeMutableBufferPointer<UInt64>, _ lo: Int, _ hi: Int, shift: Int) {
        let n = hi - lo
        if n < 48 {
            insertionSort(a, lo, hi)
            return
        }
        // Bucket by the byte at `shift`, largest digit first (descending order).
        @inline(__always) func digit(_ k: UInt64) -> Int { 255 - Int((k >> UInt64(shift)) & 0xFF) }
        var count = [Int](repeating: 0, count: 256)
        for i in lo..<hi { count[digit(a[i])] += 1 }
        var start = [Int](repeating: 0, count: 257)
        start[0] = lo
        for d in 0..<256 { start[d + 1] = start[d] + count[d] }
        var next = Array(start[0..<256])
        for d in 0..<256 {
            while next[d] < start[d + 1] {
                var k = a[next[d]]
                var kd = digit(k)
                while kd != d {
                    swap(&k, &a[next[kd]])
                    next[kd] += 1
                    kd = digit(k)
                }
                a[next[d]] = k
                next[d] += 1
            }
        }
        guard shift > 1 else { return }
        for d in 0..<256 where count[d] > 1 {
            sort(a, start[d], start[d + 1], shift: shift - 8)
        }
    }

    private static func insertionSort(_ a: UnsafeMutableBufferPointer<UInt64>, _ lo: Int, _ hi: Int) {
        guard hi - lo > 1 else { return }
        for i in (lo + 1)..<hi {
            let k = a[i]
            var j = i - 1
            while j >= lo && (a[j] >> 1) < (k >> 1) {
                a[j + 1] = a[j]
                j -= 1
            }
            a[j + 1] = k
        }
    }
}
