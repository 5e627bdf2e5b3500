/// A perceptual hash is stored as one string of 16 hex digits per word (1024 digits): JSON
/// numbers above 2^53 do not survive readers that parse them as doubles (jq, JavaScript).
extension PerceptualHash: Codable {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        let count = Self.windowCount * Self.wordsPerHash
        let digits = Array(text.utf8)
        var words: [UInt64] = []
        if digits.count == 16 * count {
            for k in 0..<count {
                guard let word = UInt64(String(decoding: digits[(16 * k)..<(16 * k + 16)], as: UTF8.self), radix: 16) else { break }
                words.append(word)
            }
        }
        guard words.count == count else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a perceptual hash is \(16 * count) hex digits, got \(digits.count) characters that are not"))
        }
        self.init(words: words)
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(words.map { hexDigits($0, count: 16) }.joined())
    }
}
