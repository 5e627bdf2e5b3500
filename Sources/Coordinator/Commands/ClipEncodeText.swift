import ArgumentParser
import Foundation
import Shared

extension Clip {
    struct EncodeText: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "encode-text",
            abstract: "Write token ids and text features for sentences to a safetensors file.",
            discussion: """
            Tokenizes with CLIP's byte-level BPE (context from the checkpoint, 77) and encodes. The output holds tokens [n, 77] (int32) and text [n, d], the pooled and projected features before normalization. Vocabulary: --vocab bpe_simple_vocab_16e6.txt.gz (open_clip), or --vocab vocab.json --merges merges.txt (Hugging Face). builtin:tiny uses its byte-level vocabulary when --vocab is not given.

            Example: ultraad clip encode-text --weights builtin:tiny --texts "a mass" "normal tissue" --out t.safetensors
            """)

        @OptionGroup var model: ClipModelOptions
        @Option(help: "bpe_simple_vocab_16e6.txt.gz, or vocab.json together with --merges.")
        var vocab: String?
        @Option(help: "merges.txt (Hugging Face format, with --vocab vocab.json).")
        var merges: String?
        @Option(parsing: .upToNextOption, help: "Sentences to encode.")
        var texts: [String] = []
        @Option(help: "Output safetensors file.")
        var out: String

        func validate() throws {
            guard !texts.isEmpty else { throw ValidationError("--texts needs at least one sentence") }
            if merges != nil && vocab == nil { throw ValidationError("--merges needs --vocab vocab.json") }
            if vocab == nil && !model.weights.hasPrefix(CLIPBuiltin.prefix) {
                throw ValidationError("--vocab is required with a checkpoint (only builtin models carry a vocabulary)")
            }
        }

        func run() throws {
            let threads = model.applyThreads()
            let clip = try CLIPModel.load(model.weights, towers: .text, activation: model.activationKind)
            let encoder = try clip.textEncoder()
            let vocabulary = try BPEVocabulary.load(vocab: vocab, merges: merges, embeddingRows: encoder.config.vocabSize)
            let tokenizer = CLIPTokenizer(vocabulary: vocabulary, contextLength: encoder.config.contextLength)
            let rows = try tokenizer.tokenize(texts)
            let features = try encoder.encode(rows, threads: threads)
            var writer = SafeTensorsWriter(metadata: [
                "weights": model.weights, "vocab": vocab ?? "builtin byte level",
                "texts": texts.joined(separator: "\n"), "made_by": "ultraad clip encode-text",
            ])
            try writer.add("tokens", shape: [rows.count, tokenizer.contextLength], int32: rows.flatMap { $0 })
            try writer.add("text", features)
            try writer.write(to: URL(fileURLWithPath: out))
            print("wrote \(out): tokens [\(rows.count), \(tokenizer.contextLength)], text \(features.shape)")
        }
    }
}
