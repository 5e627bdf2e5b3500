import Foundation
import Yams

/// A YAML mapping whose keys must all come from a fixed list; anything else is an
/// unknown-key error naming the full key path and the closest known key. Absent keys take
/// the caller's default; a null section counts as empty.
struct ConfigSection {
    let value: ConfigValue
    private var entries: [String: ConfigValue] = [:]

    init(_ value: ConfigValue, keys: [String]) throws(ConfigError) {
        self.value = value
        if value.isNull { return }
        guard case let .mapping(mapping) = value.node else { throw value.wrongType("a mapping") }
        for (keyNode, child) in mapping {
            let keyLine = keyNode.mark?.line ?? value.line
            guard case let .scalar(scalar) = keyNode else {
                throw ConfigError.wrongType(value.location, expected: "a mapping whose keys are plain names",
                                            found: "a key that is a list or mapping (line \(keyLine.map(String.init) ?? "?"))")
            }
            let key = scalar.string
            let path = ConfigKeyPath.child(value.keyPath, key)
            guard keys.contains(key) else {
                throw ConfigError.unknownKey(.init(file: value.source.file, line: keyLine, keyPath: path),
                                             suggestion: KeySuggestion.closest(to: key, in: keys), allowed: keys)
            }
            entries[key] = ConfigValue(node: child, keyPath: path, line: keyLine, source: value.source)
        }
    }

    /// The value under `key`, nil when absent.
    subscript(key: String) -> ConfigValue? { entries[key] }

    /// The value under `key`, nil when absent or null.
    func optional(_ key: String) -> ConfigValue? {
        entries[key].flatMap { $0.isNull ? nil : $0 }
    }

    /// The value under `key`; a missing-key error with `hint` when absent.
    func required(_ key: String, hint: String) throws(ConfigError) -> ConfigValue {
        guard let v = entries[key] else {
            let path = ConfigKeyPath.child(value.keyPath, key)
            throw ConfigError.missingKey(.init(file: value.source.file, line: value.line, keyPath: path), hint: hint)
        }
        return v
    }

    func int(_ key: String, default d: Int) throws(ConfigError) -> Int { try self[key]?.int() ?? d }
    func uint64(_ key: String, default d: UInt64) throws(ConfigError) -> UInt64 { try self[key]?.uint64() ?? d }
    func double(_ key: String, default d: Double) throws(ConfigError) -> Double { try self[key]?.double() ?? d }
    func bool(_ key: String, default d: Bool) throws(ConfigError) -> Bool { try self[key]?.bool() ?? d }
    func string(_ key: String, default d: String) throws(ConfigError) -> String { try self[key]?.string() ?? d }
    func strings(_ key: String, default d: [String]) throws(ConfigError) -> [String] { try self[key]?.strings() ?? d }
    func duration(_ key: String, default d: ConfigDuration) throws(ConfigError) -> ConfigDuration {
        try self[key]?.duration() ?? d
    }
    /// An amount of memory, or null (none); when absent, `d`.
    func optionalByteSize(_ key: String, default d: ConfigByteSize?) throws(ConfigError) -> ConfigByteSize? {
        guard entries[key] != nil else { return d }
        return try optional(key)?.byteSize()
    }
    /// A path (null is refused); when absent, `d`.
    func path(_ key: String, default d: URL) throws(ConfigError) -> URL { try self[key]?.path() ?? d }
    func optionalPath(_ key: String) throws(ConfigError) -> URL? { try optional(key)?.path() }
}
