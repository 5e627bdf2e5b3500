import Foundation

/// A ROC curve as a small, self-contained SVG: axes with ticks at 0.2, the chance
/// diagonal, the curve as one polyline, and the AUROC in the legend.
enum ROCChart {
    static let size = 400.0
    /// The plot area, in SVG units: x from left to right, y from top to bottom.
    static let left = 62.0, right = 380.0, top = 42.0, bottom = 352.0

    /// points: the curve from (0, 0) to (1, 1), at most a few hundred; drawn only when
    /// the AUROC is defined. `caption` is the second legend line (counts).
    static func svg(title: String, points: [ROCPoint], auroc: Double, caption: String) -> String {
        func x(_ f: Double) -> String { String(format: "%.2f", left + f * (right - left)) }
        func y(_ t: Double) -> String { String(format: "%.2f", bottom - t * (bottom - top)) }
        var s = """
        <?xml version="1.0" encoding="UTF-8"?>
        <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(size))" height="\(Int(size))" \
        viewBox="0 0 \(Int(size)) \(Int(size))" font-family="sans-serif" font-size="12">
        <title>\(ReportText.xml(title))</title>
        <rect width="100%" height="100%" fill="white"/>
        <text x="\(Int(size / 2))" y="24" text-anchor="middle" font-size="14">\(ReportText.xml(title))</text>

        """
        for k in 0...5 {
            let v = Double(k) / 5, label = String(format: "%.1f", v)
            s += "<line x1=\"\(x(v))\" y1=\"\(y(0))\" x2=\"\(x(v))\" y2=\"\(y(1))\" stroke=\"#e6e6e6\"/>\n"
            s += "<line x1=\"\(x(0))\" y1=\"\(y(v))\" x2=\"\(x(1))\" y2=\"\(y(v))\" stroke=\"#e6e6e6\"/>\n"
            s += "<text x=\"\(x(v))\" y=\"\(String(format: "%.2f", bottom + 16))\" text-anchor=\"middle\">\(label)</text>\n"
            s += "<text x=\"\(String(format: "%.2f", left - 6))\" y=\"\(y(v))\" text-anchor=\"end\" dominant-baseline=\"middle\">\(label)</text>\n"
        }
        s += "<rect x=\"\(x(0))\" y=\"\(y(1))\" width=\"\(Int(right - left))\" height=\"\(Int(bottom - top))\" fill=\"none\" stroke=\"black\"/>\n"
        s += "<text x=\"\(x(0.5))\" y=\"\(Int(size - 14))\" text-anchor=\"middle\">False positive rate</text>\n"
        s += "<text x=\"16\" y=\"\(y(0.5))\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(y(0.5)))\">True positive rate</text>\n"
        s += "<line x1=\"\(x(0))\" y1=\"\(y(0))\" x2=\"\(x(1))\" y2=\"\(y(1))\" stroke=\"#999999\" stroke-dasharray=\"4 4\"/>\n"
        let legend: String
        if auroc.isFinite {
            let coords = points.map { "\(x($0.fpr)),\(y($0.tpr))" }.joined(separator: " ")
            s += "<polyline class=\"roc\" fill=\"none\" stroke=\"#d62728\" stroke-width=\"2\" points=\"\(coords)\"/>\n"
            legend = "AUROC = " + String(format: "%.3f", auroc)
        } else {
            legend = "AUROC n/a (one class only)"
        }
        let lx = right - 8, ly = bottom - 30
        s += "<text x=\"\(String(format: "%.2f", lx))\" y=\"\(String(format: "%.2f", ly))\" text-anchor=\"end\" fill=\"#d62728\">\(ReportText.xml(legend))</text>\n"
        s += "<text x=\"\(String(format: "%.2f", lx))\" y=\"\(String(format: "%.2f", ly + 16))\" text-anchor=\"end\" fill=\"#555555\">\(ReportText.xml(caption))</text>\n"
        s += "</svg>\n"
        return s
    }
}
