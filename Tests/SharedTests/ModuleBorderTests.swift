import Foundation
import XCTest
@testable import TestSupport

/// The one border of Package.swift that the compiler does not check: SwiftPM hands every
/// target the module maps of all the C libraries below it, so `Shared`, the executables and
/// the tests could `import CZMQ` through Wire. This test holds each C module to the target
/// that declares it (and to an `internal import`, so no public API carries a C type).
final class ModuleBorderTests: XCTestCase {
    /// C module -> the folders (under the repository root) whose files may import it.
    let allowed: [String: [String]] = [
        "CBLAS": ["Sources/Shared/Tensor/", "Sources/Shared/Model/"],
        "CVectorMath": ["Sources/Shared/Tensor/"],
        "CLZ4": ["Sources/Shared/Formats/"],
        "CPNG": ["Sources/Shared/Formats/"],
        "CTurboJPEG": ["Sources/Shared/Formats/"],
        "CZlibInflate": ["Sources/Shared/Formats/"],
        "CZMQ": ["Sources/Shared/Wire/"],
        // ZIPFoundation's own zlib module, which TestSupport sees through it.
        "CZlib": [],
    ]

    func testCModulesAreImportedOnlyByTheirTarget() throws {
        let root = Fixtures.repositoryRoot
        var imports: [(file: String, line: String, module: String)] = []
        for folder in ["Sources", "Tests"] {
            let base = root.appendingPathComponent(folder)
            guard let files = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else {
                return XCTFail("cannot list \(base.path)")
            }
            for case let url as URL in files where url.pathExtension == "swift" {
                let path = String(url.standardizedFileURL.path.dropFirst(root.standardizedFileURL.path.count + 1))
                for line in try String(contentsOf: url, encoding: .utf8).split(separator: "\n") {
                    let words = line.split(separator: " ").map(String.init)
                    guard let i = words.firstIndex(of: "import"), i + 1 < words.count,
                          words[..<i].allSatisfy({ $0.hasPrefix("@") || ["internal", "public", "package", "private", "fileprivate"].contains($0) })
                    else { continue }
                    let module = String(words[i + 1].split(separator: ".")[0])
                    if allowed[module] != nil { imports.append((path, String(line), module)) }
                }
            }
        }
        XCTAssertFalse(imports.isEmpty, "no C module import found under \(root.path): wrong root?")
        for i in imports {
            let owners = allowed[i.module]!
            XCTAssertTrue(owners.contains { i.file.hasPrefix($0) },
                          "\(i.file): \(i.line) (\(i.module) belongs to \(owners.isEmpty ? "a dependency" : owners.joined(separator: ", ")))")
            XCTAssertTrue(i.line.hasPrefix("internal import "), "\(i.file): \(i.line) (a C module is imported `internal`)")
        }
    }
}
