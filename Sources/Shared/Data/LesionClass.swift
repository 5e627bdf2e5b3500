import Foundation

/// The three classes of docs/METHOD.md, in class-index order: 0 normal, 1 benign, 2 malignant.
public enum LesionClass: Int, CaseIterable, Comparable, Codable, Sendable, CustomStringConvertible {
    case normal = 0
    case benign = 1
    case malignant = 2

    /// The BUSI folder name and the manifest spelling: `normal`, `benign`, `malignant`.
    public var name: String {
        switch self {
        case .normal: return "normal"
        case .benign: return "benign"
        case .malignant: return "malignant"
        }
    }

    public var description: String { name }

    /// An abnormal image (benign or malignant) must come with a lesion mask.
    public var isAbnormal: Bool { self != .normal }

    /// Parses a label as written in a manifest: a name in any letter case, or 0 / 1 / 2.
    /// Surrounding spaces are ignored. nil for anything else.
    public init?(parsing text: String) {
        let t = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let n = Int(t), let c = LesionClass(rawValue: n) { self = c; return }
        guard let c = LesionClass.allCases.first(where: { $0.name == t }) else { return nil }
        self = c
    }

    public static func < (a: LesionClass, b: LesionClass) -> Bool { a.rawValue < b.rawValue }
}
