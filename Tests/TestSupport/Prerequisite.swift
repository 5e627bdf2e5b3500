import Foundation
import XCTest

/// A prerequisite of a test that this machine lacks: a skip that says why, or, where
/// `CI=true` (CI sets it), a failure, so that a CI machine without it cannot pass quietly.
func missingPrerequisite(_ reason: String, file: StaticString = #filePath, line: UInt = #line) -> any Error {
    guard ProcessInfo.processInfo.environment["CI"] == "true" else { return XCTSkip(reason) }
    XCTFail("CI=true, and a prerequisite is missing: \(reason)", file: file, line: line)
    return PrerequisiteMissing(reason: reason)
}

struct PrerequisiteMissing: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
