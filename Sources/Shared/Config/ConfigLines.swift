import Yams

/// The line of every key path in a YAML tree (`train.steps`, `sites[0].name`), so that
/// rules checked on the typed settings can still point at the file. A path that is not in
/// the file (a default) falls back to its nearest ancestor that is.
struct ConfigLines {
    private var lines: [String: Int] = [:]

    init() {}

    init(root: Node) {
        index(root, path: "")
    }

    private mutating func index(_ node: Node, path: String) {
        switch node {
        case let .mapping(mapping):
            for (key, value) in mapping {
                guard let name = key.string else { continue }
                let child = ConfigKeyPath.child(path, name)
                if let line = key.mark?.line { lines[child] = line }
                index(value, path: child)
            }
        case let .sequence(sequence):
            for (i, element) in sequence.enumerated() {
                let child = ConfigKeyPath.element(path, i)
                if let line = element.mark?.line { lines[child] = line }
                index(element, path: child)
            }
        case .scalar, .alias:
            break
        }
    }

    /// The line of `path`, or of its nearest ancestor in the file.
    func line(for path: String) -> Int? {
        var p = Substring(path)
        while !p.isEmpty {
            if let line = lines[String(p)] { return line }
            guard let cut = p.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            p = p[..<cut]
        }
        return nil
    }
}
