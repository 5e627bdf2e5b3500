import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// The BPE tokenizer against open_clip's SimpleTokenizer (ids in tokens.json, made by
/// scripts/fixtures/make_clip_fixtures.py).
final class CLIPTokenizerTests: XCTestCase {
    func expectations(_ key: String) throws -> [(String, [Int32])] {
        let doc = try Fixtures.json("clip/tokens.json")
        let items = try XCTUnwrap(doc[key] as? [[String: Any]])
        return try items.map { item in
            (try XCTUnwrap(item["text"] as? String), try XCTUnwrap(item["ids"] as? [Any]).ints.map { Int32($0) })
        }
    }

    func testHandBuiltMergesApplyInRankOrder() throws {
        let vocabulary = BPEVocabulary(merges: [("t", "h"), ("h", "e</w>"), ("th", "e</w>")])
        let tokenizer = CLIPTokenizer(vocabulary: vocabulary)
        // "the": t h e</w> -> (t h has rank 0) th e</w> -> the</w>; not t he</w>.
        XCTAssertEqual(tokenizer.bpe("the"), ["the</w>"])
        XCTAssertEqual(tokenizer.bpe("he"), ["he</w>"])
        XCTAssertEqual(tokenizer.bpe("tthe"), ["t", "the</w>"])
        XCTAssertEqual(tokenizer.bpe("x"), ["x</w>"])
        // Ids: bytes first in CLIP's order ('!' is 0), then bytes + </w>, then merges.
        XCTAssertEqual(vocabulary.id(of: "!"), 0)
        XCTAssertEqual(vocabulary.id(of: "!</w>"), 256)
        XCTAssertEqual(vocabulary.id(of: "th"), 512)
        XCTAssertEqual(vocabulary.id(of: "the</w>"), 514)
        XCTAssertEqual(vocabulary.startID, 515)
        XCTAssertEqual(vocabulary.endID, 516)
        XCTAssertEqual(try tokenizer.encode("The the"), [514, 514])
    }

    func testPreTokenizerPattern() {
        XCTAssertEqual(PreTokenizer.pieces("it's we're 42nd!! a.b", specials: []),
                       ["it", "'s", "we", "'re", "4", "2", "nd", "!!", "a", ".", "b"])
        XCTAssertEqual(PreTokenizer.pieces("x<|endoftext|>y '", specials: ["<|endoftext|>"]), ["x", "<|endoftext|>", "y", "'"])
        XCTAssertEqual(TextCleaner.clean("  A\u{2019}B\t\tC&amp;amp;  "), "a'b c&")
    }

    func testTinyVocabularyMatchesOpenCLIP() throws {
        let gz = try BPEVocabulary.openCLIP(contentsOf: Fixtures.url("clip/tiny_bpe.txt.gz").path)
        let hf = try BPEVocabulary.huggingFace(vocab: Fixtures.url("clip/tiny_bpe_vocab.json").path,
                                               merges: Fixtures.url("clip/tiny_bpe_merges.txt").path)
        for vocabulary in [gz, hf] {
            let tokenizer = CLIPTokenizer(vocabulary: vocabulary)
            for (text, ids) in try expectations("tiny") {
                XCTAssertEqual(try tokenizer.encode(text), ids, text)
            }
        }
        let doc = try Fixtures.json("clip/tokens.json")
        let context = try XCTUnwrap(doc["tiny_context"] as? [String: Any])
        let rows = try XCTUnwrap(context["rows"] as? [[Any]]).map { $0.ints.map { Int32($0) } }
        let tokenizer = CLIPTokenizer(vocabulary: gz, contextLength: 8)
        let texts = try expectations("tiny").map(\.0)
        XCTAssertEqual(try tokenizer.tokenize(texts), rows)
    }

    func testContextTruncationKeepsEndToken() throws {
        let tokenizer = CLIPTokenizer(vocabulary: .byteLevel(), contextLength: 77)
        let rows = try tokenizer.tokenize([String(repeating: "ab ", count: 100), ""])
        XCTAssertEqual(rows[0].count, 77)
        XCTAssertEqual(rows[0].first, 512)
        XCTAssertEqual(rows[0].last, 513)
        XCTAssertEqual(Array(rows[1].prefix(3)), [512, 513, 0])
    }

    func testMalformedVocabularies() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let merges = dir.appendingPathComponent("merges.txt")
        try "#version\na b c\n".write(to: merges, atomically: true, encoding: .utf8)
        let vocab = dir.appendingPathComponent("vocab.json")
        try "{\"a\": 1}".write(to: vocab, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BPEVocabulary.huggingFace(vocab: vocab.path, merges: merges.path)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .malformed(file: merges.path, line: 2, reason: "expected two symbols, got \"a b c\""))
        }
        try "#version\na b\n".write(to: merges, atomically: true, encoding: .utf8)
        XCTAssertThrowsError(try BPEVocabulary.huggingFace(vocab: vocab.path, merges: merges.path)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .missingToken(file: vocab.path, token: "<|startoftext|>"))
        }
        let corrupt = dir.appendingPathComponent("bad.txt.gz")
        let good = try Data(contentsOf: Fixtures.url("clip/tiny_bpe.txt.gz"))
        try good.prefix(good.count - 6).write(to: corrupt)
        XCTAssertThrowsError(try BPEVocabulary.openCLIP(contentsOf: corrupt.path)) { error in
            guard case let .unreadable(file, reason)? = error as? CLIPTokenizerError else { return XCTFail("\(error)") }
            XCTAssertEqual(file, corrupt.path)
            XCTAssertTrue(reason.hasPrefix("\(corrupt.path): not a readable gzip file: zlib: "), reason)
            XCTAssertTrue("\(error)".contains(corrupt.path), "\(error)")
        }
    }

    /// The count of a Hugging Face vocabulary is its largest id + 1, which overflowed Int32
    /// (a trap) for an id of Int32.max (fuzz/reproducers/FuzzVocabulary/id-int32-max: the
    /// tiny vocabulary with <|endoftext|> at 2147483647). Now it is a count the embedding check refuses.
    func testAnIdOfInt32MaxIsTooManyIdsNotATrap() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("bpe-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = [UInt8](try Data(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("fuzz/reproducers/FuzzVocabulary/id-int32-max")))
        let zero = try XCTUnwrap(input.firstIndex(of: 0))
        let vocab = dir.appendingPathComponent("vocab.json"), merges = dir.appendingPathComponent("merges.txt")
        try Data(input[1..<zero]).write(to: vocab)
        try Data(input[(zero + 1)...]).write(to: merges)
        let read = try BPEVocabulary.huggingFace(vocab: vocab.path, merges: merges.path)
        XCTAssertEqual(read.count, 1 << 31)
        XCTAssertEqual(read.endID, .max)
        XCTAssertThrowsError(try BPEVocabulary.load(vocab: vocab.path, merges: merges.path, embeddingRows: 49_408)) { error in
            XCTAssertEqual(error as? CLIPTokenizerError, .tooLarge(file: vocab.path, ids: 1 << 31, embeddingRows: 49_408))
        }
    }

    /// Runs when ULTRAAD_CLIP_VOCAB names open_clip's bpe_simple_vocab_16e6.txt.gz
    /// (scripts/test fetches it from the open-clip-torch wheel).
    func testRealVocabularyMatchesOpenCLIP() throws {
        guard let path = ProcessInfo.processInfo.environment["ULTRAAD_CLIP_VOCAB"], !path.isEmpty else {
            throw missingPrerequisite("ULTRAAD_CLIP_VOCAB is not set: skipping the real-vocabulary comparison with open_clip "
                          + "(set it to bpe_simple_vocab_16e6.txt.gz; scripts/test does this)")
        }
        let vocabulary = try BPEVocabulary.openCLIP(contentsOf: path)
        XCTAssertEqual(vocabulary.count, 49_408)
        XCTAssertEqual(vocabulary.startID, 49_406)
        XCTAssertEqual(vocabulary.endID, 49_407)
        let tokenizer = CLIPTokenizer(vocabulary: vocabulary)
        let cases = try expectations("real")
        for (text, ids) in cases { XCTAssertEqual(try tokenizer.encode(text), ids, text) }
        let doc = try Fixtures.json("clip/tokens.json")
        let rows = try XCTUnwrap(doc["real_rows"] as? [[Any]]).map { $0.ints.map { Int32($0) } }
        XCTAssertEqual(try tokenizer.tokenize(cases.map(\.0)), rows)
    }
}
