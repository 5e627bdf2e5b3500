import Shared

/// Features with a planted lesion signal: lesion patches carry an extra direction in U
/// (and through the projection in Z0), so the adapters have something to learn.
enum PlantedFeatures {
    static let config = HeadConfig(jointDim: 16, visionWidth: 24, layers: [1, 2], adapterRank: 4)
    static let grid = 4, maskSide = 16

    static func pool(seed: UInt64, perClass: Int = 4, views: Int = 2) -> SupportPool {
        let c = config
        var rng = SplitMix64(seed: seed)
        let proj = HeadTestData.normals([c.visionWidth, c.jointDim], &rng, std: 1 / Float(c.visionWidth).squareRoot())
        let lesionDirection = HeadTestData.normals([c.visionWidth], &rng)
        let common = HeadTestData.normals([c.visionWidth], &rng, std: 2)
        var images = [SupportPool.Image]()
        for label in 0..<c.classes {
            for k in 0..<perClass {
                // Lesion: a 2x2 block of patches at a random place (none for normal).
                let y0 = Int(rng.next() % 3), x0 = Int(rng.next() % 3)
                var feats = [ImageFeatures](), masks = [Tensor]()
                for _ in 0..<views {
                    var mask = Tensor(zeros: [maskSide, maskSide])
                    var us = [Tensor](), zs = [Tensor]()
                    for _ in c.layers {
                        var u = HeadTestData.normals([grid * grid, c.visionWidth], &rng).addingRowVector(common)
                        if label > 0 {
                            for py in y0..<(y0 + 2) { for px in x0..<(x0 + 2) {
                                for j in 0..<c.visionWidth { u[py * grid + px, j] += 2.5 * lesionDirection.data[j] }
                            } }
                        }
                        us.append(u)
                        zs.append(u.matmul(proj))
                    }
                    if label > 0 {
                        let s = maskSide / grid
                        for y in (y0 * s)..<((y0 + 2) * s) { for x in (x0 * s)..<((x0 + 2) * s) { mask[y, x] = 1 } }
                    }
                    feats.append(ImageFeatures(g: HeadTestData.normals([c.jointDim], &rng), u: us, z0: zs))
                    masks.append(mask)
                }
                images.append(SupportPool.Image(id: Int32(label * 100 + k), label: label, views: feats, masks: masks))
            }
        }
        return SupportPool(images: images)
    }

    static func bank(_ pool: SupportPool, seed: UInt64) -> MemoryBank {
        var rng = SplitMix64(seed: seed)
        return pool.bank(t0: HeadTestData.normals([2, config.jointDim], &rng),
                         pt: HeadTestData.normals([config.classes, config.jointDim], &rng),
                         classes: config.classes)
    }

    /// Pixel AUROC of the head's maps over view 0 of every image.
    static func pixelAUROC(_ params: ParameterSet, _ pool: SupportPool, _ bank: MemoryBank) -> Double {
        let inference = HeadInference(parameters: params, config: config, bank: bank, smoothingSigma: nil)
        var scores = BinaryScores()
        for image in pool.images {
            let p = inference.predict(image.views[0], size: (maskSide, maskSide))
            try! scores.add(scores: p.map.data, labels: image.masks[0].data)
        }
        return scores.summary().auroc
    }
}
