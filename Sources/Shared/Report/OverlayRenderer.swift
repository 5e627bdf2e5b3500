/// Draws an overlay: the gray image, the anomaly map alpha-blended over it as a heat
/// colour (`HeatColour`: transparent at 0, red at 0.5, yellow at 1, opacity 0.75 x the map
/// value), and the true lesion's 1-pixel outline in pure green on top.
enum OverlayRenderer {
    /// The outline colour (R, G, B).
    static let outline: (Float, Float, Float) = (0, 1, 0)

    /// returns: [3, height, width] in [0, 1]
    static func pixels(_ s: OverlaySample) -> [Float] {
        pixels(gray: s.gray, map: s.map, lesion: s.lesion, width: s.width, height: s.height)
    }

    /// gray, map: [height, width] in [0, 1]; lesion: [height, width], true on the lesion.
    /// returns: [3, height, width] in [0, 1]
    static func pixels(gray: [Float], map: [Float], lesion: [Bool], width w: Int, height h: Int) -> [Float] {
        let plane = w * h
        var out = [Float](repeating: 0, count: 3 * plane)
        for i in 0..<plane {
            let g = gray[i], v = map[i]
            let heat = HeatColour.hue(v)
            let a = HeatColour.overlayOpacity(v)
            out[i] = (1 - a) * g + a * heat.r
            out[plane + i] = (1 - a) * g + a * heat.g
            out[2 * plane + i] = (1 - a) * g + a * heat.b
        }
        for y in 0..<h {
            for x in 0..<w where isBoundary(lesion, width: w, height: h, x: x, y: y) {
                let i = y * w + x
                out[i] = outline.0
                out[plane + i] = outline.1
                out[2 * plane + i] = outline.2
            }
        }
        return out
    }

    /// A lesion pixel with a 4-neighbour outside the lesion or on the image border.
    static func isBoundary(_ s: OverlaySample, x: Int, y: Int) -> Bool {
        isBoundary(s.lesion, width: s.width, height: s.height, x: x, y: y)
    }

    /// A lesion pixel with a 4-neighbour outside the lesion or on the image border.
    /// lesion: [h, w]
    static func isBoundary(_ lesion: [Bool], width w: Int, height h: Int, x: Int, y: Int) -> Bool {
        guard lesion[y * w + x] else { return false }
        if x == 0 || y == 0 || x == w - 1 || y == h - 1 { return true }
        return !lesion[y * w + x - 1] || !lesion[y * w + x + 1]
            || !lesion[(y - 1) * w + x] || !lesion[(y + 1) * w + x]
    }
}
