import Foundation

/// docs/METHOD.md's frozen inputs from a CLIP: image views -> g, U.{l}, Z0.{l}; masks brought to
/// the encoder's field of view; text ensembles -> T0 and Pt. Pure compute, no file I/O.
public struct FrozenFeatureExtractor: Sendable {
    public let encoder: CLIPImageEncoder
    public let preprocessor: CLIPImagePreprocessor
    public let layers: [Int]
    /// How U and Z0 come out (`fewshot.feature_dtype`): float16 rounds them.
    public let featureDType: FeatureDType
    /// Identifies (weights content, input size, layers, numerics, feature dtype): the feature
    /// cache's backbone key and the features' identity.
    public let digest: String

    /// Raised whenever a change to the encoder or the preprocessing changes any bit of the
    /// features it computes, so that no cache entry of an older extractor is reused.
    /// 2: each image is encoded on its own. 3: images are batched, their rows laid out at
    /// multiples of the BLAS's row unit (`GemmRowUnit`), and GEMM rows split between
    /// threads there. 4: the softmax and QuickGELU exps by the C kernels (`VectorMath`),
    /// the softmax's sum applied to the weighted values. 5: attention by the fused C kernel
    /// (`Attention`: fused multiply-adds over the head width and over the keys, in order).
    public static let numericsVersion = 5

    /// `imageSize` nil: the checkpoint's; `layers` nil: the four quarter points of the depth.
    /// `weightsDigest`: `WeightsDigest.of` the weights (a worker hashes its own copy, and
    /// refuses an EXTRACT whose digest is not the one it gets).
    /// `preprocess`: how an image becomes the S x S input (`backbone.preprocess`); squashing
    /// enters the digest, so squashed and cropped features never share a cache entry (a crop
    /// extractor's digest is what it was before the choice existed). So does float16
    /// (`featureDType`), likewise.
    public init(model: CLIPModel, imageSize: Int?, layers: [Int]?, weightsDigest: String,
                preprocess: ImagePreprocess, featureDType: FeatureDType) throws(CLIPEncodeError) {
        encoder = try model.imageEncoder()
        let c = encoder.config
        let size = imageSize ?? c.imageSize
        preprocessor = CLIPImagePreprocessor(size: size, mode: preprocess)
        self.layers = layers ?? Self.defaultLayers(depth: c.layers)
        self.featureDType = featureDType
        let mode = preprocess == .crop ? "" : " preprocess \(preprocess.rawValue)"
        let dtype = featureDType == .float32 ? "" : " dtype \(featureDType.rawValue)"
        digest = fnv1aDigest(Array("weights \(weightsDigest) size \(size) layers \(self.layers) numerics \(Self.numericsVersion)\(mode)\(dtype)".utf8))
    }

    public var imageSize: Int { preprocessor.size }

    /// The layers used when none are named: the four quarter points of the depth ([6, 12,
    /// 18, 24] for 24 blocks), each once (fewer when the depth is under 4).
    public static func defaultLayers(depth: Int) -> [Int] {
        let quarters = (1...4).map { max(1, depth * $0 / 4) }
        return quarters.reduce(into: [Int]()) { if $0.last != $1 { $0.append($1) } }
    }

    /// images: each [3, H, W] in [0, 1] -> one `ImageFeatures` per image (U, Z0 as [P, ...],
    /// in `featureDType`).
    ///
    /// The images go through the encoder as one batch; each one's features are the same bits
    /// whatever batch it is in (a damaged cache entry computed again, `predict`'s batches, a
    /// last partial batch) and, where the BLAS has a row unit, at any thread count
    /// (`CLIPImageEncoder.encode`).
    public func extract(_ images: [Tensor], threads: Int) throws -> [ImageFeatures] {
        if images.isEmpty { return [] }
        let batch = try preprocessor.batch(images.map { RGBImage(width: $0.shape[2], height: $0.shape[1], pixels: $0.data) })
        let out = try encoder.encode(batch, layers: layers, threads: threads)
        return images.indices.map { b in
            ImageFeatures(g: out.g.slice(b), u: layers.map { out.u[$0]!.slice(b) }, z0: layers.map { out.z0[$0]!.slice(b) })
                .stored(as: featureDType)
        }
    }

    public var preprocess: ImagePreprocess { preprocessor.mode }

    /// A mask [H, W] through the same resize (and centre crop) as its image: [S, S] in {0, 1}.
    public func cropMask(_ mask: Tensor) throws -> Tensor {
        let h = mask.shape[0], w = mask.shape[1]
        var rgb = [Float]()
        rgb.reserveCapacity(3 * h * w)
        for _ in 0..<3 { rgb.append(contentsOf: mask.data) }
        let x = try preprocessor(RGBImage(width: w, height: h, pixels: rgb))
        let s = preprocessor.size
        let m = CLIPImagePreprocessor.mean[0], sd = CLIPImagePreprocessor.std[0]
        return Tensor(shape: [s, s], data: (0..<(s * s)).map { x.data[$0] * sd + m >= 0.5 ? 1 : 0 })
    }

    /// An image [3, H, W] through the resize and crop, unnormalized, for reports: [3, S, S].
    public func cropImage(_ image: Tensor) throws -> Tensor {
        let x = try preprocessor(RGBImage(width: image.shape[2], height: image.shape[1], pixels: image.data))
        var out = x
        let plane = x.count / 3
        for c in 0..<3 {
            let m = CLIPImagePreprocessor.mean[c], sd = CLIPImagePreprocessor.std[c]
            for i in 0..<plane { out.data[c * plane + i] = min(max(x.data[c * plane + i] * sd + m, 0), 1) }
        }
        return out
    }
}

/// The text side of the bank: T0 (normal and abnormal prompt ensembles) and Pt (one
/// description ensemble per class). Each sentence is encoded and L2-normalized, averaged
/// over its group, and normalized again (docs/METHOD.md, "Frozen inputs"). Sentences are
/// encoded one at a time, so that a sentence's embedding does not depend on the others
/// (see `FrozenFeatureExtractor.extract`).
public enum PromptEmbeddings {
    public static func compute(encoder: CLIPTextEncoder, tokenizer: CLIPTokenizer, statePrompts: [[String]],
                               classDescriptions: [[String]], threads: Int) throws -> (t0: Tensor, pt: Tensor) {
        func ensemble(_ groups: [[String]]) throws -> Tensor {
            let all = groups.flatMap { $0 }
            let rows = try tokenizer.tokenize(all).map { tokens throws(CLIPEncodeError) in
                try encoder.encode([tokens], threads: threads).data
            }
            let text = Tensor(shape: [all.count, rows.first?.count ?? 0], data: rows.flatMap { $0 }).l2NormalizedRows().0
            let d = text.rowLength
            var out = Tensor(zeros: [groups.count, d])
            var row = 0
            for (gi, g) in groups.enumerated() {
                for _ in g { for j in 0..<d { out.data[gi * d + j] += text.data[row * d + j] }; row += 1 }
            }
            return out.l2NormalizedRows().0
        }
        return (try ensemble(statePrompts), try ensemble(classDescriptions))
    }
}
