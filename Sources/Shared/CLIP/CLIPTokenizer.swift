/// CLIP's byte-level BPE tokenizer (open_clip's `SimpleTokenizer`):
/// clean and lowercase (`TextCleaner`), split into pieces (`PreTokenizer`), map each
/// piece's UTF-8 bytes to characters (`ByteUnicode`), mark the end of the piece with
/// `</w>` on its last symbol, apply merges lowest rank first (all occurrences, left to
/// right) until none applies, and look the symbols up. A row is
/// [start] + ids + [end], cut to the context length with the end token kept last, and
/// padded with 0.
public struct CLIPTokenizer: Sendable {
    public let vocabulary: BPEVocabulary
    public let contextLength: Int

    public init(vocabulary: BPEVocabulary, contextLength: Int = 77) {
        precondition(contextLength >= 2, "context must hold the start and end tokens")
        self.vocabulary = vocabulary
        self.contextLength = contextLength
    }

    /// Token ids of `text` without start, end or padding.
    public func encode(_ text: String) throws(CLIPTokenizerError) -> [Int32] {
        var cache: [String: [String]] = [:]
        return try encode(text, cache: &cache)
    }

    /// One row of `contextLength` ids per text: [n][contextLength].
    public func tokenize(_ texts: [String]) throws(CLIPTokenizerError) -> [[Int32]] {
        var cache: [String: [String]] = [:]
        var rows: [[Int32]] = []
        for text in texts {
            var ids = [vocabulary.startID] + (try encode(text, cache: &cache)) + [vocabulary.endID]
            if ids.count > contextLength {
                ids.removeLast(ids.count - contextLength)
                ids[contextLength - 1] = vocabulary.endID
            }
            rows.append(ids + [Int32](repeating: 0, count: contextLength - ids.count))
        }
        return rows
    }

    func encode(_ text: String, cache: inout [String: [String]]) throws(CLIPTokenizerError) -> [Int32] {
        let specials = [vocabulary.startToken, vocabulary.endToken]
        var ids: [Int32] = []
        for piece in PreTokenizer.pieces(TextCleaner.clean(text), specials: specials) {
            let symbols: [String]
            if specials.contains(piece) {
                symbols = [piece]
            } else if let cached = cache[piece] {
                symbols = cached
            } else {
                symbols = bpe(String(piece.utf8.map { ByteUnicode.characters[Int($0)] }))
                cache[piece] = symbols
            }
            for symbol in symbols {
                guard let id = vocabulary.id(of: symbol) else { throw .unknownSymbol(symbol: symbol, text: text) }
                ids.append(id)
            }
        }
        return ids
    }

    /// The BPE symbols of one piece (already mapped to byte characters).
    func bpe(_ piece: String) -> [String] {
        var word = piece.map { String($0) }
        guard let last = word.popLast() else { return [] }
        word.append(last + "</w>")
        while word.count > 1 {
            var best: (rank: Int, pair: BPEPair)?
            for i in 0..<(word.count - 1) {
                let pair = BPEPair(first: word[i], second: word[i + 1])
                if let rank = vocabulary.ranks[pair], rank < (best?.rank ?? .max) { best = (rank, pair) }
            }
            guard let (_, pair) = best else { break }
            var merged: [String] = []
            merged.reserveCapacity(word.count)
            var i = 0
            while i < word.count {
                if i + 1 < word.count && word[i] == pair.first && word[i + 1] == pair.second {
                    merged.append(pair.first + pair.second)
                    i += 2
                } else {
                    merged.append(word[i])
                    i += 1
                }
            }
            word = merged
        }
        return word
    }
}
