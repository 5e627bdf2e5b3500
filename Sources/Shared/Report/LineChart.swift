import Foundation

/// Curves as a small, self-contained SVG: several series against the step (or another x),
/// each a polyline in its own colour, linear axes with five ticks (or the x ticks given),
/// and a legend. A series with intervals marks each point and draws its interval as an
/// error bar (a sweep's metric against shots, with the 95% confidence interval).
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (step, value) in step order; non-finite values are left out of the line.
        public var points: [(x: Double, y: Double)]
        /// One per point, or none: the interval drawn as the point's error bar, nil for no bar.
        public var intervals: [ClosedRange<Double>?]
        public init(name: String, points: [(x: Double, y: Double)], intervals: [ClosedRange<Double>?] = []) {
            self.name = name; self.points = points; self.intervals = intervals
        }
    }

    public var title: String
    public var xLabel: String
    public var series: [Series]
    /// Where the x ticks go (a sweep's shots), the x range then padded by 5% on either
    /// side; nil: five ticks, evenly spaced over the data.
    public var xTicks: [Double]?

    public init(title: String, xLabel: String = "step", series: [Series], xTicks: [Double]? = nil) {
        self.title = title; self.xLabel = xLabel; self.series = series; self.xTicks = xTicks
    }

    static let width = 640.0, height = 320.0
    static let left = 64.0, right = 480.0, top = 40.0, bottom = 276.0
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The chart as SVG text (no XML declaration: it is meant to be inlined in HTML).
    public var svg: String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let bounds = series.flatMap(\.intervals).compactMap { $0 }.flatMap { [$0.lowerBound, $0.upperBound] }.filter(\.isFinite)
        var x0 = finite.map(\.x).min() ?? 0, x1 = max(finite.map(\.x).max() ?? 1, x0 + 1)
        if let ticks = xTicks, let lo = (ticks + finite.map(\.x)).min(), let hi = (ticks + finite.map(\.x)).max() {
            // Ticks at the data (a sweep's shots): 5% room on either side keeps the end
            // points and their bars off the frame.
            let pad = max(hi - lo, 1) * 0.05
            x0 = lo - pad; x1 = hi + pad
        }
        var y0 = (finite.map(\.y) + bounds).min() ?? 0, y1 = (finite.map(\.y) + bounds).max() ?? 1
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        if !bounds.isEmpty {   // room for the caps of the bars that reach the ends
            let pad = (y1 - y0) * 0.05
            y0 -= pad; y1 += pad
        }
        func px(_ v: Double, shift: Double = 0) -> String {
            String(format: "%.2f", Self.left + (v - x0) / (x1 - x0) * (Self.right - Self.left) + shift)
        }
        func py(_ v: Double) -> String { String(format: "%.2f", Self.bottom - (v - y0) / (y1 - y0) * (Self.bottom - Self.top)) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(Self.width))" height="\(Int(Self.height))" \
        viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
        <title>\(ReportText.xml(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int((Self.left + Self.right) / 2))" y="22" text-anchor="middle" font-size="14">\(ReportText.xml(title))</text>

        """
        let integralX = finite.allSatisfy { $0.x == $0.x.rounded() }   // steps: ticks on whole steps
        let xs = xTicks ?? (0...4).map { k in
            let fx = x0 + Double(k) / 4 * (x1 - x0)
            return integralX ? fx.rounded() : fx
        }
        let ys = (0...4).map { y0 + Double($0) / 4 * (y1 - y0) }
        // Each x tick's grid line and label go with the y tick's of the same index.
        for k in 0..<max(xs.count, ys.count) {
            var grid = "", labels = ""
            if k < xs.count {
                let fx = xs[k]
                grid += "<line x1=\"\(px(fx))\" y1=\"\(py(y0))\" x2=\"\(px(fx))\" y2=\"\(py(y1))\" stroke=\"#e6e6e6\"/>\n"
                labels += "<text x=\"\(px(fx))\" y=\"\(String(format: "%.2f", Self.bottom + 16))\" text-anchor=\"middle\">\(integralX ? String(Int(fx)) : Self.tick(fx))</text>\n"
            }
            if k < ys.count {
                let fy = ys[k]
                grid += "<line x1=\"\(px(x0))\" y1=\"\(py(fy))\" x2=\"\(px(x1))\" y2=\"\(py(fy))\" stroke=\"#e6e6e6\"/>\n"
                labels += "<text x=\"\(String(format: "%.2f", Self.left - 6))\" y=\"\(py(fy))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.tick(fy))</text>\n"
            }
            s += grid + labels
        }
        s += "<rect x=\"\(px(x0))\" y=\"\(py(y1))\" width=\"\(Int(Self.right - Self.left))\" height=\"\(Int(Self.bottom - Self.top))\" fill=\"none\" stroke=\"black\"/>\n"
        s += "<text x=\"\(Int((Self.left + Self.right) / 2))\" y=\"\(Int(Self.height - 12))\" text-anchor=\"middle\">\(ReportText.xml(xLabel))</text>\n"
        for (i, line) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            // Series with error bars are set 6 px apart, so that bars at one x do not hide each other.
            let shift = line.intervals.isEmpty ? 0 : (Double(i) - Double(series.count - 1) / 2) * 6
            let coords = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(px($0.x, shift: shift)),\(py($0.y))" }
            if !coords.isEmpty {
                s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(coords.joined(separator: " "))\"/>\n"
            }
            for (p, interval) in zip(line.points, line.intervals) where p.x.isFinite && p.y.isFinite {
                let cx = px(p.x, shift: shift)
                s += "<circle cx=\"\(cx)\" cy=\"\(py(p.y))\" r=\"3\" fill=\"\(colour)\"/>\n"
                guard let iv = interval, iv.lowerBound.isFinite, iv.upperBound.isFinite else { continue }
                func cap(_ v: Double) -> String {
                    "<line x1=\"\(px(p.x, shift: shift - 4))\" y1=\"\(py(v))\" x2=\"\(px(p.x, shift: shift + 4))\" y2=\"\(py(v))\" stroke=\"\(colour)\"/>\n"
                }
                s += "<line class=\"bar\" x1=\"\(cx)\" y1=\"\(py(iv.lowerBound))\" x2=\"\(cx)\" y2=\"\(py(iv.upperBound))\" stroke=\"\(colour)\"/>\n"
                s += cap(iv.lowerBound) + cap(iv.upperBound)
            }
            let ly = Self.top + 8 + Double(i) * 18
            s += "<line x1=\"\(Int(Self.right + 14))\" y1=\"\(ly)\" x2=\"\(Int(Self.right + 34))\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
            s += "<text x=\"\(Int(Self.right + 40))\" y=\"\(ly)\" dominant-baseline=\"middle\">\(ReportText.xml(line.name))</text>\n"
        }
        return s + "</svg>\n"
    }

    /// A tick label: up to four significant digits.
    static func tick(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1000 || (a > 0 && a < 0.01) { return String(format: "%.2g", v) }
        return String(format: a >= 100 ? "%.0f" : (a >= 10 ? "%.1f" : "%.3f"), v)
    }
}
