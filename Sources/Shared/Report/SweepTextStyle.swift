import Foundation

/// How one of the summary's files writes its table text: names escaped for the format,
/// and the numbers. A plain row reads "0.912 ± 0.010" (mean ± std), "0.912 ± n/a" (one
/// value: no spread) or "n/a" (none); a difference "+0.012 [−0.004, +0.028]" (mean and
/// 95% interval) or "+0.012 [n/a]". LaTeX writes ± and the signs in math mode.
enum SweepTextStyle {
    case markdown, html, latex

    func escape(_ s: String) -> String {
        switch self {
        case .markdown: return ReportText.markdown(s)
        case .html: return ReportText.xml(s)
        case .latex: return Self.latex(s)
        }
    }

    func bold(_ s: String) -> String {
        switch self {
        case .markdown: return "**\(s)**"
        case .html: return "<b>\(s)</b>"
        case .latex: return "\\textbf{\(s)}"
        }
    }

    /// mean ± std.
    func spread(_ row: SweepSummary.Row) -> String {
        guard let mean = row.mean else { return "n/a" }
        guard let std = row.std else { return "\(ReportText.cell(mean)) \(plusMinus) n/a" }
        return "\(ReportText.cell(mean)) \(plusMinus) \(ReportText.cell(std))"
    }

    var plusMinus: String { self == .latex ? "$\\pm$" : "±" }

    /// mean [lo, hi], signed.
    func interval(_ row: SweepSummary.Row) -> String {
        guard let mean = row.mean else { return "n/a" }
        guard let ci = row.ci95 else { return "\(signed(mean)) [n/a]" }
        return "\(signed(mean)) [\(signed(ci.lowerBound)), \(signed(ci.upperBound))]"
    }

    /// Three decimals after a sign: "+" or the minus sign "−" (U+2212). -0.0004 stays
    /// "−0.000": a difference that is negative says so.
    func signed(_ v: Double) -> String {
        let digits = String(format: "%.3f", abs(v))
        switch self {
        case .markdown, .html: return (v < 0 ? "\u{2212}" : "+") + digits
        case .latex: return (v < 0 ? "$-$" : "$+$") + digits
        }
    }

    /// Text for LaTeX: its ten special characters escaped.
    static func latex(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "\\": out += "\\textbackslash{}"
            case "~": out += "\\textasciitilde{}"
            case "^": out += "\\textasciicircum{}"
            case "&", "%", "$", "#", "_", "{", "}": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }
}
