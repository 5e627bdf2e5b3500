import Foundation

/// A perceptual hash of an image: 256 bits for the whole frame and 256 for each of 15 crops
/// of it, so that a copy cut a few percent smaller on some sides still lands near the original.
///
/// One hash (`bits` = 256): the image in gray (Rec. 601 luma), area-averaged to 32 x 32
/// (`AreaDownsample`: the same small image whatever the file's pixel count), 2-D DCT-II, and
/// one bit per AC coefficient, set when the coefficient is positive, for the 256 lowest
/// frequencies (u + v ascending, then u; DC excluded). Signs of AC coefficients do not move
/// with gain or brightness (gain scales every coefficient, an offset moves DC only), and low
/// frequencies do not move with resizing, requantization or noise.
///
/// Crops are what a single hash cannot absorb: cutting 5% off each side zooms the picture
/// by 11%, which in these frequencies flips up to 96 of the 256 bits, more than the 68-76
/// that separate the closest distinct simulator images (docs/BENCHMARKS.md, "Duplicate
/// detection"); lower frequencies move less but do not tell those images apart. So the hash
/// also holds the hashes of 15 windows of the image: each side cut by 0 or 4% (`sideCrops`),
/// in all 16 combinations, window 0 being the whole frame. `distance(to:)` is the smallest
/// Hamming distance between the frame of one image and the frame or any window of the
/// other: a copy cropped by 0 to 5% on each side is within 2% per side of a window, which
/// cost at most 40 bits in the measurement.
///
/// A horizontal flip is not matched (it changes the sign of every odd horizontal frequency).
/// Hashes computed on different machines agree up to the last bit of Float rounding: the DCT
/// basis comes from `cos`, so a coefficient within an ulp of zero may come out either way.
public struct PerceptualHash: Sendable, Hashable {
    /// Bits of one hash.
    public static let bits = 256
    /// UInt64 words of one hash.
    static let wordsPerHash = bits / 64
    /// The fraction cut off each side of the image by a window.
    static let sideCrops = [0.0, 0.04]
    /// Windows per image: every (top, bottom, left, right) choice of `sideCrops`.
    static let windowCount = sideCrops.count * sideCrops.count * sideCrops.count * sideCrops.count
    /// Side of the area-averaged gray image the DCT runs on.
    static let side = 32

    /// [windowCount, wordsPerHash]: the hash of window w in words[4 w ..< 4 w + 4], bit i of
    /// a hash (frequency `frequencies[i]`) in word i / 64, bit i % 64. Window 4 i + j cuts
    /// (left, right) by pair i and (top, bottom) by pair j of (0, 0), (0, 4%), (4%, 0),
    /// (4%, 4%); window 0 is the frame.
    public let words: [UInt64]

    /// Largest `distance(to:)` at which two images count as near duplicates: about midway
    /// between the worst of 552 planted copies (43 bits: a 4-pixel shift with a black border)
    /// and the closest of 179,700 pairs of distinct simulator images (68 bits), so that
    /// both sides keep a margin of 12 bits or more; docs/BENCHMARKS.md gives the measurement.
    public static let nearDuplicateThreshold = 56

    /// image: [3, H, W] in [0, 1].
    public init(image: Tensor) {
        precondition(image.rank == 3 && image.shape[0] == 3 && image.shape[1] > 0 && image.shape[2] > 0,
                     "perceptual hash of a \(image.shape) tensor, not [3, H, W]")
        let h = image.shape[1], w = image.shape[2], plane = h * w
        let gray = image.data.withUnsafeBufferPointer { x in
            (0..<plane).map { p in 0.299 * x[p] + 0.587 * x[plane + p] + 0.114 * x[2 * plane + p] }
        }
        let crops = Self.sideCrops.flatMap { a in Self.sideCrops.map { (a, $0) } }
        var words: [UInt64] = []
        words.reserveCapacity(Self.windowCount * Self.wordsPerHash)
        for (left, right) in crops {
            // [H, W] -> [H, 32] over the window's columns, then [32, 32] over its rows.
            let columns = AreaDownsample.cells(from: left * Double(w), to: (1 - right) * Double(w), count: Self.side, size: w)
            let narrow = AreaDownsample.alongWidth(gray, height: h, width: w, cells: columns)
            for (top, bottom) in crops {
                let rows = AreaDownsample.cells(from: top * Double(h), to: (1 - bottom) * Double(h), count: Self.side, size: h)
                words += Self.hash(AreaDownsample.alongHeight(narrow, height: h, width: Self.side, cells: rows))
            }
        }
        self.init(words: words)
    }

    /// words: [windowCount * wordsPerHash], as `words` describes.
    init(words: [UInt64]) {
        precondition(words.count == Self.windowCount * Self.wordsPerHash, "a perceptual hash of \(words.count) words")
        self.words = words
    }

    /// Hamming distance after alignment: the smallest distance between the frame of one
    /// hash and the frame or a window of the other (0...256).
    public func distance(to other: PerceptualHash) -> Int {
        words.withUnsafeBufferPointer { a in
            other.words.withUnsafeBufferPointer { b in Self.distance(a.baseAddress!, b.baseAddress!, stopAt: 0) }
        }
    }

    /// `distance(to:)` on two hashes' words, returning as soon as it is known to be at most
    /// `stopAt` (so a caller that asks "within t?" stops at the first window that is).
    @inline(__always)
    static func distance(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>, stopAt: Int) -> Int {
        var best = hamming(a, b)
        var w = 1
        while w < windowCount && best > stopAt {
            let offset = w * wordsPerHash
            best = min(best, hamming(a + offset, b), hamming(a, b + offset))
            w += 1
        }
        return best
    }

    /// Differing bits of two hashes (`wordsPerHash` = 4).
    @inline(__always)
    static func hamming(_ a: UnsafePointer<UInt64>, _ b: UnsafePointer<UInt64>) -> Int {
        (a[0] ^ b[0]).nonzeroBitCount + (a[1] ^ b[1]).nonzeroBitCount
            + (a[2] ^ b[2]).nonzeroBitCount + (a[3] ^ b[3]).nonzeroBitCount
    }

    /// The hashed frequencies (u vertical, v horizontal), lowest first: u + v ascending, then u.
    static let frequencies: [(u: Int, v: Int)] = {
        var out: [(u: Int, v: Int)] = []
        var sum = 1
        while out.count < bits {
            for u in 0...sum where out.count < bits { out.append((u, sum - u)) }
            sum += 1
        }
        return out
    }()

    /// Frequencies per axis the DCT computes: 0 through the highest hashed one (22).
    static let kept = frequencies.map { max($0.u, $0.v) }.max()! + 1

    /// basis: [kept, side], row u the orthonormal DCT-II vector of frequency u.
    static let basis: [Float] = (0..<kept).flatMap { u in
        let scale = ((u == 0 ? 1.0 : 2.0) / Double(side)).squareRoot()
        return (0..<side).map { i in Float(scale * cos(Double.pi * Double(u) * (2 * Double(i) + 1) / Double(2 * side))) }
    }

    /// The hash of one window: small [32, 32] -> the hashed coefficients of D small D^T -> 4 words.
    static func hash(_ small: [Float]) -> [UInt64] {
        let n = side, k = kept
        var t = [Float](repeating: 0, count: n * k)  // x D^T: [32, kept]
        for r in 0..<n {
            for v in 0..<k {
                var s: Float = 0
                for i in 0..<n { s += small[r * n + i] * basis[v * n + i] }
                t[r * k + v] = s
            }
        }
        var words = [UInt64](repeating: 0, count: wordsPerHash)
        for (bit, f) in frequencies.enumerated() {
            var c: Float = 0
            for r in 0..<n { c += basis[f.u * n + r] * t[r * k + f.v] }
            if c > 0 { words[bit / 64] |= 1 << UInt64(bit % 64) }
        }
        return words
    }
}
