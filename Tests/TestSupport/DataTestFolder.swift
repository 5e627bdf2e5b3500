import Foundation
import XCTest
import Shared

/// A temporary folder for dataset tests, removed when the test ends.
struct DataTestFolder {
    let path: String

    init(_ test: XCTestCase) throws {
        path = NSTemporaryDirectory() + "ultraad-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let p = path
        test.addTeardownBlock { try? FileManager.default.removeItem(atPath: p) }
    }

    func url(_ relative: String) -> String { path + "/" + relative }

    /// Writes a gray PNG of one value (or of `values`, [h, w]) at `relative`, making folders.
    func png(_ relative: String, width: Int = 8, height: Int = 6, value: Float = 0.5, values: [Float]? = nil) throws {
        let full = url(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try PNGImage.writeGray8(full, width: width, height: height,
                                values: values ?? [Float](repeating: value, count: width * height))
    }

    /// A mask with ones in the rectangle rows `rows`, columns `cols`.
    func mask(_ relative: String, width: Int = 8, height: Int = 6, rows: Range<Int>, cols: Range<Int>) throws {
        var v = [Float](repeating: 0, count: width * height)
        for i in rows { for j in cols { v[i * width + j] = 1 } }
        try png(relative, width: width, height: height, values: v)
    }

    func text(_ relative: String, _ content: String) throws {
        let full = url(relative)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent,
                                                withIntermediateDirectories: true)
        try Data(content.utf8).write(to: URL(fileURLWithPath: full))
    }

    func mkdir(_ relative: String) throws {
        try FileManager.default.createDirectory(atPath: url(relative), withIntermediateDirectories: true)
    }

    func remove(_ relative: String) throws {
        try FileManager.default.removeItem(atPath: url(relative))
    }

    /// A small valid BUSI folder: normal 1-2 (normal (1) with a black mask), benign 2 and
    /// 10, malignant 1 with two masks.
    func makeBUSI(root: String = "") throws {
        let r = root.isEmpty ? "" : root + "/"
        try png(r + "normal/normal (1).png", value: 0.3)
        try png(r + "normal/normal (1)_mask.png", value: 0)
        try png(r + "normal/normal (2).png", value: 0.35)
        try png(r + "benign/benign (10).png", value: 0.6)
        try mask(r + "benign/benign (10)_mask.png", rows: 1..<3, cols: 1..<3)
        try png(r + "benign/benign (2).png", value: 0.55)
        try mask(r + "benign/benign (2)_mask.png", rows: 2..<4, cols: 2..<5)
        try png(r + "malignant/malignant (1).png", value: 0.7)
        try mask(r + "malignant/malignant (1)_mask.png", rows: 0..<2, cols: 0..<2)
        try mask(r + "malignant/malignant (1)_mask_1.png", rows: 4..<6, cols: 6..<8)
    }
}

/// Asserts that `body` throws a `DatasetError` whose `file` ends with `suffix`; returns it.
@discardableResult
func assertDatasetError(_ suffix: String, file: StaticString = #filePath, line: UInt = #line,
                        _ body: () throws -> Void) -> DatasetError? {
    do {
        try body()
        XCTFail("expected an error about \(suffix)", file: file, line: line)
    } catch let e as DatasetError {
        XCTAssertTrue(e.file.hasSuffix(suffix), "error names \(e.file), expected …\(suffix): \(e)", file: file, line: line)
        XCTAssertTrue(e.description.contains(suffix), "message does not name the file: \(e)", file: file, line: line)
        return e
    } catch {
        XCTFail("unexpected error \(error)", file: file, line: line)
    }
    return nil
}
