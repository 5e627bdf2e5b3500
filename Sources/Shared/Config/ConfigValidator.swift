import Foundation

/// Checks on typed values that fail with an `invalidValue` error naming the key path, the
/// line (when the file has the key or an ancestor) and what is allowed.
struct ConfigValidator {
    let file: String
    let lines: ConfigLines

    func fail(_ path: String, _ message: String) -> ConfigError {
        .invalidValue(.init(file: file, line: lines.line(for: path), keyPath: path), message: message)
    }

    func check(_ ok: Bool, _ path: String, _ message: @autoclosure () -> String) throws(ConfigError) {
        if !ok { throw fail(path, message()) }
    }

    func atLeast(_ value: Int, _ minimum: Int, _ path: String) throws(ConfigError) {
        try check(value >= minimum, path, "must be an integer of at least \(minimum), found \(value)")
    }

    func positive(_ value: Double, _ path: String) throws(ConfigError) {
        try check(value.isFinite && value > 0, path, "must be a number greater than 0, found \(value)")
    }

    func nonNegative(_ value: Double, _ path: String) throws(ConfigError) {
        try check(value.isFinite && value >= 0, path, "must be a number of at least 0, found \(value)")
    }

    func positive(_ value: ConfigDuration, _ path: String) throws(ConfigError) {
        try check(value.seconds > 0 && value.seconds <= ConfigDuration.maximumSeconds, path,
                  "must be a duration greater than 0 and at most a year, found \(value)")
    }

    /// A name usable in folder names and reports: letters, digits, `.`, `_`, `-`, not
    /// starting with `.` or `-`.
    func name(_ value: String, _ path: String) throws(ConfigError) {
        let allowed = value.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "._-".contains($0)) }
        let start = value.first.map { $0 != "." && $0 != "-" } ?? false
        try check(allowed && start, path,
                  "\"\(value)\" is not a valid name; use letters, digits, '.', '_' and '-', starting with a letter, digit or '_'")
    }

    func nonEmpty<T>(_ list: [T], _ path: String, _ what: String) throws(ConfigError) {
        try check(!list.isEmpty, path, "must list at least one \(what)")
    }

    /// Every string non-empty (after trimming spaces) and none twice.
    func distinctText(_ list: [String], _ path: String) throws(ConfigError) {
        var seen = [String: Int]()
        for (i, text) in list.enumerated() {
            let at = ConfigKeyPath.element(path, i)
            try check(!text.trimmingCharacters(in: .whitespaces).isEmpty, at, "must not be empty")
            if let first = seen[text] { throw fail(at, "\"\(text)\" is listed twice (also at \(path)[\(first)])") }
            seen[text] = i
        }
    }

    /// Every name one of `known` (listed under `knownPath`), none twice, at least one.
    func references(_ names: [String], _ path: String, known: [String], knownPath: String) throws(ConfigError) {
        try nonEmpty(names, path, "name from \(knownPath)")
        try distinctText(names, path)
        for (i, name) in names.enumerated() where !known.contains(name) {
            let hint = KeySuggestion.closest(to: name, in: known).map { "; did you mean '\($0)'?" } ?? ""
            throw fail(ConfigKeyPath.element(path, i),
                       "\"\(name)\" is not in \(knownPath) (\(known.joined(separator: ", ")))\(hint)")
        }
    }
}
