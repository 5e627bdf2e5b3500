import Foundation
import Logging
import XCTest
@testable import Coordinator
@testable import TestSupport

/// The progress line (Sessions/Progress.swift).
final class ProgressTests: XCTestCase {
    func testClockShowsMinutesAndSecondsThenHours() {
        let cases: [(Double, String)] = [
            (0, "0:00"), (0.4, "0:00"), (0.5, "0:01"), (59.4, "0:59"), (59.5, "1:00"), (61, "1:01"),
            (600, "10:00"), (3599, "59:59"), (3599.5, "1:00:00"), (3600, "1:00:00"), (3661, "1:01:01"),
            (36_000, "10:00:00"), (86_399, "23:59:59"), (90_061, "25:01:01"),
        ]
        for (seconds, text) in cases {
            XCTAssertEqual(Progress.clock(seconds), text, "\(seconds) s")
        }
    }

    func testQuietProgressShowsNothing() {
        let records = LogRecords()
        let log = Logger(label: "test.progress") { _ in CapturingLogHandler(records: records) }
        var progress = Progress(total: 3, quiet: true, log: log, logEvery: 0.001)
        guard case .off = progress.output else { return XCTFail("quiet progress is \(progress.output)") }
        XCTAssertEqual(progress.total, 3)
        for step in 1...3 { progress.update(step: step, loss: .init(), workers: 2) }
        progress.finish()
        XCTAssertEqual(records.entries, [])
    }
}
