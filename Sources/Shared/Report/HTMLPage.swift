/// What the self-contained report pages (report.html, a sweep's summary.html) share: the
/// style in the page, escaping, and the page's start and end. Nothing is fetched: no
/// script, no link, no font.
enum HTMLPage {
    static let style = """
    body{font-family:sans-serif;margin:24px auto;max-width:1320px;color:#222;background:#fff}
    h1{font-size:24px}h2{font-size:19px;margin-top:32px;border-bottom:1px solid #ddd}h3{font-size:16px}
    table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #ccc;padding:4px 8px}td.n{text-align:right}
    th{background:#f4f4f4}figure{display:inline-block;margin:6px;text-align:center;vertical-align:top}
    figcaption{font-size:12px;max-width:520px;word-break:break-all}img.overlay{max-width:520px;image-rendering:pixelated}
    .charts svg,.roc svg{margin:4px;border:1px solid #eee}.foot{font-size:13px;color:#444}
    """

    static func esc(_ s: String) -> String { ReportText.xml(s) }

    /// Up to the page's <h1>, the title.
    static func start(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><title>\(esc(title))</title>
        <style>\(style)</style></head><body>
        <h1>\(esc(title))</h1>

        """
    }

    static let end = "</body></html>\n"

    /// An SVG file's text without its XML declaration, for inlining.
    static func inline(_ svg: String) -> String {
        guard svg.hasPrefix("<?xml"), let end = svg.firstIndex(of: "\n") else { return svg }
        return String(svg[svg.index(after: end)...])
    }
}
