/// BUS-UCLM's size rule: one patient's masks are stored at another resolution than their
/// images. Such a mask is resized to its image when the two aspect ratios agree within
/// `aspectTolerance` (the same picture at another scale); otherwise the pair is skipped.
public enum MaskFit {
    /// The relative difference of the aspect ratios that still counts as the same shape.
    public static let aspectTolerance = 0.02

    public static func aspectsAgree(mask: (width: Int, height: Int), image: (width: Int, height: Int)) -> Bool {
        guard mask.width > 0, mask.height > 0, image.width > 0, image.height > 0 else { return false }
        let m = Double(mask.width) / Double(mask.height), i = Double(image.width) / Double(image.height)
        return abs(m - i) / i <= aspectTolerance
    }

    /// Nearest-neighbour resize (pixel centres mapped back): values [h, w] -> [H, W].
    public static func nearest(_ values: [Float], from: (width: Int, height: Int), to: (width: Int, height: Int)) -> [Float] {
        var out = [Float](repeating: 0, count: to.width * to.height)
        for y in 0..<to.height {
            let sy = min(from.height - 1, (2 * y + 1) * from.height / (2 * to.height))
            for x in 0..<to.width {
                let sx = min(from.width - 1, (2 * x + 1) * from.width / (2 * to.width))
                out[y * to.width + x] = values[sy * from.width + sx]
            }
        }
        return out
    }
}
