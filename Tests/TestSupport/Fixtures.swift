import Foundation

/// The committed fixtures (Tests/TestSupport/Fixtures), copied into the test bundle.
enum Fixtures {
    static var root: URL {
        Bundle.module.url(forResource: "Fixtures", withExtension: nil)
            ?? URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")
    }

    static func url(_ path: String) -> URL { root.appendingPathComponent(path) }

    /// The repository's top folder (for committed files outside the fixtures:
    /// cluster.yaml, scripts).
    static var repositoryRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A JSON fixture as nested dictionaries and arrays.
    static func json(_ path: String) throws -> [String: Any] {
        let data = try Data(contentsOf: url(path))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw CocoaError(.fileReadCorruptFile)
        }
        return object
    }
}

extension Array where Element == Any {
    var floats: [Float] { map { Float(($0 as? NSNumber)?.doubleValue ?? .nan) } }
    var ints: [Int] { map { ($0 as? NSNumber)?.intValue ?? -1 } }
}
