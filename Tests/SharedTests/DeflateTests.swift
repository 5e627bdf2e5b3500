import Foundation
import XCTest
@testable import Formats

/// Formats' raw inflate, which the spreadsheet reader inflates a ZIP's parts with: the input
/// is all there is (a stream that does not end in it is an error, never a wait), the output
/// has a limit. Streams are written by hand: a stored block is 1 header byte, LEN, ~LEN, bytes.
final class DeflateTests: XCTestCase {
    func stored(_ text: String, final: Bool = true) -> [UInt8] {
        let bytes = Array(text.utf8), n = UInt16(bytes.count)
        return [final ? 1 : 0, UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8(~n >> 8)] + bytes
    }

    func inflate(_ input: [UInt8], maxSize: Int = 1 << 20) throws(InflateError) -> String {
        let out = try input.withUnsafeBytes { raw in Result { () throws(InflateError) in try Deflate.inflateRaw(raw, maxSize: maxSize) } }.get()
        return String(decoding: out, as: UTF8.self)
    }

    func testStoredBlocksTrailingBytesAndLimits() throws {
        XCTAssertEqual(try inflate(stored("hello")), "hello")
        XCTAssertEqual(try inflate(stored("hel", final: false) + stored("lo")), "hello")
        XCTAssertEqual(try inflate(stored("hello") + [0xFF, 0xFF]), "hello", "bytes after the stream are not read")
        XCTAssertEqual(try inflate(stored("hello"), maxSize: 5), "hello")
        XCTAssertThrowsError(try inflate(stored("hello"), maxSize: 4)) { XCTAssertEqual($0 as? InflateError, .tooLarge(limit: 4)) }
    }

    func testCutShortOrInvalidStreamsAreErrors() {
        for input in [[], Array(stored("hello").dropLast()), stored("hel", final: false),
                      [0x00, 0xFF, 0xFF, 0x00, 0x00] + Array(repeating: 7, count: 100)] {
            XCTAssertThrowsError(try inflate(input), "\(input.prefix(8))") { XCTAssertEqual($0 as? InflateError, .truncated) }
        }
        // Block type 3 does not exist; a stored block whose ~LEN is not LEN's complement.
        for input: [UInt8] in [[0x07], [0x01, 5, 0, 5, 0] + Array("hello".utf8)] {
            XCTAssertThrowsError(try inflate(input)) { error in
                guard case .corrupt? = error as? InflateError else { return XCTFail("\(error)") }
            }
        }
    }

    func testCRC32IsZIPs() {
        XCTAssertEqual(Array("123456789".utf8).withUnsafeBytes { Deflate.crc32($0) }, 0xCBF4_3926)
        XCTAssertEqual([UInt8]().withUnsafeBytes { Deflate.crc32($0) }, 0)
    }
}
