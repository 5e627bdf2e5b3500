import Foundation
import FuzzTargets
import XCTest
@testable import Shared
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

    /// The relay's seeds for FuzzMessages are valid messages, so that the fuzzer starts from
    /// them: a TASK whose views come from the pool and from a member (protocol 9), a FETCH,
    /// and VIEWS with one view.
    func testTheRelayMessageSeedsDecode() throws {
        let dir = Fixtures.repositoryRoot.appendingPathComponent("fuzz/corpus/FuzzMessages")
        func seed(_ name: String, kind: UInt8) throws -> [UInt8] {
            let bytes = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name)))
            XCTAssertEqual(bytes.first, kind, name)
            return Array(bytes.dropFirst())
        }
        let task = try TaskPayload(decoding: seed("kind05-relayed", kind: 5))
        XCTAssertEqual(task.route, 3)
        XCTAssertEqual(task.features.map(\.1).map { if case .fromMember(_, let m) = $0 { return Int(m) } else { return -1 } }, [-1, 1])
        let fetch = try FetchPayload(decoding: seed("kind14", kind: 14))
        XCTAssertEqual(fetch.refs, [QueryRef(image: 0, view: 0), QueryRef(image: 2, view: 1)])
        let views = try ViewsPayload(decoding: seed("kind15", kind: 15))
        XCTAssertEqual(views.views.map(\.ref), [QueryRef(image: 2, view: 1)])
        guard case let .fromMember(crc, _) = task.features[1].1 else { return XCTFail("TASK's second view is not fetched") }
        XCTAssertEqual(TaskFeature.crc(of: views.views[0].query), crc, "VIEWS carries the view the TASK names")
    }
}
