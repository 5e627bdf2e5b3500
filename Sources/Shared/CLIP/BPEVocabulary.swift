import Foundation

/// Why a BPE vocabulary could not be read or used; every case names the file or token.
public enum CLIPTokenizerError: Error, CustomStringConvertible, Equatable {
    case unreadable(file: String, reason: String)
    /// A line or entry that does not have the expected form (`line` counts from 1).
    case malformed(file: String, line: Int?, reason: String)
    /// A token the tokenizer needs (a start/end token, a byte, a merge result) that the
    /// vocabulary lacks.
    case missingToken(file: String, token: String)
    /// BPE produced a symbol that has no id (only possible with an inconsistent vocabulary).
    case unknownSymbol(symbol: String, text: String)
    /// More ids than the text encoder has token embedding rows.
    case tooLarge(file: String, ids: Int, embeddingRows: Int)

    public var description: String {
        switch self {
        case let .unreadable(file, reason): return "\(file): cannot read vocabulary: \(reason)"
        case let .malformed(file, line, reason):
            return "\(file)\(line.map { ":\($0)" } ?? ""): malformed vocabulary: \(reason)"
        case let .missingToken(file, token): return "\(file): the vocabulary has no token \"\(token)\""
        case let .unknownSymbol(symbol, text): return "BPE symbol \"\(symbol)\" of \"\(text)\" is not in the vocabulary"
        case let .tooLarge(file, ids, rows):
            return "\(file): the vocabulary has \(ids) ids but the checkpoint's token embedding only \(rows)"
        }
    }
}

/// A pair of adjacent BPE symbols.
struct BPEPair: Hashable, Sendable {
    let first: String
    let second: String
}

/// A CLIP BPE vocabulary: token ids, merge ranks and the start/end tokens.
///
/// Sources: open_clip's `bpe_simple_vocab_16e6.txt.gz` (merges only; ids are the 256 byte
/// characters, the same with `</w>`, one token per merge, then start and end),
/// Hugging Face's `vocab.json` + `merges.txt`, or the byte-level builtin. Like CLIP, only
/// the first 48,894 merges of a file are used.
public struct BPEVocabulary: Sendable {
    public static let maxMerges = 49_152 - 256 - 2
    /// Ids of the byte-level vocabulary: 256 bytes, 256 bytes + `</w>`, start, end.
    public static let byteLevelSize = 514

    let encoder: [String: Int32]
    let ranks: [BPEPair: Int]
    public let startToken: String
    public let endToken: String
    public let startID: Int32
    public let endID: Int32
    /// Number of ids (the largest id + 1).
    public let count: Int

    /// CLIP's construction from merges: bytes, bytes + `</w>`, the merges in order, then
    /// `startToken`, `endToken`.
    public init(merges: [(String, String)], startToken: String = "<|startoftext|>",
                endToken: String = "<|endoftext|>") {
        var tokens = ByteUnicode.pairs.map { String(Character($0.1)) }
        tokens += tokens.map { $0 + "</w>" }
        tokens += merges.map { $0.0 + $0.1 }
        tokens += [startToken, endToken]
        var encoder: [String: Int32] = [:]
        for (i, t) in tokens.enumerated() where encoder[t] == nil { encoder[t] = Int32(i) }
        self.init(encoder: encoder, merges: merges, startToken: startToken, endToken: endToken, count: tokens.count)
    }

    init(encoder: [String: Int32], merges: [(String, String)], startToken: String, endToken: String, count: Int) {
        self.encoder = encoder
        var ranks: [BPEPair: Int] = [:]
        for (i, m) in merges.enumerated() where ranks[BPEPair(first: m.0, second: m.1)] == nil {
            ranks[BPEPair(first: m.0, second: m.1)] = i
        }
        self.ranks = ranks
        self.startToken = startToken
        self.endToken = endToken
        self.startID = encoder[startToken] ?? 0
        self.endID = encoder[endToken] ?? 0
        self.count = count
    }

    /// The vocabulary a backbone names: a `vocab.json` with its `merges.txt` (Hugging
    /// Face), a `bpe_simple_vocab_16e6.txt.gz` (open_clip), or with neither the builtin byte
    /// level one. It must fit the text encoder's token embedding of `embeddingRows` rows.
    public static func load(vocab: String?, merges: String?, embeddingRows: Int) throws(CLIPTokenizerError) -> BPEVocabulary {
        let vocabulary: BPEVocabulary
        if let vocab, let merges {
            vocabulary = try huggingFace(vocab: vocab, merges: merges)
        } else if let vocab {
            vocabulary = try openCLIP(contentsOf: vocab)
        } else {
            vocabulary = byteLevel()
        }
        guard vocabulary.count <= embeddingRows else {
            throw .tooLarge(file: vocab ?? "the builtin vocabulary", ids: vocabulary.count, embeddingRows: embeddingRows)
        }
        return vocabulary
    }

    /// The builtin byte-level vocabulary (no merges, 514 ids): the text side of
    /// `builtin:tiny`.
    public static func byteLevel() -> BPEVocabulary { BPEVocabulary(merges: []) }

    /// open_clip's gzipped merges file (`bpe_simple_vocab_16e6.txt.gz`): a header line, then
    /// one merge "a b" per line. The start and end tokens are open_clip's names.
    public static func openCLIP(contentsOf path: String) throws(CLIPTokenizerError) -> BPEVocabulary {
        let bytes: [UInt8]
        do { bytes = try Gzip.readFile(path, maxSize: 64 << 20) } catch {
            throw .unreadable(file: path, reason: error.description)
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .malformed(file: path, line: nil, reason: "not UTF-8")
        }
        let merges = try parseMerges(text, file: path)
        return BPEVocabulary(merges: merges, startToken: "<start_of_text>", endToken: "<end_of_text>")
    }

    /// Hugging Face's `vocab.json` (token -> id) and `merges.txt` (`#version` header, then
    /// "a b" per line). Every merge result and byte symbol must have an id.
    public static func huggingFace(vocab vocabPath: String, merges mergesPath: String) throws(CLIPTokenizerError) -> BPEVocabulary {
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: vocabPath)))
        } catch {
            throw .unreadable(file: vocabPath, reason: "\(error.localizedDescription)")
        }
        guard let map = json as? [String: Any] else {
            throw .malformed(file: vocabPath, line: nil, reason: "not a JSON object of token -> id")
        }
        var encoder: [String: Int32] = [:]
        for (token, value) in map {
            guard let number = value as? NSNumber, let id = Int32(exactly: number.doubleValue), id >= 0 else {
                throw .malformed(file: vocabPath, line: nil, reason: "id of \"\(token)\" is not a non-negative integer")
            }
            encoder[token] = id
        }
        let text: String
        do { text = try String(contentsOfFile: mergesPath, encoding: .utf8) } catch {
            throw .unreadable(file: mergesPath, reason: "\(error.localizedDescription)")
        }
        let merges = try parseMerges(text, file: mergesPath)
        for token in ["<|startoftext|>", "<|endoftext|>"] where encoder[token] == nil {
            throw .missingToken(file: vocabPath, token: token)
        }
        for (_, scalar) in ByteUnicode.pairs {
            for symbol in [String(Character(scalar)), String(Character(scalar)) + "</w>"] where encoder[symbol] == nil {
                throw .missingToken(file: vocabPath, token: symbol)
            }
        }
        for m in merges where encoder[m.0 + m.1] == nil { throw .missingToken(file: vocabPath, token: m.0 + m.1) }
        return BPEVocabulary(encoder: encoder, merges: merges, startToken: "<|startoftext|>",
                             endToken: "<|endoftext|>", count: Int(encoder.values.max() ?? -1) + 1)
    }

    /// Merges from "a b" lines after the first (header) line, at most `maxMerges`.
    static func parseMerges(_ text: String, file: String) throws(CLIPTokenizerError) -> [(String, String)] {
        var merges: [(String, String)] = []
        for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().dropFirst() {
            if merges.count == maxMerges { break }
            let trimmed = line.hasSuffix("\r") ? line.dropLast() : line
            if trimmed.isEmpty { continue }
            let parts = trimmed.split(separator: " ", omittingEmptySubsequences: true)
            guard parts.count == 2 else {
                throw .malformed(file: file, line: index + 1, reason: "expected two symbols, got \"\(trimmed)\"")
            }
            merges.append((String(parts[0]), String(parts[1])))
        }
        return merges
    }

    /// The id of `token`, if it has one.
    public func id(of token: String) -> Int32? { encoder[token] }
}
