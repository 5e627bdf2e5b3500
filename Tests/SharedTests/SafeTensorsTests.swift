import Foundation
import XCTest
@testable import Formats
@testable import Shared
@testable import TestSupport

final class SafeTensorsTests: XCTestCase {
    var directory: URL!

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("safetensors-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(at: directory)
    }

    // MARK: - Helpers

    static var fixtures: URL { Fixtures.url("safetensors") }

    /// A file: 8-byte length of `header`, `header`, then `data`.
    func rawFile(_ header: String, data: [UInt8] = [], name: String = "bad.safetensors") throws -> URL {
        let json = Array(header.utf8)
        let length = UInt64(json.count)
        var bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) }
        bytes += json + data
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    func writeBytes(_ bytes: [UInt8], name: String = "bad.safetensors") throws -> URL {
        let url = directory.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url
    }

    /// Asserts that opening `url` throws an error `matches` accepts.
    func assertOpenFails(_ url: URL, file: StaticString = #filePath, line: UInt = #line,
                         _ matches: (SafeTensorsError) -> Bool) {
        do {
            let reader = try SafeTensorsReader(contentsOf: url)
            XCTFail("opened a malformed file with tensors \(reader.names)", file: file, line: line)
        } catch {
            XCTAssertTrue(matches(error), "unexpected error: \(error)", file: file, line: line)
            XCTAssertTrue(error.description.contains(url.path), "error does not name the file: \(error)",
                          file: file, line: line)
        }
    }

    /// A header with one F32 tensor "t" described by `entry` (JSON object body).
    func oneTensor(_ entry: String) -> String { "{\"t\":{\(entry)}}" }

    // MARK: - Reading files the Python safetensors package wrote

    func checkAgainstExpected(_ fileName: String) throws {
        let expectedURL = Self.fixtures.appendingPathComponent("expected.json")
        let root = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: expectedURL)) as? [String: Any])
        let files = try XCTUnwrap(root["files"] as? [String: Any])
        let expected = try XCTUnwrap(files[fileName] as? [String: Any])
        let tensors = try XCTUnwrap(expected["tensors"] as? [String: [String: Any]])

        let reader = try SafeTensorsReader(contentsOf: Self.fixtures.appendingPathComponent(fileName))
        XCTAssertEqual(reader.metadata, try XCTUnwrap(expected["metadata"] as? [String: String]))
        XCTAssertEqual(reader.names, tensors.keys.sorted())
        for (name, spec) in tensors {
            let entry = try reader.entry(name)
            let shape = try XCTUnwrap(spec["shape"] as? [Int])
            XCTAssertEqual(entry.dtype.rawValue, spec["dtype"] as? String, name)
            XCTAssertEqual(entry.shape, shape, name)
            let tensor = try reader.tensor(name)
            XCTAssertEqual(tensor.shape, shape, name)
            let bits = try XCTUnwrap(spec["float32_bits"] as? [NSNumber]).map { UInt32(truncating: $0) }
            XCTAssertEqual(tensor.data.map(\.bitPattern), bits, name)
            if let ints = (spec["ints"] as? [NSNumber])?.map({ $0.int64Value }) {
                if ints.allSatisfy({ Int32(exactly: $0) != nil }) {
                    let read = try reader.int32Tensor(name)
                    XCTAssertEqual(read.shape, shape, name)
                    XCTAssertEqual(read.values.map(Int64.init), ints, name)
                } else {
                    XCTAssertThrowsError(try reader.int32Tensor(name)) { error in
                        guard case .valueOutOfRange(_, name, 0, ints[0])? = error as? SafeTensorsError else {
                            return XCTFail("unexpected \(error)")
                        }
                    }
                }
            } else {
                XCTAssertThrowsError(try reader.int32Tensor(name)) { error in
                    guard case .unsupportedDType(_, name, _, "Int32")? = error as? SafeTensorsError else {
                        return XCTFail("unexpected \(error)")
                    }
                }
            }
        }
    }

    func testReadsEveryDTypeFromOfficialSerializer() throws {
        try checkAgainstExpected("python.safetensors")
        let reader = try SafeTensorsReader(contentsOf: Self.fixtures.appendingPathComponent("python.safetensors"))
        XCTAssertEqual(Set(reader.entries.map(\.dtype)), [.f32, .f16, .bf16, .i32, .i64])
        XCTAssertEqual(try reader.tensor("scalar"), Tensor(shape: [], data: [3.5]))
        XCTAssertEqual(try reader.tensor("empty"), Tensor(shape: [0], data: []))
    }

    func testReadsNumpySaveFile() throws {
        try checkAgainstExpected("numpy.safetensors")
    }

    // MARK: - Conversions

    func testHalfAndBFloat16SpecialValuesFromFile() throws {
        let f16: [UInt16] = [0x7C00, 0xFC00, 0x7E00, 0x8000, 0x8001, 0xC000]
        let bf16: [UInt16] = [0x7F80, 0xFF80, 0x7FC0, 0x8000, 0x0080, 0x7F7F, 0xBF80]
        let data = (f16 + bf16).flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        let url = try rawFile("""
            {"h":{"dtype":"F16","shape":[6],"data_offsets":[0,12]},\
            "b":{"dtype":"BF16","shape":[7],"data_offsets":[12,26]}}
            """, data: data)
        let reader = try SafeTensorsReader(contentsOf: url)
        let h = try reader.tensor("h").data
        XCTAssertEqual(h[0], .infinity)
        XCTAssertEqual(h[1], -.infinity)
        XCTAssertTrue(h[2].isNaN)
        XCTAssertEqual(h[3].bitPattern, 0x8000_0000)
        XCTAssertEqual(h[4], -0x1p-24)
        XCTAssertEqual(h[5], -2)
        XCTAssertEqual(try reader.tensor("b").data.map(\.bitPattern),
                       bf16.map { UInt32($0) << 16 })
    }

    // MARK: - Writing

    func testRoundTripWithMetadata() throws {
        let metadata = ["format": "pt", "quote\"back\\slash": "line\nbreak\ttab\u{01}", "µ": "✓"]
        var writer = SafeTensorsWriter(metadata: metadata)
        let weight = Tensor(shape: [2, 3], data: [0.1, -2.5, .greatestFiniteMagnitude, .leastNonzeroMagnitude, -0.0, .infinity])
        try writer.add("layer.weight", weight)
        try writer.add("scalar", Tensor(shape: [], data: [42]))
        try writer.add("empty", Tensor(shape: [3, 0], data: []))
        try writer.add("ids", shape: [2, 2], int32: [.min, .max, 0, -7])
        let url = directory.appendingPathComponent("round.safetensors")
        try writer.write(to: url)

        let reader = try SafeTensorsReader(contentsOf: url)
        XCTAssertEqual(reader.metadata, metadata)
        XCTAssertEqual(reader.names, ["empty", "ids", "layer.weight", "scalar"])
        XCTAssertEqual(try reader.tensor("layer.weight").data.map(\.bitPattern), weight.data.map(\.bitPattern))
        XCTAssertEqual(try reader.tensor("layer.weight").shape, [2, 3])
        XCTAssertEqual(try reader.tensor("scalar"), Tensor(shape: [], data: [42]))
        XCTAssertEqual(try reader.tensor("empty"), Tensor(shape: [3, 0], data: []))
        let ids = try reader.int32Tensor("ids")
        XCTAssertEqual(ids.shape, [2, 2])
        XCTAssertEqual(ids.values, [.min, .max, 0, -7])
        XCTAssertEqual(try reader.entry("ids").dtype, .i32)
        XCTAssertEqual(try Data(contentsOf: url), writer.encoded())
    }

    /// A checksummed file records the CRC-32C of its data section; a flipped bit anywhere
    /// in the data is an error naming the file, and files without the key read as before.
    func testChecksummedFilesRefuseAFlippedBit() throws {
        var writer = SafeTensorsWriter(metadata: ["format": "test"])
        writer.checksummed = true
        try writer.add("a", Tensor(shape: [3], data: [1, 2, 3]))
        try writer.add("b", shape: [2], int32: [7, -7])
        let bytes = writer.encoded()
        let reader = try SafeTensorsReader(bytes: bytes, file: "sum.safetensors")
        let data = bytes.suffix(20)   // 3 floats and 2 int32s
        XCTAssertEqual(reader.metadata["crc32c"], SafeTensorsReader.hex(data.withUnsafeBytes { CRC32C.checksum($0) }))
        XCTAssertEqual(reader.metadata["format"], "test")
        XCTAssertEqual(try reader.tensor("a").data, [1, 2, 3])
        for position in [bytes.count - 20, bytes.count - 9, bytes.count - 1] {
            var damaged = bytes
            damaged[position] ^= 0x04
            XCTAssertThrowsError(try SafeTensorsReader(bytes: damaged, file: "sum.safetensors"), "byte \(position)") { error in
                guard case let .checksumMismatch(file, expected, actual)? = error as? SafeTensorsError else { return XCTFail("\(error)") }
                XCTAssertEqual(file, "sum.safetensors")
                XCTAssertEqual(expected, reader.metadata["crc32c"])
                XCTAssertNotEqual(actual, expected)
            }
        }
        writer.checksummed = false
        XCTAssertNil(try SafeTensorsReader(bytes: writer.encoded(), file: "plain").metadata["crc32c"])
    }

    func testWriterLayoutIsDeterministic() throws {
        var a = SafeTensorsWriter(metadata: ["b": "2", "a": "1"])
        try a.add("zeta", Tensor(shape: [3], data: [1, 2, 3]))
        try a.add("alpha", shape: [1], int32: [5])
        try a.add("Mid", Tensor(shape: [1, 1], data: [7]))
        var b = SafeTensorsWriter(metadata: ["a": "1", "b": "2"])
        try b.add("Mid", Tensor(shape: [1, 1], data: [7]))
        try b.add("alpha", shape: [1], int32: [5])
        try b.add("zeta", Tensor(shape: [3], data: [1, 2, 3]))
        let bytes = a.encoded()
        XCTAssertEqual(bytes, b.encoded())

        let length = (0..<8).reduce(0) { $0 | Int(bytes[$1]) << (8 * $1) }
        XCTAssertEqual(length % 8, 0)
        XCTAssertEqual(bytes.count, 8 + length + 20)
        let header = try XCTUnwrap(String(data: bytes[8..<(8 + length)], encoding: .utf8))
        XCTAssertEqual(header.trimmingCharacters(in: .whitespaces), """
            {"__metadata__":{"a":"1","b":"2"},\
            "Mid":{"dtype":"F32","shape":[1,1],"data_offsets":[0,4]},\
            "alpha":{"dtype":"I32","shape":[1],"data_offsets":[4,8]},\
            "zeta":{"dtype":"F32","shape":[3],"data_offsets":[8,20]}}
            """)
        // Little-endian payload: 7.0f = 0x40E00000, then Int32 5.
        XCTAssertEqual(Array(bytes[(8 + length)..<(8 + length + 8)]), [0, 0, 0xE0, 0x40, 5, 0, 0, 0])
    }

    func testWriteIsAtomicAndReplaces() throws {
        let url = directory.appendingPathComponent("model.safetensors")
        var first = SafeTensorsWriter()
        try first.add("x", Tensor(shape: [1], data: [1]))
        try first.write(to: url)
        var second = SafeTensorsWriter()
        try second.add("y", Tensor(shape: [2], data: [2, 3]))
        try second.write(to: url)
        XCTAssertEqual(try SafeTensorsReader(contentsOf: url).names, ["y"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.safetensors"])

        let missing = directory.appendingPathComponent("no/such/dir/model.safetensors")
        XCTAssertThrowsError(try second.write(to: missing)) { error in
            guard case .writeFailed(missing.path, _)? = error as? SafeTensorsError else {
                return XCTFail("unexpected \(error)")
            }
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory.path), ["model.safetensors"])
    }

    func testWriterRejectsBadTensors() {
        var writer = SafeTensorsWriter()
        XCTAssertNoThrow(try writer.add("a", Tensor(shape: [2], data: [1, 2])))
        var mismatched = Tensor(shape: [2], data: [1, 2])
        mismatched.shape = [3]  // the fields are public, so a writer cannot trust them
        let cases: [(String, () throws -> Void)] = [
            ("a", { try writer.add("a", Tensor(shape: [1], data: [1])) }),
            ("__metadata__", { try writer.add("__metadata__", Tensor(shape: [1], data: [1])) }),
            ("b", { try writer.add("b", shape: [2, 2], int32: [1, 2, 3]) }),
            ("c", { try writer.add("c", shape: [-1], int32: []) }),
            ("d", { try writer.add("d", shape: [Int.max, 3], int32: []) }),
            ("e", { try writer.add("e", mismatched) }),
        ]
        for (name, add) in cases {
            XCTAssertThrowsError(try add()) { error in
                guard case .invalidTensor(name, _)? = error as? SafeTensorsError else {
                    return XCTFail("\(name): unexpected \(error)")
                }
            }
        }
        XCTAssertEqual(writer.names, ["a"])
    }

    // MARK: - Malformed files, one per error case

    func testFileShorterThanEightBytes() throws {
        for count in 0..<8 {
            assertOpenFails(try writeBytes([UInt8](repeating: 1, count: count))) {
                if case .fileTooShort(_, count) = $0 { return true } else { return false }
            }
        }
    }

    func testHeaderLengthBeyondFile() throws {
        assertOpenFails(try writeBytes([100, 0, 0, 0, 0, 0, 0, 0] + Array("{}".utf8))) {
            if case .headerBeyondFile(_, 100, 10) = $0 { return true } else { return false }
        }
    }

    func testHeaderLengthAbsurd() throws {
        for length: UInt64 in [200_000_000, .max] {
            let bytes = (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * $0)) } + Array("{}".utf8)
            assertOpenFails(try writeBytes(bytes)) {
                if case .headerTooLarge(_, length, _) = $0 { return true } else { return false }
            }
        }
    }

    func testHeaderNotJSON() throws {
        for header in ["{\"t\":", "not json", "{\"a\":1e400}"] {
            assertOpenFails(try rawFile(header)) {
                if case .invalidJSON = $0 { return true } else { return false }
            }
        }
        // Not UTF-8, and NUL bytes (which would let the parser guess UTF-16).
        for bytes: [UInt8] in [[0x7B, 0xFF, 0x7D], [0x7B, 0x00, 0x7D, 0x00]] {
            let url = try writeBytes([UInt8(bytes.count), 0, 0, 0, 0, 0, 0, 0] + bytes)
            assertOpenFails(url) { if case .invalidJSON = $0 { return true } else { return false } }
        }
    }

    func testHeaderNotObject() throws {
        for header in ["[1,2]", "\"text\"", "3", "null"] {
            assertOpenFails(try rawFile(header)) {
                if case .headerNotObject = $0 { return true } else { return false }
            }
        }
    }

    func testEntryMissingField() throws {
        let entries = [
            "\"shape\":[1],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[1]",
        ]
        for entry in entries {
            assertOpenFails(try rawFile(oneTensor(entry), data: [0, 0, 0, 0])) {
                if case .invalidEntry(_, "t", let reason) = $0 { return reason.hasPrefix("missing") }
                return false
            }
        }
        assertOpenFails(try rawFile("{\"t\":[1]}")) {
            if case .invalidEntry(_, "t", _) = $0 { return true } else { return false }
        }
    }

    func testEntryWrongTypes() throws {
        let entries = [
            "\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":\"1\",\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[1.5],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[\"1\"],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[9007199254740993],\"data_offsets\":[0,4]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":{\"begin\":0}",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,false]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,18446744073709551615]",
            "\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,1e20]",
        ]
        for entry in entries {
            assertOpenFails(try rawFile(oneTensor(entry), data: [0, 0, 0, 0])) {
                if case .invalidEntry(_, "t", _) = $0 { return true } else { return false }
            }
        }
    }

    func testUnknownDType() throws {
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F33\",\"shape\":[1],\"data_offsets\":[0,4]"),
                                    data: [0, 0, 0, 0])) {
            if case .unknownDType(_, "t", "F33") = $0 { return true } else { return false }
        }
    }

    func testNegativeDimension() throws {
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F32\",\"shape\":[2,-2],\"data_offsets\":[0,0]"))) {
            if case .negativeDimension(_, "t", [2, -2]) = $0 { return true } else { return false }
        }
    }

    func testSizeMismatch() throws {
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[0,8]"),
                                    data: Array(repeating: 0, count: 8))) {
            if case .sizeMismatch(_, "t", 6, 8) = $0 { return true } else { return false }
        }
    }

    func testShapeProductOverflow() throws {
        let big = 1 << 40
        for (shape, dtype) in [("[\(big),\(big)]", "F32"), ("[\(1 << 50),\(1 << 10)]", "I64")] {
            assertOpenFails(try rawFile(oneTensor("\"dtype\":\"\(dtype)\",\"shape\":\(shape),\"data_offsets\":[0,4]"),
                                        data: [0, 0, 0, 0])) {
                if case .sizeOverflow(_, "t", _) = $0 { return true } else { return false }
            }
        }
    }

    func testOffsetsReversed() throws {
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]"),
                                    data: Array(repeating: 0, count: 8))) {
            if case .offsetsReversed(_, "t", 8, 4) = $0 { return true } else { return false }
        }
    }

    func testOffsetsOutOfBounds() throws {
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]"),
                                    data: Array(repeating: 0, count: 8))) {
            if case .offsetsOutOfBounds(_, "t", 4, 12, 8) = $0 { return true } else { return false }
        }
        // An empty tensor must still point inside the data section.
        assertOpenFails(try rawFile(oneTensor("\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[9,9]"),
                                    data: Array(repeating: 0, count: 8))) {
            if case .offsetsOutOfBounds(_, "t", 9, 9, 8) = $0 { return true } else { return false }
        }
    }

    func testOverlappingTensors() throws {
        let header = """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
            "b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]},\
            "e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}
            """
        assertOpenFails(try rawFile(header, data: Array(repeating: 0, count: 12))) {
            if case .overlappingTensors(_, "a", "b") = $0 { return true } else { return false }
        }
        // Touching ranges and an empty tensor inside another are fine.
        let fine = """
            {"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},\
            "b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]},\
            "e":{"dtype":"F32","shape":[0],"data_offsets":[4,4]}}
            """
        XCTAssertEqual(try SafeTensorsReader(contentsOf: rawFile(fine, data: Array(repeating: 0, count: 12))).names,
                       ["a", "b", "e"])
    }

    func testMetadataNotStrings() throws {
        assertOpenFails(try rawFile("{\"__metadata__\":{\"epoch\":3}}")) {
            if case .invalidMetadata(_, "epoch", _) = $0 { return true } else { return false }
        }
        assertOpenFails(try rawFile("{\"__metadata__\":[\"a\"]}")) {
            if case .invalidMetadata(_, nil, _) = $0 { return true } else { return false }
        }
        XCTAssertEqual(try SafeTensorsReader(contentsOf: rawFile("{\"__metadata__\":null}")).metadata, [:])
    }

    func testMissingTensorListsNames() throws {
        var writer = SafeTensorsWriter()
        for i in 0..<12 { try writer.add(String(format: "w%02d", i), Tensor(shape: [1], data: [Float(i)])) }
        let url = directory.appendingPathComponent("many.safetensors")
        try writer.write(to: url)
        let reader = try SafeTensorsReader(contentsOf: url)
        XCTAssertFalse(reader.contains("nope"))
        XCTAssertThrowsError(try reader.tensor("nope")) { error in
            guard let error = error as? SafeTensorsError,
                  case let .tensorNotFound(file, "nope", available, 12) = error else {
                return XCTFail("unexpected \(error)")
            }
            XCTAssertEqual(file, url.path)
            XCTAssertEqual(available, (0..<10).map { String(format: "w%02d", $0) })
            XCTAssertTrue(error.description.contains("\"w09\""), error.description)
            XCTAssertTrue(error.description.contains("12 in all"), error.description)
        }
    }

    func testUnsupportedDTypesOpenButDoNotRead() throws {
        let url = try rawFile("""
            {"d":{"dtype":"F64","shape":[1],"data_offsets":[0,8]},\
            "u":{"dtype":"U8","shape":[2],"data_offsets":[8,10]}}
            """, data: Array(repeating: 0, count: 10))
        let reader = try SafeTensorsReader(contentsOf: url)
        XCTAssertEqual(reader.entries.map(\.dtype), [.f64, .u8])
        XCTAssertThrowsError(try reader.tensor("d")) { error in
            guard case .unsupportedDType(_, "d", .f64, "Float32")? = error as? SafeTensorsError else {
                return XCTFail("unexpected \(error)")
            }
        }
        XCTAssertThrowsError(try reader.int32Tensor("u")) { error in
            guard case .unsupportedDType(_, "u", .u8, "Int32")? = error as? SafeTensorsError else {
                return XCTFail("unexpected \(error)")
            }
        }
    }

    func testUnreadablePath() {
        assertOpenFails(directory.appendingPathComponent("absent.safetensors")) {
            if case .unreadable = $0 { return true } else { return false }
        }
    }

    /// Every truncation and many single-byte corruptions of a real file either open and
    /// read cleanly or throw a SafeTensorsError; none may crash.
    func testTruncatedAndCorruptedFilesNeverCrash() throws {
        let original = try [UInt8](Data(contentsOf: Self.fixtures.appendingPathComponent("python.safetensors")))
        func tryAll(_ bytes: [UInt8]) -> Bool {
            guard let reader = try? SafeTensorsReader(bytes: Data(bytes), file: "fuzz") else { return false }
            for name in reader.names {
                _ = try? reader.tensor(name)
                _ = try? reader.int32Tensor(name)
            }
            return true
        }
        for count in 0..<original.count {
            XCTAssertFalse(tryAll(Array(original[0..<count])), "prefix of \(count) bytes opened")
        }
        var rng = SplitMix64(seed: 11)
        for _ in 0..<2000 {
            var bytes = original
            let index = Int(rng.next() % UInt64(min(bytes.count, 8 + 0x290)))
            bytes[index] = UInt8(truncatingIfNeeded: rng.next())
            _ = tryAll(bytes)
        }
    }
}
