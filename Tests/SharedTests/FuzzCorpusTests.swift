import Foundation
import FuzzTargets
import XCTest
@testable import TestSupport

/// Every committed fuzz input (fuzz/corpus: seeds from valid files; fuzz/reproducers: inputs
/// that once crashed a harness) through its harness's parser calls, once, without mutation.
/// A crash fails the suite; `scripts/fuzz --replay` does the same under AddressSanitizer.
final class FuzzCorpusTests: XCTestCase {
    func testEveryCorpusInputAndReproducerIsHandled() throws {
        let fuzz = Fixtures.repositoryRoot.appendingPathComponent("fuzz")
        let fm = FileManager.default
        for target in FuzzTarget.allCases {
            var inputs = 0
            for folder in ["corpus", "reproducers"] {
                let dir = fuzz.appendingPathComponent(folder).appendingPathComponent(target.rawValue)
                for name in ((try? fm.contentsOfDirectory(atPath: dir.path)) ?? []).sorted() {
                    target.run([UInt8](try Data(contentsOf: dir.appendingPathComponent(name))))
                    inputs += 1
                }
            }
            XCTAssertGreaterThan(inputs, 0, "\(target.rawValue) has no seed in fuzz/corpus")
        }
        // The harness list of fuzz/Package.swift is this enum's.
        let manifest = try String(contentsOf: fuzz.appendingPathComponent("Package.swift"), encoding: .utf8)
        for target in FuzzTarget.allCases { XCTAssertTrue(manifest.contains("\"\(target.rawValue)\""), target.rawValue) }
    }
}
