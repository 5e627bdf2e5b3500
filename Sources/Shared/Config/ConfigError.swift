/// Everything that can be wrong with a cluster.yaml. Every case names the file and, where
/// one is involved, the full key path (`train.steps`, `sites[1].name`) and the line; the
/// message says what is allowed. The first problem found is reported.
public enum ConfigError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The text is not well-formed YAML (as reported by the YAML parser).
    case syntax(file: String, line: Int?, message: String)
    /// `version` is missing or names a schema this build does not know.
    case unsupportedVersion(Location, found: String?)
    /// A key the schema does not have; `suggestion` is the closest known key, if any is close.
    case unknownKey(Location, suggestion: String?, allowed: [String])
    /// A key that must be given is absent.
    case missingKey(Location, hint: String)
    /// A value of the wrong YAML type: `expected` names the type, `found` what is there.
    case wrongType(Location, expected: String, found: String)
    /// A value of the right type that is not allowed; `message` says what is.
    case invalidValue(Location, message: String)

    /// Where a problem is: file, line (1-based, when known) and key path.
    public struct Location: Equatable, Sendable, CustomStringConvertible {
        public var file: String
        public var line: Int?
        public var keyPath: String

        public init(file: String, line: Int?, keyPath: String) {
            self.file = file; self.line = line; self.keyPath = keyPath
        }

        /// `cluster.yaml:12: train.steps`
        public var description: String {
            let place = line.map { "\(file):\($0)" } ?? file
            return keyPath.isEmpty ? place : "\(place): \(keyPath)"
        }
    }

    /// The key path involved, if any.
    public var keyPath: String? {
        switch self {
        case .unreadable, .syntax: return nil
        case let .unsupportedVersion(l, _), let .unknownKey(l, _, _), let .missingKey(l, _),
             let .wrongType(l, _, _), let .invalidValue(l, _):
            return l.keyPath
        }
    }

    public var description: String {
        switch self {
        case let .unreadable(file, reason):
            return "\(file): cannot read the configuration: \(reason)"
        case let .syntax(file, line, message):
            return "\(line.map { "\(file):\($0)" } ?? file): not valid YAML: \(message)"
        case let .unsupportedVersion(l, found):
            let supported = ClusterConfig.currentVersion
            guard let found else {
                return "\(l): required; add `version: \(supported)` (the schema version this build reads)"
            }
            return "\(l): version \(found) is not supported; this build reads version \(supported)"
        case let .unknownKey(l, suggestion, allowed):
            let hint = suggestion.map { "; did you mean '\($0)'?" } ?? ""
            let parent = l.keyPath.split(separator: ".").dropLast().joined(separator: ".")
            let owner = parent.isEmpty ? "the top level" : parent
            return "\(l): unknown key\(hint) (\(owner) takes: \(allowed.joined(separator: ", ")))"
        case let .missingKey(l, hint):
            return "\(l): required but missing; \(hint)"
        case let .wrongType(l, expected, found):
            return "\(l): expected \(expected), found \(found)"
        case let .invalidValue(l, message):
            return "\(l): \(message)"
        }
    }
}

/// Why a value's text could not be read (a duration, an endpoint, a name); wrapped into a
/// `ConfigError` with the key path by the reader.
public struct ConfigSyntaxError: Error, Equatable, Sendable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
