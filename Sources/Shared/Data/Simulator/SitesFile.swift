import Foundation
import Yams

/// sites.yaml: what `ultraad simulate` wrote and with which device settings
/// (docs/FORMATS.md, "sites.yaml").
public struct SitesFile: Codable, Equatable, Sendable {
    public static let format = "ultraad-sites"
    public static let version = 1

    public struct Site: Codable, Equatable, Sendable {
        public var name: String
        /// The site's BUSI-layout folder, relative to the sites.yaml.
        public var path: String
        public var images: ImageCounts
        public var device: DeviceSettings
    }

    /// Images per class (a struct, not a dictionary, so the YAML keeps this order).
    public struct ImageCounts: Codable, Equatable, Sendable {
        public var normal: Int
        public var benign: Int
        public var malignant: Int
    }

    public var format: String
    public var version: Int
    public var generator: String
    public var seed: UInt64
    /// Exported image size (pixels a side).
    public var size: Int
    public var perClass: Int
    public var sites: [Site]

    enum CodingKeys: String, CodingKey {
        case format, version, generator, seed, size, perClass = "per_class", sites
    }

    /// The YAML text, with a comment saying what it is.
    public func yaml() throws(SimulatorError) -> String {
        let body: String
        do { body = try YAMLEncoder().encode(self) } catch {
            throw .cannotWrite(file: "sites.yaml", reason: "\(error)")
        }
        return "# Synthetic breast-ultrasound sites written by `ultraad simulate` (see docs/FORMATS.md).\n"
            + Self.plainNumbers(body)
    }

    /// Yams writes floats in scientific notation (`1.215e+1`); this rewrites every
    /// `key: number` value in the shortest plain form (`12.15`), which YAML reads back the same.
    static func plainNumbers(_ yaml: String) -> String {
        yaml.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard let colon = line.range(of: ": ") else { return String(line) }
            let value = line[colon.upperBound...]
            guard value.contains("e"), let number = Double(value), number.isFinite else { return String(line) }
            return line[..<colon.upperBound] + String(number)
        }.joined(separator: "\n")
    }

    public func write(to path: String) throws(SimulatorError) {
        let text = try yaml()
        do { try Data(text.utf8).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw .cannotWrite(file: path, reason: DatasetEntry.reason(error))
        }
    }

    /// Reads and checks format and version.
    public static func read(_ path: String) throws(SimulatorError) -> SitesFile {
        let read = CSV.readText(path)
        guard let text = read.text else { throw .unreadable(file: path, reason: read.reason) }
        let file: SitesFile
        do { file = try YAMLDecoder().decode(SitesFile.self, from: text) } catch {
            throw .invalidSitesFile(file: path, reason: "\(error)")
        }
        guard file.format == format else {
            throw .invalidSitesFile(file: path, reason: "format is \"\(file.format)\", expected \"\(format)\"")
        }
        guard file.version == version else { throw .unsupportedVersion(file: path, version: file.version) }
        return file
    }
}
