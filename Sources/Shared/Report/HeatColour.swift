/// The anomaly map's colour, one definition for every picture that shows a map: a hue that
/// runs from red (value 0.5 and below) to yellow (value 1), and how strongly it shows.
///
/// - `OverlayRenderer` blends the hue over the gray image with opacity `overlayOpacity(v)`
///   (0.75 x the value: the image shows through, and a value of 0 leaves it unchanged).
/// - A map drawn on its own (`PredictionPicture`'s map panel and colour bar) is the hue over
///   black at opacity v: `rgb(v)`, black at 0, dark red at 0.25, red at 0.5, yellow at 1.
enum HeatColour {
    /// The hue at map value v (clamped to [0, 1]): red up to 0.5, then towards yellow.
    @inline(__always)
    static func hue(_ v: Float) -> (r: Float, g: Float, b: Float) {
        (r: 1, g: min(max(2 * v - 1, 0), 1), b: 0)
    }

    /// The opacity of the hue over the gray image in an overlay.
    @inline(__always)
    static func overlayOpacity(_ v: Float) -> Float { 0.75 * v }

    /// The colour of map value v shown on its own: the hue over black at opacity v.
    /// v is clamped to [0, 1]; NaN gives black (a caller that means "not evaluated" draws
    /// something else there).
    static func rgb(_ v: Float) -> (r: Float, g: Float, b: Float) {
        let u = v.isNaN ? 0 : min(max(v, 0), 1)
        let h = hue(u)
        return (r: u * h.r, g: u * h.g, b: u * h.b)
    }
}
