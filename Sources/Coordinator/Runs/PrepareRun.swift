import Foundation
import Shared

/// `prepare`: shots, frozen features of every support view (through the cache), the text
/// embeddings, and RUN/pool.safetensors for `train`.
enum PrepareRun {
    /// `threads`: CLIP threads of this process for the text prompts; `extraction` says
    /// where the image views are encoded. `referencingCache`: the pool names the views'
    /// cache entries instead of holding their features (version 2, a sweep's cells).
    /// `memo`: what earlier runs of this process loaded (a sweep's cells share it).
    static func execute(_ config: ClusterConfig, threads: Int, extraction: FeatureExtraction,
                        referencingCache: Bool = false, memo: RunInputsMemo? = nil) throws -> PreparedPool {
        let inputs = try RunInputs(config: config, reuseRunShots: false, memo: memo)
        defer { inputs.share(with: memo) }
        try RunFolder(inputs.runFolder).writeEffectiveConfig(config)
        let splits = config.trainSites.compactMap { inputs.splits[$0] }
        for site in config.trainSites {
            guard let d = inputs.datasets[site], d.classesPresent.count < LesionClass.allCases.count else { continue }
            let absent = LesionClass.allCases.filter { !d.classesPresent.contains($0) }.map(\.name)
            FileHandle.standardError.write(Data("note: site \(site) has no \(absent.joined(separator: " or ")) image: its shots are of \(d.classesPresent.map(\.name).joined(separator: " and "))\n".utf8))
        }
        for conflict in inputs.groups.conflicts {
            FileHandle.standardError.write(Data("warning: one picture under two labels, never a shot: \(conflict.joined(separator: ", "))\n".utf8))
        }
        try ShotsFile.write(splits, to: inputs.shotsFile.path)
        let views = inputs.views, support = inputs.support, items = inputs.supportViews
        let show = LineProgress(label: "support features")
        let features = try inputs.source.features(items, extraction: extraction, progress: { show($0, $1) })
        var images = [SupportPool.Image]()
        for (i, entry) in support.enumerated() {
            let labeled = try entry.load()
            let masks = try views.map { try inputs.extractor.cropMask($0.apply(labeled).mask) }
            images.append(SupportPool.Image(id: Int32(i), label: entry.label.rawValue,
                                            views: Array(features[(i * views.count)..<((i + 1) * views.count)]),
                                            masks: masks))
        }
        let text = try inputs.clip.textEncoder()
        let vocabulary = try BPEVocabulary.load(vocab: config.backbone.vocab?.path, merges: config.backbone.merges?.path,
                                                embeddingRows: text.config.vocabSize)
        let tokenizer = CLIPTokenizer(vocabulary: vocabulary, contextLength: text.config.contextLength)
        let (t0, pt) = try PromptEmbeddings.compute(encoder: text, tokenizer: tokenizer,
                                                    statePrompts: config.model.statePrompts,
                                                    classDescriptions: config.model.descriptionsInClassOrder,
                                                    threads: threads)
        let prepared = PreparedPool(pool: SupportPool(images: images), t0: t0, pt: pt, layers: inputs.extractor.layers)
        let references = referencingCache
            ? PreparedPool.CacheReferences(backbone: inputs.extractor.digest,
                                           views: try items.map { (image: try inputs.digests.of($0.0), view: $0.1.rawValue) })
            : nil
        try prepared.write(to: inputs.runFolder.appendingPathComponent("pool.safetensors"), references: references)
        return prepared
    }
}
