import Foundation
import Yams

/// Key paths as messages write them: `train.steps`, `sites[1].name`.
enum ConfigKeyPath {
    static func child(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }
    static func element(_ parent: String, _ index: Int) -> String { "\(parent)[\(index)]" }
}

/// The file values come from: its name for messages, its folder for relative paths.
struct ConfigSource {
    let file: String
    let baseDirectory: URL
}

/// One YAML node of a cluster.yaml with its key path and line. Typed reads fail with the
/// key path, the expected type and what was found.
struct ConfigValue {
    let node: Node
    let keyPath: String
    /// The line of the key (for a mapping entry) or of the node itself.
    let line: Int?
    let source: ConfigSource

    var location: ConfigError.Location { .init(file: source.file, line: line, keyPath: keyPath) }

    func invalid(_ message: String) -> ConfigError { .invalidValue(location, message: message) }
    func wrongType(_ expected: String) -> ConfigError { .wrongType(location, expected: expected, found: found) }

    /// The resolved YAML tag (str, int, float, bool, null, map, seq, ...).
    var kind: Tag.Name { Tag.Name(rawValue: node.tag.rawValue) }

    /// A plain `null`, `~` or empty value.
    var isNull: Bool {
        if case .scalar = node { return kind == .null }
        return false
    }

    /// What the node is, for messages: `the string "abc"`, `a list`, `null`.
    var found: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(s):
            let text = s.string.count > 40 ? s.string.prefix(40) + "..." : s.string
            switch kind {
            case .null: return "null"
            case .bool: return "the boolean \(text)"
            case .int: return "the integer \(text)"
            case .float: return "the number \(text)"
            default: return "the string \"\(text)\""
            }
        }
    }

    func int() throws(ConfigError) -> Int {
        guard case let .scalar(s) = node, kind == .int else { throw wrongType("an integer") }
        guard let v = Int.construct(from: s) else { throw invalid("\(s.string) does not fit in a 64-bit integer") }
        return v
    }

    func uint64() throws(ConfigError) -> UInt64 {
        guard case let .scalar(s) = node, kind == .int else { throw wrongType("an integer from 0 to \(UInt64.max)") }
        guard let v = UInt64.construct(from: s) else { throw invalid("must be an integer from 0 to \(UInt64.max), found \(s.string)") }
        return v
    }

    /// An integer or a floating-point number (including .inf and .nan, which validation
    /// then refuses where they make no sense).
    func double() throws(ConfigError) -> Double {
        guard case let .scalar(s) = node, kind == .int || kind == .float else {
            throw wrongType("a number")
        }
        let v = kind == .int ? Int.construct(from: s).map(Double.init) : Double.construct(from: s)
        guard let v else { throw invalid("\(s.string) is not a representable number") }
        return v
    }

    func bool() throws(ConfigError) -> Bool {
        guard case let .scalar(s) = node, kind == .bool, let v = Bool.construct(from: s) else {
            throw wrongType("true or false")
        }
        return v
    }

    /// Any scalar but null, as written: `name: 1` is the name "1".
    func string() throws(ConfigError) -> String {
        guard case let .scalar(s) = node, !isNull else { throw wrongType("a string") }
        return s.string
    }

    /// A non-empty string naming a file or folder, resolved against the config's folder.
    func path() throws(ConfigError) -> URL {
        let text = try string()
        guard !text.trimmingCharacters(in: .whitespaces).isEmpty else { throw invalid("must be a file or folder path, found an empty string") }
        return ClusterConfig.resolvePath(text, against: source.baseDirectory)
    }

    func duration() throws(ConfigError) -> ConfigDuration {
        guard case .scalar = node, kind != .null, kind != .bool else {
            throw wrongType("a duration (a number with a unit ms, s, m or h)")
        }
        let text = try string()
        do { return try ConfigDuration(parsing: text) } catch { throw invalid(error.reason) }
    }

    func byteSize() throws(ConfigError) -> ConfigByteSize {
        guard case .scalar = node, kind != .null, kind != .bool else {
            throw wrongType("an amount of memory (a number with a unit such as MiB or GiB)")
        }
        let text = try string()
        do { return try ConfigByteSize(parsing: text) } catch { throw invalid(error.reason) }
    }

    func endpoint() throws(ConfigError) -> ClusterConfig.Endpoint {
        let text = try string()
        do { return try ClusterConfig.Endpoint(parsing: text) } catch { throw invalid(error.reason) }
    }

    /// The elements, with key paths `PATH[i]`.
    func list() throws(ConfigError) -> [ConfigValue] {
        guard case let .sequence(seq) = node else { throw wrongType("a list") }
        return seq.enumerated().map { i, element in
            ConfigValue(node: element, keyPath: ConfigKeyPath.element(keyPath, i), line: element.mark?.line, source: source)
        }
    }

    func strings() throws(ConfigError) -> [String] {
        var out = [String]()
        for element in try list() { out.append(try element.string()) }
        return out
    }

    func ints() throws(ConfigError) -> [Int] {
        var out = [Int]()
        for element in try list() { out.append(try element.int()) }
        return out
    }

    func paths() throws(ConfigError) -> [URL] {
        var out = [URL]()
        for element in try list() { out.append(try element.path()) }
        return out
    }

    /// One of the raw values of `T`, or an error listing them.
    func choice<T: RawRepresentable & CaseIterable>(_: T.Type) throws(ConfigError) -> T where T.RawValue == String {
        let text = try string()
        guard let v = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue)
            let hint = KeySuggestion.closest(to: text, in: allowed).map { " (did you mean '\($0)'?)" } ?? ""
            throw invalid("\"\(text)\" is not one of \(allowed.joined(separator: ", "))\(hint)")
        }
        return v
    }

    /// This node as a mapping with the given keys (null counts as an empty mapping).
    func section(_ keys: [String]) throws(ConfigError) -> ConfigSection {
        try ConfigSection(self, keys: keys)
    }
}
