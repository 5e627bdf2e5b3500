import Foundation
import Yams

extension ClusterConfig {
    /// Reads, parses and validates a cluster.yaml; relative paths in it are taken relative
    /// to the file's folder.
    public static func load(path: String) throws(ConfigError) -> ClusterConfig {
        let url = URL(filePath: path, directoryHint: .notDirectory)
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw .unreadable(file: path, reason: Self.reason(error))
        }
        return try parse(yaml: text, source: path, baseDirectory: url.deletingLastPathComponent())
    }

    /// Parses and validates cluster.yaml text. `source` names it in errors; relative paths
    /// are resolved against `baseDirectory`.
    public static func parse(yaml: String, source: String, baseDirectory: URL) throws(ConfigError) -> ClusterConfig {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch let error as YamlError {
            throw syntaxError(error, file: source)
        } catch {
            throw .syntax(file: source, line: nil, message: String(describing: error))
        }
        let from = ConfigSource(file: source, baseDirectory: baseDirectory)
        let document = root ?? Node("", Tag(.null))
        if case let .mapping(m) = document, let sweep = m.first(where: { $0.key.string == "sweep" }) {
            throw .invalidValue(.init(file: source, line: sweep.key.mark?.line, keyPath: "sweep"),
                                message: "this file describes a sweep of many runs: use `ultraad sweep plan|prepare|run|report --config \(source)` (docs/SWEEPS.md); the other commands take one run's configuration, e.g. a cell's SWEEP/cells/NAME/effective-config.yaml")
        }
        let config = try ClusterConfig(reading: ConfigValue(node: document, keyPath: "", line: document.mark?.line ?? 1, source: from))
        try config.validate(ConfigValidator(file: source, lines: ConfigLines(root: document)))
        return config
    }

    /// The parser's problem and line, without the echo of the whole document Yams adds.
    static func syntaxError(_ error: YamlError, file: String) -> ConfigError {
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let around = context.map { "\($0.text) (line \($0.mark.line)), " } ?? ""
            return .syntax(file: file, line: mark.line, message: around + problem)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return .syntax(file: file, line: context.mark.line, message: "duplicate key \(keys) in one mapping")
        case let .reader(problem, _, _, _):
            return .syntax(file: file, line: nil, message: problem)
        default:
            return .syntax(file: file, line: nil, message: String(describing: error))
        }
    }

    private static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if ns.domain == NSCocoaErrorDomain, ns.code == NSFileReadNoSuchFileError { return "no such file" }
        return ns.localizedDescription
    }
}
