import Shared

extension PNGImage {
    /// Any PNG as one channel in [0, 1] for the tests' checks: the gray value of a gray
    /// file, max(R, G, B) of a color or palette one (alpha composited over black, as
    /// `readRGB` does). Datasets read masks through `ImageFile` instead.
    /// returns: values [H, W]
    public static func readMask(_ path: String) throws -> (width: Int, height: Int, values: [Float]) {
        let rgb = try readRGB(path)
        let n = rgb.width * rgb.height
        return (rgb.width, rgb.height, (0..<n).map { max(rgb.pixels[$0], rgb.pixels[n + $0], rgb.pixels[2 * n + $0]) })
    }
}
