import Foundation

/// Training curves as a small, self-contained SVG: several series against the step, each
/// a polyline in its own colour, linear axes with five ticks, and a legend.
public struct LineChart: Sendable {
    public struct Series: Sendable {
        public var name: String
        /// (step, value) in step order; non-finite values are left out of the line.
        public var points: [(x: Double, y: Double)]
        public init(name: String, points: [(x: Double, y: Double)]) { self.name = name; self.points = points }
    }

    public var title: String
    public var xLabel: String
    public var series: [Series]

    public init(title: String, xLabel: String = "step", series: [Series]) {
        self.title = title; self.xLabel = xLabel; self.series = series
    }

    static let width = 640.0, height = 320.0
    static let left = 64.0, right = 480.0, top = 40.0, bottom = 276.0
    static let colours = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"]

    /// The chart as SVG text (no XML declaration: it is meant to be inlined in HTML).
    public var svg: String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let x0 = finite.map(\.x).min() ?? 0, x1 = max(finite.map(\.x).max() ?? 1, x0 + 1)
        var y0 = finite.map(\.y).min() ?? 0, y1 = finite.map(\.y).max() ?? 1
        if y1 - y0 < 1e-12 { y0 -= 0.5; y1 += 0.5 }
        func px(_ v: Double) -> String { String(format: "%.2f", Self.left + (v - x0) / (x1 - x0) * (Self.right - Self.left)) }
        func py(_ v: Double) -> String { String(format: "%.2f", Self.bottom - (v - y0) / (y1 - y0) * (Self.bottom - Self.top)) }
        var s = """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" width="\(Int(Self.width))" height="\(Int(Self.height))" \
        viewBox="0 0 \(Int(Self.width)) \(Int(Self.height))" font-family="sans-serif" font-size="12">
        <title>\(ReportText.xml(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int((Self.left + Self.right) / 2))" y="22" text-anchor="middle" font-size="14">\(ReportText.xml(title))</text>

        """
        let integralX = finite.allSatisfy { $0.x == $0.x.rounded() }   // steps: ticks on whole steps
        for k in 0...4 {
            var fx = x0 + Double(k) / 4 * (x1 - x0)
            if integralX { fx = fx.rounded() }
            let fy = y0 + Double(k) / 4 * (y1 - y0)
            s += "<line x1=\"\(px(fx))\" y1=\"\(py(y0))\" x2=\"\(px(fx))\" y2=\"\(py(y1))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(px(x0))\" y1=\"\(py(fy))\" x2=\"\(px(x1))\" y2=\"\(py(fy))\" stroke=\"#e6e6e6\"/>\n"
            s += "<text x=\"\(px(fx))\" y=\"\(String(format: "%.2f", Self.bottom + 16))\" text-anchor=\"middle\">\(integralX ? String(Int(fx)) : Self.tick(fx))</text>\n"
            s += "<text x=\"\(String(format: "%.2f", Self.left - 6))\" y=\"\(py(fy))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(Self.tick(fy))</text>\n"
        }
        s += "<rect x=\"\(px(x0))\" y=\"\(py(y1))\" width=\"\(Int(Self.right - Self.left))\" height=\"\(Int(Self.bottom - Self.top))\" fill=\"none\" stroke=\"black\"/>\n"
        s += "<text x=\"\(Int((Self.left + Self.right) / 2))\" y=\"\(Int(Self.height - 12))\" text-anchor=\"middle\">\(ReportText.xml(xLabel))</text>\n"
        for (i, line) in series.enumerated() {
            let colour = Self.colours[i % Self.colours.count]
            let coords = line.points.filter { $0.x.isFinite && $0.y.isFinite }.map { "\(px($0.x)),\(py($0.y))" }
            if !coords.isEmpty {
                s += "<polyline class=\"series\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"1.5\" points=\"\(coords.joined(separator: " "))\"/>\n"
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
