import Foundation

/// A length of time written in cluster.yaml as a number with a unit: `500ms`, `10s`,
/// `1.5m`, `2h`. Stored in seconds.
public struct ConfigDuration: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }
    public static func milliseconds(_ n: Double) -> ConfigDuration { .init(seconds: n / 1000) }
    public static func seconds(_ n: Double) -> ConfigDuration { .init(seconds: n) }
    public static func minutes(_ n: Double) -> ConfigDuration { .init(seconds: n * 60) }

    /// Longer durations are refused (they would overflow clocks and timeouts).
    static let maximumSeconds: Double = 365 * 86400

    /// The units the text form accepts, with their length in seconds.
    static let units: [(suffix: String, size: Double)] = [("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600)]

    /// Parses `NUMBER UNIT` (unit one of ms, s, m, h; the number may have a fraction).
    /// - Throws: a reason naming the accepted form.
    public init(parsing text: String) throws(ConfigSyntaxError) {
        let value = try parseAmount(text, units: Self.units, what: "a duration",
                                    form: "a number with a unit ms, s, m or h (e.g. 500ms, 10s, 5m)")
        guard value <= Self.maximumSeconds else {
            throw ConfigSyntaxError("\"\(text)\" is longer than the longest allowed duration (\(Int(Self.maximumSeconds / 86400)) days)")
        }
        self.seconds = value
    }

    /// Swift's own duration type, for sleeps and clocks.
    public var duration: Swift.Duration { .milliseconds(clampedMilliseconds) }
    /// Whole milliseconds (rounded), the unit of ZeroMQ's timeouts.
    public var milliseconds: Int { Int(clampedMilliseconds) }

    /// Rounded milliseconds, kept in 0 ... 2^53 so that no conversion traps (validated
    /// durations are far inside).
    private var clampedMilliseconds: Int64 {
        let ms = (seconds * 1000).rounded()
        guard ms.isFinite else { return ms > 0 ? 1 << 53 : 0 }
        return Int64(min(max(ms, 0), Double(1 << 53)))
    }

    /// The shortest exact text form in the largest whole unit: `500ms`, `10s`, `90m`, `2h`;
    /// plain seconds otherwise (`0.0005s`).
    public var description: String {
        guard seconds.isFinite, seconds > 0, seconds <= 1e12 else { return "\(seconds)s" }
        for unit in Self.units.reversed() {
            let n = seconds / unit.size
            if n >= 1, n == n.rounded() { return "\(Int(n))\(unit.suffix)" }
        }
        return "\(seconds)s"
    }
}

/// `NUMBER UNIT` (the number may have a fraction, the unit is one of `units`' suffixes, the
/// longest that fits) as the number times the unit's size; the errors name the accepted `form`.
func parseAmount(_ text: String, units: [(suffix: String, size: Double)], what: String, form: String) throws(ConfigSyntaxError) -> Double {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    // Longest suffix first, so that "ms" is not read as "m", nor "MiB" as "B".
    guard let unit = units.sorted(by: { $0.suffix.count > $1.suffix.count }).first(where: { trimmed.hasSuffix($0.suffix) }) else {
        throw ConfigSyntaxError("\"\(text)\" has no unit; write \(form)")
    }
    let number = trimmed.dropLast(unit.suffix.count).trimmingCharacters(in: .whitespaces)
    guard !number.isEmpty, number.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }),
          let value = Double(number), value.isFinite else {
        throw ConfigSyntaxError("\"\(text)\" is not \(what); write \(form)")
    }
    return value * unit.size
}
