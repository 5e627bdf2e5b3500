import Foundation
import XCTest
@testable import Shared
@testable import TestSupport

/// `ultraad-worker replay`: the replay contract (HeadReplayTests) run by the built worker.
final class WorkerReplayTests: XCTestCase {
    func testWorkerReplayCommandWritesTheContractOutput() throws {
        let worker = try XCTUnwrap(productsDirectory?.appendingPathComponent("ultraad-worker"))
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("replay-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: out) }
        let (status, output) = try runProcess(worker, ["replay", "--in", Fixtures.url("head/random.in.safetensors").path, "--out", out.path])
        XCTAssertEqual(status, 0, output)
        let written = try SafeTensorsReader(contentsOf: out)
        let expected = try SafeTensorsReader(contentsOf: Fixtures.url("head/random.out.safetensors"))
        XCTAssertEqual(try written.tensor("loss").data[0], try expected.tensor("loss").data[0], accuracy: 1e-3)
        XCTAssertEqual(written.names.filter { $0.hasPrefix("grad.") }.count, 17)
    }
}
