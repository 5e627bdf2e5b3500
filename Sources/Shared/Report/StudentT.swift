import Foundation

/// Student's t distribution: its upper tail through the regularized incomplete beta
/// function, and its quantile by bisection on that tail. Written out here because
/// Foundation has no statistics library; the values agree with SciPy's `t.ppf` to 1e-12
/// (Tests/TestSupport/Fixtures/sweep/student_t.json).
enum StudentT {
    /// The t with P(T <= t) = p, for 0 < p < 1 and degreesOfFreedom > 0.
    static func quantile(_ p: Double, degreesOfFreedom df: Double) -> Double {
        precondition(p > 0 && p < 1 && df > 0, "t quantile needs 0 < p < 1 and df > 0")
        if p == 0.5 { return 0 }
        // Solve the upper tail of |t| for the smaller of p and 1 - p, so a small tail
        // probability is not lost in 1 - P(T <= t).
        let tail = min(p, 1 - p)
        var lo = 0.0, hi = 1.0
        while upperTail(hi, degreesOfFreedom: df) > tail { lo = hi; hi *= 2 }
        while hi - lo > 1e-15 * hi {
            let mid = (lo + hi) / 2
            if upperTail(mid, degreesOfFreedom: df) > tail { lo = mid } else { hi = mid }
        }
        let t = (lo + hi) / 2
        return p > 0.5 ? t : -t
    }

    /// P(T > t) for t >= 0: half the regularized incomplete beta I_x(df/2, 1/2) at
    /// x = df / (df + t^2).
    static func upperTail(_ t: Double, degreesOfFreedom df: Double) -> Double {
        let t2 = t * t
        return 0.5 * regularizedBeta(x: df / (df + t2), complement: t2 / (df + t2), a: df / 2, b: 0.5)
    }

    /// I_x(a, b). `complement` is 1 - x, given by the caller because it is often known
    /// more precisely than 1 - x can be computed from x near 1.
    static func regularizedBeta(x: Double, complement y: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if y <= 0 { return 1 }
        let logFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log(y)
        // The continued fraction converges fast below the mean of the distribution; above
        // it, the symmetry I_x(a, b) = 1 - I_{1-x}(b, a) brings x below it.
        if x < (a + 1) / (a + b + 2) { return exp(logFront) * betaFraction(x: x, a: a, b: b) / a }
        return 1 - exp(logFront) * betaFraction(x: y, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b) (its even and odd terms d_2m and d_2m+1),
    /// evaluated by the modified Lentz method.
    static func betaFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        func guarded(_ v: Double) -> Double { abs(v) < tiny ? tiny : v }
        var c = 1.0, d = 1 / guarded(1 - (a + b) * x / (a + 1))
        var h = d
        for m in 1...10_000 {
            let m = Double(m)
            for term in [m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                         -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))] {
                d = 1 / guarded(1 + term * d)
                c = guarded(1 + term / c)
                h *= d * c
            }
            if abs(d * c - 1) < 1e-16 { break }
        }
        return h
    }
}
