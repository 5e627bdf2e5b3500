import Foundation

/// An amount of memory written in cluster.yaml as a number with a unit: `512MiB`, `8GiB`,
/// `1.5GB`. Binary units (KiB, MiB, GiB, TiB) are powers of 1024, decimal ones (KB, MB, GB,
/// TB) of 1000. Stored in bytes.
public struct ConfigByteSize: Equatable, Hashable, Sendable, Codable, CustomStringConvertible {
    public var bytes: Int

    public init(bytes: Int) { self.bytes = bytes }
    public static func gibibytes(_ n: Int) -> ConfigByteSize { .init(bytes: n << 30) }

    static let units: [(suffix: String, size: Double)] = [
        ("KiB", 1024), ("MiB", 1_048_576), ("GiB", 1_073_741_824), ("TiB", 1_099_511_627_776),
        ("KB", 1e3), ("MB", 1e6), ("GB", 1e9), ("TB", 1e12), ("B", 1),
    ]

    /// Parses `NUMBER UNIT`; the number may have a fraction.
    public init(parsing text: String) throws(ConfigSyntaxError) {
        let value = try parseAmount(text, units: Self.units, what: "an amount of memory",
                                    form: "a number with a unit B, KiB, MiB, GiB, TiB, KB, MB, GB or TB (e.g. 512MiB, 8GiB)")
        guard value < Double(1 << 60) else { throw ConfigSyntaxError("\"\(text)\" is more memory than any machine has") }
        bytes = Int(value.rounded())
    }

    /// The largest binary unit that states it exactly (`8GiB`, `1536MiB`), else bytes.
    public var description: String {
        for (suffix, size) in [("TiB", 1 << 40), ("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)]
        where bytes >= size && bytes % size == 0 {
            return "\(bytes / size)\(suffix)"
        }
        return "\(bytes)B"
    }
}
