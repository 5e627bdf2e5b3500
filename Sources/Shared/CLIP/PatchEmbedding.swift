/// The patch convolution (stride = kernel = p, no bias) as one GEMM per image over
/// im2col rows.
enum PatchEmbedding {
    /// Patches of image `b` of `images` [B, 3, H, W] as rows [gh*gw, 3 p p], each row
    /// ordered (channel, row in patch, column in patch) like the conv weight. Pixels past
    /// the last whole patch are ignored, as a stride-p convolution ignores them.
    static func columns(_ images: Tensor, image b: Int, patch p: Int, grid: (height: Int, width: Int)) -> [Float] {
        let h = images.shape[2], w = images.shape[3]
        let rowLength = 3 * p * p
        var out = [Float](repeating: 0, count: grid.height * grid.width * rowLength)
        let base = b * 3 * h * w
        for gy in 0..<grid.height {
            for gx in 0..<grid.width {
                let row = (gy * grid.width + gx) * rowLength
                for c in 0..<3 {
                    for ky in 0..<p {
                        let src = base + c * h * w + (gy * p + ky) * w + gx * p
                        let dst = row + (c * p + ky) * p
                        for kx in 0..<p { out[dst + kx] = images.data[src + kx] }
                    }
                }
            }
        }
        return out
    }
}
