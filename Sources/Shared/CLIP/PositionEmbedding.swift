/// Position embeddings for an input grid other than the checkpoint's.
///
/// The convention is open_clip's `resize_pos_embed`: the class position is kept, the
/// grid part is resampled as D planes of g x g with bicubic interpolation, antialias on,
/// align_corners off, to the explicit new grid size (`BicubicResize`). Hugging Face's
/// `interpolate_pos_encoding` differs (no antialias, so a = -0.75 and clamped borders);
/// it is not implemented.
enum PositionEmbedding {
    /// pos: [g*g + 1, D] -> [gh*gw + 1, D]; returned unchanged when the grid is the same.
    static func resized(_ pos: Tensor, grid: Int, to target: (height: Int, width: Int)) -> Tensor {
        if target.height == grid && target.width == grid { return pos }
        let d = pos.rowLength, n = grid * grid
        var planes = Tensor(zeros: [d, grid, grid])
        for i in 0..<n { for c in 0..<d { planes.data[c * n + i] = pos.data[(i + 1) * d + c] } }
        let resized = BicubicResize(from: (grid, grid), to: target).forward(planes)
        let m = target.height * target.width
        var out = Tensor(zeros: [m + 1, d])
        for c in 0..<d { out.data[c] = pos.data[c] }
        for i in 0..<m { for c in 0..<d { out.data[(i + 1) * d + c] = resized.data[c * m + i] } }
        return out
    }
}
