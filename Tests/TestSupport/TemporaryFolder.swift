import Foundation
import XCTest

/// A new empty folder under the system's temporary directory, removed when `test` ends.
func temporaryFolder(_ test: XCTestCase, prefix: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}
