import Foundation
import XCTest
@testable import Shared

/// The bitmap font, the shared heat colour and the prediction picture: glyph pixels, text
/// extents and clipping, the picture's layout, each panel against what it should show, the
/// colour bar, the NaN hatch and the caption band.
final class PredictionPictureTests: XCTestCase {
    // MARK: Helpers

    /// A white [3, h, w] picture.
    static func white(_ w: Int, _ h: Int) -> [Float] { [Float](repeating: 1, count: 3 * w * h) }

    /// The rows of a picture as "#" (any channel below 0.5) and "." strings.
    static func rows(_ px: [Float], width w: Int, height h: Int) -> [String] {
        let plane = w * h
        return (0..<h).map { y in
            String((0..<w).map { x -> Character in
                let i = y * w + x
                return min(px[i], px[plane + i], px[2 * plane + i]) < 0.5 ? "#" : "."
            })
        }
    }

    /// The rows `text` draws at scale 1 in a picture exactly its size (8 rows).
    static func drawn(_ text: String, scale: Int = 1) -> [String] {
        let w = BitmapFont.width(of: text, scale: scale), h = BitmapFont.glyphHeight * scale
        var px = white(w, h)
        BitmapFont.draw(text, into: &px, width: w, height: h, x: 0, y: 0, scale: scale, colour: (0, 0, 0))
        return rows(px, width: w, height: h)
    }

    /// The pixels (x, y) that are not white.
    static func touched(_ px: [Float], width w: Int, height h: Int) -> [(x: Int, y: Int)] {
        let plane = w * h
        var out: [(x: Int, y: Int)] = []
        for y in 0..<h {
            for x in 0..<w {
                let i = y * w + x
                if px[i] != 1 || px[plane + i] != 1 || px[2 * plane + i] != 1 { out.append((x, y)) }
            }
        }
        return out
    }

    /// The (r, g, b) at (x, y) of a [3, h, w] picture.
    static func pixel(_ p: (width: Int, height: Int, pixels: [Float]), _ x: Int, _ y: Int) -> [Float] {
        let plane = p.width * p.height, i = y * p.width + x
        return [p.pixels[i], p.pixels[plane + i], p.pixels[2 * plane + i]]
    }

    static func rgb(_ c: (r: Float, g: Float, b: Float)) -> [Float] { [c.r, c.g, c.b] }

    // MARK: Font

    func testGlyphsAreTheirBitPatterns() {
        XCTAssertEqual(Self.drawn("0"), [".###.", "#...#", "#..##", "#.#.#", "##..#", "#...#", ".###.", "....."])
        XCTAssertEqual(Self.drawn("1"), ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.", "....."])
        XCTAssertEqual(Self.drawn("A"), [".###.", "#...#", "#...#", "#####", "#...#", "#...#", "#...#", "....."])
        // A descender reaches the 8th row; the blank column between characters stays blank.
        let g = [".....", ".....", ".####", "#...#", "#...#", ".####", "....#", ".###."]
        let dot = [".....", ".....", ".....", ".....", ".....", ".##..", ".##..", "....."]
        XCTAssertEqual(Self.drawn("g."), zip(g, dot).map { $0 + "." + $1 })
        // Scale 2: every font pixel a 2x2 block.
        XCTAssertEqual(Self.drawn("1", scale: 2), ["..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###.", "....."]
            .flatMap { row -> [String] in
                let wide = String(row.flatMap { [$0, $0] })
                return [wide, wide]
            })
        // A character the font lacks is a box.
        XCTAssertEqual(Self.drawn("é"), [".....", "#####", "#...#", "#...#", "#...#", "#...#", "#####", "....."])
        XCTAssertEqual(Self.drawn("é"), Self.drawn("\u{2603}"))
    }

    func testTheFontHasEveryCharacterTheCaptionsNeed() {
        let needed = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ .,:=-+%/()_<"
        for c in needed { XCTAssertTrue(BitmapFont.has(c), "no glyph for \(c)") }
        XCTAssertFalse(BitmapFont.has("é"))
        // Distinct characters look different (no glyph copied by mistake), space is blank.
        let drawnGlyphs = needed.filter { $0 != " " }.map { BitmapFont.glyph($0) }
        XCTAssertEqual(Set(drawnGlyphs).count, drawnGlyphs.count)
        XCTAssertTrue(drawnGlyphs.allSatisfy { $0.contains { $0 != 0 } && $0 != BitmapFont.box })
        XCTAssertEqual(BitmapFont.glyph(" "), [UInt8](repeating: 0, count: 8))
        // Only the descenders (and the comma and underscore) use the 8th row.
        XCTAssertEqual(Set(needed.filter { BitmapFont.glyph($0)[7] != 0 }), Set("gjpqy,_"))
    }

    func testWidthIsWhatDrawTouches() {
        XCTAssertEqual(BitmapFont.width(of: "", scale: 2), 0)
        XCTAssertEqual(BitmapFont.width(of: "A", scale: 1), 5)
        XCTAssertEqual(BitmapFont.width(of: "AB", scale: 2), 22)
        XCTAssertEqual(BitmapFont.width(of: "0.5", scale: 3), 51)
        let w = 200, h = 40
        for scale in 1...3 {
            // Texts whose first and last glyph reach their outer columns span exactly the width.
            for text in ["A0", "HM", "Wm", "Bad score 0.734", "W"] {
                var px = Self.white(w, h)
                BitmapFont.draw(text, into: &px, width: w, height: h, x: 3, y: 2, scale: scale, colour: (0.2, 0.1, 0))
                let t = Self.touched(px, width: w, height: h)
                guard let minX = t.map(\.x).min(), let maxX = t.map(\.x).max() else { continue }
                if BitmapFont.width(of: text, scale: scale) + 3 > w { continue }
                XCTAssertEqual(minX, 3, text)
                XCTAssertEqual(maxX - minX + 1, BitmapFont.width(of: text, scale: scale), "\(text) at \(scale)")
                XCTAssertGreaterThanOrEqual(t.map(\.y).min()!, 2)
                XCTAssertLessThan(t.map(\.y).max()!, 2 + BitmapFont.glyphHeight * scale)
            }
            // Any text stays within its width and rows.
            for text in ["1", "(p)", "x_y", ".,:", "rl", "image score 0.734"] {
                var px = Self.white(w, h)
                BitmapFont.draw(text, into: &px, width: w, height: h, x: 5, y: 1, scale: scale, colour: (0, 0, 0))
                let t = Self.touched(px, width: w, height: h)
                XCTAssertFalse(t.isEmpty, text)
                XCTAssertTrue(t.allSatisfy { $0.x >= 5 && $0.x < 5 + BitmapFont.width(of: text, scale: scale) }, text)
                XCTAssertTrue(t.allSatisfy { $0.y >= 1 && $0.y < 1 + BitmapFont.glyphHeight * scale }, text)
            }
        }
        // The colour is written exactly.
        var px = Self.white(8, 8)
        BitmapFont.draw("1", into: &px, width: 8, height: 8, x: 0, y: 0, scale: 1, colour: (0.25, 0.5, 0.75))
        XCTAssertEqual([px[2], px[64 + 2], px[128 + 2]], [0.25, 0.5, 0.75])
    }

    func testTextClipsAtTheEdges() {
        // A drawing clipped by the picture's edges is the matching window of an unclipped one.
        let text = "Hg0%q", scale = 2
        let fw = BitmapFont.width(of: text, scale: scale) + 40, fh = 16 * scale + 40
        var full = Self.white(fw, fh)
        BitmapFont.draw(text, into: &full, width: fw, height: fh, x: 20, y: 20, scale: scale, colour: (0, 0, 0))
        let w = 23, h = 9
        for (x, y) in [(-7, -3), (-31, 4), (15, 3), (18, -9), (-5, 6), (0, 0), (-BitmapFont.width(of: text, scale: scale) + 1, 0)] {
            var px = Self.white(w, h)
            BitmapFont.draw(text, into: &px, width: w, height: h, x: x, y: y, scale: scale, colour: (0, 0, 0))
            for py in 0..<h {
                for qx in 0..<w {
                    let fx = qx - x + 20, fy = py - y + 20
                    let expected: Float = fx >= 0 && fx < fw && fy >= 0 && fy < fh ? full[fy * fw + fx] : 1
                    XCTAssertEqual(px[py * w + qx], expected, "at (\(qx), \(py)) drawing at (\(x), \(y))")
                }
            }
        }
        // Wholly outside, a scale of 0 and an empty picture draw nothing.
        for (x, y, s) in [(-1000, 0, 2), (10_000, 0, 1), (0, -500, 3), (0, 9, 1), (23, 0, 1), (0, 0, 0)] {
            var px = Self.white(w, h)
            BitmapFont.draw(text, into: &px, width: w, height: h, x: x, y: y, scale: s, colour: (0, 0, 0))
            XCTAssertEqual(px, Self.white(w, h), "at (\(x), \(y)) scale \(s)")
        }
        var empty: [Float] = []
        BitmapFont.draw(text, into: &empty, width: 0, height: 0, x: 0, y: 0, scale: 1, colour: (0, 0, 0))
    }

    // MARK: Heat colour

    func testHeatColourIsTheOverlaysHueOverBlack() {
        XCTAssertEqual(Self.rgb(HeatColour.rgb(0)), [0, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(0.25)), [0.25, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(0.5)), [0.5, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(0.75)), [0.75, 0.375, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(1)), [1, 1, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(2)), [1, 1, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(-1)), [0, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.rgb(.nan)), [0, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.hue(0.1)), [1, 0, 0])
        XCTAssertEqual(Self.rgb(HeatColour.hue(0.875)), [1, 0.75, 0])
        // The overlay blends the hue at 0.75 x the value: on black at 1, (0.75, 0.75, 0); on
        // gray 0.5 at 0.5, 0.625 x 0.5 + 0.375 x (1, 0, 0).
        let o = OverlayRenderer.pixels(gray: [0, 0.5], map: [1, 0.5], lesion: [false, false], width: 2, height: 1)
        XCTAssertEqual(o, [0.75, 0.6875, 0.75, 0.3125, 0, 0.3125])
    }

    // MARK: Picture

    /// A 3-channel 256-pixel test case: speckled gray, a dark oval lesion, a map peaking on
    /// it, NaN outside a centre crop of 224.
    static func ultrasound(size n: Int = 256, crop: Int = 224) -> (gray: [Float], map: [Float], lesion: [Bool]) {
        var rng = SplitMix64(seed: 11)
        var gray = [Float](repeating: 0, count: n * n), map = gray
        var lesion = [Bool](repeating: false, count: n * n)
        let cx = Float(n) * 0.55, cy = Float(n) * 0.45, rx = Float(n) * 0.16, ry = Float(n) * 0.1
        let lo = (n - crop) / 2, hi = lo + crop
        for y in 0..<n {
            for x in 0..<n {
                let i = y * n + x
                let dx = (Float(x) - cx) / rx, dy = (Float(y) - cy) / ry
                let d = dx * dx + dy * dy
                lesion[i] = d <= 1
                let depth = 0.55 - 0.3 * Float(y) / Float(n)
                let base = d <= 1 ? 0.12 : depth
                gray[i] = min(max(base + 0.25 * (rng.nextUniform() - 0.5), 0), 1)
                if x < lo || x >= hi || y < lo || y >= hi {
                    map[i] = .nan
                } else {
                    map[i] = min(max(exp(-d / 2.5) * 0.95 + 0.08 * rng.nextUniform(), 0), 1)
                }
            }
        }
        return (gray, map, lesion)
    }

    static let captions = ["image score 0.734", "p normal 0.12  benign 0.31  malignant 0.57", "predicted malignant (flagged)"]

    func testLayoutOfA256PixelPicture() {
        let u = Self.ultrasound()
        let picture = PredictionPicture(gray: u.gray, map: u.map, width: 256, height: 256, lesion: u.lesion, caption: Self.captions)
        let L = picture.layout
        XCTAssertEqual(L.scale, 2)
        XCTAssertEqual(L.pad, 8)
        XCTAssertEqual(L.panelTop, 28)
        XCTAssertEqual(L.panelLeft, [8, 272, 536])
        XCTAssertEqual(L.barLeft, 808)
        XCTAssertEqual(L.barWidth, 12)
        XCTAssertEqual(L.labelLeft, 831)
        XCTAssertEqual(L.captionTop, 300)
        XCTAssertEqual(L.lineHeight, 20)
        // Right: the labels' "0.5" (34 columns) and a margin; bottom: 3 lines, a margin.
        XCTAssertEqual(L.width, 831 + 34 + 8)
        XCTAssertEqual(L.height, 300 + 3 * 20 - 4 + 8)
        let p = picture.render()
        XCTAssertEqual(p.width, L.width)
        XCTAssertEqual(p.height, L.height)
        XCTAssertEqual(p.pixels.count, 3 * p.width * p.height)
        XCTAssertTrue(p.pixels.allSatisfy { $0 >= 0 && $0 <= 1 })

        // A long caption widens the picture; no caption drops the band.
        let long = String(repeating: "x", count: 80)
        let wide = PredictionPicture(gray: u.gray, map: u.map, width: 256, height: 256, caption: [long])
        XCTAssertEqual(wide.layout.width, 8 + BitmapFont.width(of: long, scale: 2) + 8)
        XCTAssertEqual(wide.render().width, wide.layout.width)
        let bare = PredictionPicture(gray: u.gray, map: u.map, width: 256, height: 256, caption: [])
        XCTAssertEqual(bare.render().height, 28 + 256 + 8)
        // Small images use the scale-1 font and the short map title; non-square ones work.
        let small = PredictionPicture(gray: [Float](repeating: 0.5, count: 40 * 24), map: [Float](repeating: 0.3, count: 40 * 24),
                                      width: 40, height: 24, caption: ["ok"])
        XCTAssertEqual(small.layout.scale, 1)
        XCTAssertEqual(small.titles(scale: 1), ["image", "map", "overlay"])
        let sp = small.render()
        XCTAssertEqual([sp.width, sp.height], [small.layout.width, small.layout.height])
        XCTAssertEqual(PredictionPicture.fontScale(width: 512, height: 300), 3)
        XCTAssertEqual(PredictionPicture.fontScale(width: 224, height: 224), 2)
    }

    func testPanelsShowTheImageTheMapAndTheOverlay() throws {
        let n = 64, crop = 40
        let u = Self.ultrasound(size: n, crop: crop)
        let picture = PredictionPicture(gray: u.gray, map: u.map, width: n, height: n, lesion: u.lesion, caption: ["x"])
        let L = picture.layout, p = picture.render()

        // The overlay OverlayRenderer draws for the same image, through the report's path.
        let e = ImageEvaluation(id: "x", label: 2, image: Tensor(shape: [n, n], data: u.gray),
                                mask: Tensor(shape: [n, n], data: u.lesion.map { $0 ? 1 : 0 }),
                                map: Tensor(shape: [n, n], data: u.map), score: 0.7, probabilities: [0.1, 0.2, 0.7])
        let sample = try XCTUnwrap(OverlaySample(e, maxSide: 256))
        let overlay = OverlayRenderer.pixels(sample)

        var hatchSeen: Set<Float> = [], dashes = 0, nanCount = 0
        for y in 0..<n {
            for x in 0..<n {
                let i = y * n + x, v = u.map[i]
                // Panel 1: the gray image, exactly.
                XCTAssertEqual(Self.pixel(p, L.panelLeft[0] + x, L.panelTop + y), [u.gray[i], u.gray[i], u.gray[i]])
                // Panel 2: the heat colour, or the hatch (gray, so never a heat colour, whose blue is 0).
                let m = Self.pixel(p, L.panelLeft[1] + x, L.panelTop + y)
                let o = Self.pixel(p, L.panelLeft[2] + x, L.panelTop + y)
                let expectedOverlay = [overlay[i], overlay[n * n + i], overlay[2 * n * n + i]]
                if v.isNaN {
                    nanCount += 1
                    let hatch = PredictionPicture.hatch(x: x, y: y)
                    XCTAssertEqual(m, [hatch, hatch, hatch])
                    XCTAssertTrue([PredictionPicture.hatchLine, PredictionPicture.hatchGround].contains(m[0]))
                    XCTAssertGreaterThan(m[2], 0, "a NaN pixel drawn as heat")
                    hatchSeen.insert(m[0])
                    // Panel 3 there: the plain image (= the overlay at 0), or the dashed edge.
                    XCTAssertEqual(expectedOverlay, [u.gray[i], u.gray[i], u.gray[i]])
                    if o != expectedOverlay {
                        XCTAssertTrue(picture.isNotEvaluatedEdge(x: x, y: y), "(\(x), \(y))")
                        let edge = PredictionPicture.notEvaluatedEdge
                        XCTAssertEqual(o, [edge.0, edge.1, edge.2])
                        dashes += 1
                    }
                } else {
                    XCTAssertEqual(m, Self.rgb(HeatColour.rgb(v)))
                    // Panel 3 where the map is finite: OverlayRenderer's pixel, exactly.
                    XCTAssertEqual(o, expectedOverlay, "overlay at (\(x), \(y))")
                }
            }
        }
        XCTAssertEqual(nanCount, n * n - crop * crop)
        XCTAssertEqual(hatchSeen, [PredictionPicture.hatchLine, PredictionPicture.hatchGround])
        // The crop's edge (4 x 40 pixels outside it next to it) is half dashed.
        XCTAssertGreaterThan(dashes, 4 * crop / 2 - 8)
        XCTAssertLessThan(dashes, 4 * crop / 2 + 8)
        // The lesion outline is in the overlay panel.
        XCTAssertTrue((0..<n).contains { x in (0..<n).contains { y in
            Self.pixel(p, L.panelLeft[2] + x, L.panelTop + y) == [0, 1, 0] } })
    }

    func testTheColourBarShowsHeatColourFromOneAtTheTopToZero() {
        let n = 101
        let picture = PredictionPicture(gray: [Float](repeating: 0.4, count: n * n), map: [Float](repeating: 0.2, count: n * n),
                                        width: n, height: n, caption: [])
        let L = picture.layout, p = picture.render()
        for r in 0..<n {
            let v = PredictionPicture.barValue(row: r, rows: n)
            XCTAssertEqual(v, 1 - Float(r) / 100)
            for x in L.barLeft..<(L.barLeft + L.barWidth) {
                XCTAssertEqual(Self.pixel(p, x, L.panelTop + r), Self.rgb(HeatColour.rgb(v)), "row \(r)")
            }
        }
        XCTAssertEqual(Self.pixel(p, L.barLeft, L.panelTop), [1, 1, 0])
        XCTAssertEqual(Self.pixel(p, L.barLeft + 1, L.panelTop + 50), [0.5, 0, 0])
        XCTAssertEqual(Self.pixel(p, L.barLeft, L.panelTop + 100), [0, 0, 0])
        // A frame around it; labels "1", "0.5" and "0" to its right at their rows.
        XCTAssertEqual(Self.pixel(p, L.barLeft - 1, L.panelTop + 30), [0, 0, 0])
        XCTAssertEqual(Self.pixel(p, L.barLeft + L.barWidth, L.panelTop + 30), [0, 0, 0])
        for (label, row) in [("1", 0), ("0.5", 50), ("0", 100)] {
            let s = L.scale, top = L.panelTop + row - (BitmapFont.glyphHeight - 1) * s / 2
            let w = BitmapFont.width(of: label, scale: s), h = 8 * s
            var expected = Self.white(w, h)
            BitmapFont.draw(label, into: &expected, width: w, height: h, x: 0, y: 0, scale: s, colour: (0, 0, 0))
            var got = Self.white(w, h)
            for y in 0..<h {
                for x in 0..<w {
                    let c = Self.pixel(p, L.labelLeft + x, top + y)
                    for k in 0..<3 { got[k * w * h + y * w + x] = c[k] }
                }
            }
            XCTAssertEqual(Self.rows(got, width: w, height: h), Self.rows(expected, width: w, height: h), label)
        }
    }

    func testTheCaptionBandHasTextWhereTextIsWritten() {
        let u = Self.ultrasound(size: 200, crop: 180)
        let picture = PredictionPicture(gray: u.gray, map: u.map, width: 200, height: 200,
                                        caption: ["image score 0.734", "   ", "predicted malignant (flagged)"])
        let L = picture.layout, p = picture.render()
        func dark(inLine k: Int) -> Int {
            var count = 0
            for y in (L.captionTop + k * L.lineHeight)..<(L.captionTop + (k + 1) * L.lineHeight) where y < p.height {
                for x in 0..<p.width where Self.pixel(p, x, y).allSatisfy({ $0 < 0.5 }) { count += 1 }
            }
            return count
        }
        XCTAssertGreaterThan(dark(inLine: 0), 100)
        XCTAssertEqual(dark(inLine: 1), 0, "a blank caption line")
        XCTAssertGreaterThan(dark(inLine: 2), 100)
        // Line 0 is exactly its text drawn at (pad, captionTop).
        let s = L.scale, text = "image score 0.734"
        let w = BitmapFont.width(of: text, scale: s), h = BitmapFont.glyphHeight * s
        var expected = Self.white(w, h)
        BitmapFont.draw(text, into: &expected, width: w, height: h, x: 0, y: 0, scale: s, colour: (0, 0, 0))
        let expectedRows = Self.rows(expected, width: w, height: h)
        for y in 0..<h {
            let row = String((0..<w).map { x in Self.pixel(p, L.pad + x, L.captionTop + y)[0] < 0.5 ? "#" : "." })
            XCTAssertEqual(row, expectedRows[y])
        }
        // Nothing but white between the panels' bottom and the band, and right of the text.
        for y in (L.panelTop + 200 + L.pad)..<L.captionTop {
            for x in 0..<L.barLeft where Self.pixel(p, x, y) != [1, 1, 1] { XCTFail("(\(x), \(y))"); return }
        }
    }

    func testWritesASamplePicture() throws {
        let u = Self.ultrasound()
        let p = PredictionPicture(gray: u.gray, map: u.map, width: 256, height: 256, lesion: u.lesion, caption: Self.captions).render()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("ultraad-prediction-picture-sample.png").path
        try PNGImage.writeRGB8(path, width: p.width, height: p.height, pixels: p.pixels)
        print("prediction picture sample: \(path)")
        let back = try PNGImage.readRGB(path)
        XCTAssertEqual(back.width, p.width)
        XCTAssertEqual(back.height, p.height)
    }
}
