/// One image's prediction as a picture people can read: three panels side by side (the
/// image in gray; the anomaly map in `HeatColour`, hatched gray where the map was not
/// evaluated; the overlay as `OverlayRenderer` draws it), a vertical colour bar on the right
/// labelled 0, 0.5 and 1, and caption lines (scores, class probabilities, the verdict) in a
/// band under the panels, all written with `BitmapFont` on a white ground.
///
/// Where the map is NaN (not evaluated, e.g. outside a centre crop) the map panel shows a
/// diagonal hatch of two grays and the overlay shows the plain image, with the region's
/// edge (its pixels next to evaluated ones) dashed in cyan. The lesion outline is drawn
/// wherever the lesion is, evaluated or not.
public struct PredictionPicture: Sendable {
    public let gray: [Float]
    public let map: [Float]
    public let width: Int
    public let height: Int
    public let lesion: [Bool]?
    public let caption: [String]

    /// gray: [h, w] in [0, 1]; map: [h, w] in [0, 1] with NaN where not evaluated (e.g.
    /// outside a centre crop); lesion: [h*w] Bool or nil (the true lesion's outline, when
    /// known); caption: the lines written under the panels.
    public init(gray: [Float], map: [Float], width: Int, height: Int, lesion: [Bool]? = nil, caption: [String]) {
        precondition(width > 0 && height > 0, "PredictionPicture: a \(width)x\(height) image")
        let n = width * height
        precondition(gray.count == n && map.count == n && (lesion?.count ?? n) == n,
                     "PredictionPicture: gray \(gray.count), map \(map.count), lesion \(lesion?.count ?? n) values for \(width)x\(height)")
        self.gray = gray
        self.map = map
        self.width = width
        self.height = height
        self.lesion = lesion
        self.caption = caption
    }

    // MARK: Colours

    static let background: (Float, Float, Float) = (1, 1, 1)
    static let ink: (Float, Float, Float) = (0, 0, 0)
    /// The hatch where the map is NaN: lines (every 6th diagonal, 2 wide) on a ground.
    static let hatchLine: Float = 0.42
    static let hatchGround: Float = 0.66
    /// The dashed edge of the not-evaluated region in the overlay.
    static let notEvaluatedEdge: (Float, Float, Float) = (0, 0.8, 1)

    /// The hatch gray at panel pixel (x, y) of a NaN map value.
    static func hatch(x: Int, y: Int) -> Float { (x + y) % 6 < 2 ? hatchLine : hatchGround }

    /// Whether the overlay dash is on at (x, y): 4 pixels on, 4 off, along rows and columns.
    static func dashOn(x: Int, y: Int) -> Bool { (x + y) / 4 % 2 == 0 }

    // MARK: Layout

    /// Where everything goes, in picture pixels.
    struct Layout: Equatable {
        /// The font's scale (pixel blocks per font pixel) and the margin between parts.
        var scale: Int
        var pad: Int
        /// Text rows from one caption line to the next.
        var lineHeight: Int
        /// Panel titles' top row; the panels' top row and each panel's left column.
        var titleTop: Int
        var panelTop: Int
        var panelLeft: [Int]
        /// The colour bar: its columns barLeft..<barLeft+barWidth and the panels' rows, value
        /// 1 at the top row, 0 at the bottom one; a 1-pixel frame around it.
        var barLeft: Int
        var barWidth: Int
        /// Left column of the bar's labels.
        var labelLeft: Int
        /// Top row of the first caption line (line k at captionTop + k * lineHeight).
        var captionTop: Int
        var width: Int
        var height: Int
    }

    /// The font scale for an image of this size: 1 below 160 pixels on the longer side, 2
    /// up to 448 (a 256-pixel panel), 3 above.
    static func fontScale(width: Int, height: Int) -> Int {
        let side = max(width, height)
        return side < 160 ? 1 : side <= 448 ? 2 : 3
    }

    var layout: Layout {
        let s = Self.fontScale(width: width, height: height)
        let pad = 4 * s, line = BitmapFont.lineHeight * s
        let panelTop = pad + line
        let panelLeft = (0..<3).map { pad + $0 * (width + pad) }
        let barLeft = panelLeft[2] + width + 2 * pad
        let barWidth = 6 * s
        // Frame column, a 1-pixel tick 2s long, a gap of 3s (so a tick does not read as a minus).
        let labelLeft = barLeft + barWidth + 1 + 5 * s
        let barRight = labelLeft + Self.barLabels.map { BitmapFont.width(of: $0.text, scale: s) }.max()! + pad
        let textRight = pad + (caption.map { BitmapFont.width(of: $0, scale: s) }.max() ?? 0) + pad
        let captionTop = panelTop + height + 2 * pad
        let h = caption.isEmpty ? panelTop + height + pad
            : captionTop + caption.count * line - (BitmapFont.lineHeight - BitmapFont.glyphHeight) * s + pad
        return Layout(scale: s, pad: pad, lineHeight: line, titleTop: pad, panelTop: panelTop, panelLeft: panelLeft,
                      barLeft: barLeft, barWidth: barWidth, labelLeft: labelLeft, captionTop: captionTop,
                      width: max(barRight, textRight), height: h)
    }

    /// The bar's labels and the values they stand at.
    static let barLabels: [(text: String, value: Float)] = [("1", 1), ("0.5", 0.5), ("0", 0)]

    /// The map value the colour bar shows in its row `row` of `rows` (1 at the top, 0 at
    /// the bottom).
    static func barValue(row: Int, rows: Int) -> Float {
        rows > 1 ? 1 - Float(row) / Float(rows - 1) : 1
    }

    /// The bar's row for value v (the row whose `barValue` is nearest).
    static func barRow(value v: Float, rows: Int) -> Int {
        Int(((1 - v) * Float(rows - 1)).rounded())
    }

    /// The panel titles, shortened when a panel is too narrow for them.
    func titles(scale s: Int) -> [String] {
        ["image", BitmapFont.width(of: "anomaly map", scale: s) <= width ? "anomaly map" : "map", "overlay"]
    }

    // MARK: Drawing

    /// The picture, [3, H, W] in [0, 1], and its size: three panels side by side (the image;
    /// the map as a heat colour, hatched gray where NaN; the overlay as `OverlayRenderer`
    /// draws it, NaN regions left as the plain image with their edge dashed), a vertical
    /// colour bar on the right labelled 0, 0.5, 1, and the caption lines (e.g. "image score
    /// 0.734", "p normal 0.12  benign 0.31  malignant 0.57", "predicted malignant
    /// (flagged)") in a band under the panels. `layout` says where each part is.
    public func render() -> (width: Int, height: Int, pixels: [Float]) {
        let L = layout, W = L.width, H = L.height, plane = W * H, s = L.scale
        var px = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            px[i] = Self.background.0
            px[plane + i] = Self.background.1
            px[2 * plane + i] = Self.background.2
        }
        func set(_ x: Int, _ y: Int, _ c: (Float, Float, Float)) {
            guard x >= 0, x < W, y >= 0, y < H else { return }
            let i = y * W + x
            px[i] = c.0
            px[plane + i] = c.1
            px[2 * plane + i] = c.2
        }

        for (k, title) in titles(scale: s).enumerated() {
            BitmapFont.draw(title, into: &px, width: W, height: H, x: L.panelLeft[k], y: L.titleTop, scale: s, colour: Self.ink)
        }

        // Panel 1: the image; panel 2: the map.
        let g = gray.map(OverlaySample.unit)
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x, v = g[i]
                set(L.panelLeft[0] + x, L.panelTop + y, (v, v, v))
                let m = map[i]
                if m.isNaN {
                    let h = Self.hatch(x: x, y: y)
                    set(L.panelLeft[1] + x, L.panelTop + y, (h, h, h))
                } else {
                    let c = HeatColour.rgb(m)
                    set(L.panelLeft[1] + x, L.panelTop + y, (c.r, c.g, c.b))
                }
            }
        }

        // Panel 3: the overlay, a NaN map value drawn as 0 (the plain image), then the dashed
        // edge of the not-evaluated region where the lesion outline is not.
        let lesionMask = lesion ?? [Bool](repeating: false, count: width * height)
        let overlay = OverlayRenderer.pixels(gray: g, map: map.map(OverlaySample.unit), lesion: lesionMask,
                                             width: width, height: height)
        let op = width * height
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                var c = (overlay[i], overlay[op + i], overlay[2 * op + i])
                if isNotEvaluatedEdge(x: x, y: y), Self.dashOn(x: x, y: y),
                   !OverlayRenderer.isBoundary(lesionMask, width: width, height: height, x: x, y: y) {
                    c = Self.notEvaluatedEdge
                }
                set(L.panelLeft[2] + x, L.panelTop + y, c)
            }
        }

        // The colour bar, its frame, ticks and labels.
        for r in 0..<height {
            let c = HeatColour.rgb(Self.barValue(row: r, rows: height))
            for x in L.barLeft..<(L.barLeft + L.barWidth) { set(x, L.panelTop + r, (c.r, c.g, c.b)) }
        }
        for x in (L.barLeft - 1)...(L.barLeft + L.barWidth) {
            set(x, L.panelTop - 1, Self.ink)
            set(x, L.panelTop + height, Self.ink)
        }
        for y in (L.panelTop - 1)...(L.panelTop + height) {
            set(L.barLeft - 1, y, Self.ink)
            set(L.barLeft + L.barWidth, y, Self.ink)
        }
        for label in Self.barLabels {
            let row = L.panelTop + Self.barRow(value: label.value, rows: height)
            for x in (L.barLeft + L.barWidth + 1)..<(L.barLeft + L.barWidth + 1 + 2 * s) { set(x, row, Self.ink) }
            BitmapFont.draw(label.text, into: &px, width: W, height: H, x: L.labelLeft,
                            y: row - (BitmapFont.glyphHeight - 1) * s / 2, scale: s, colour: Self.ink)
        }

        for (k, line) in caption.enumerated() {
            BitmapFont.draw(line, into: &px, width: W, height: H, x: L.pad, y: L.captionTop + k * L.lineHeight,
                            scale: s, colour: Self.ink)
        }
        return (W, H, px)
    }

    /// A NaN map pixel with an evaluated (non-NaN) 4-neighbour.
    func isNotEvaluatedEdge(x: Int, y: Int) -> Bool {
        guard map[y * width + x].isNaN else { return false }
        for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
            let nx = x + dx, ny = y + dy
            if nx >= 0, nx < width, ny >= 0, ny < height, !map[ny * width + nx].isNaN { return true }
        }
        return false
    }
}
