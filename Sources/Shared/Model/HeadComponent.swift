import Foundation

/// A component of the head that a run can switch off (docs/METHOD.md, "Ablations"). The
/// raw values are the names cluster.yaml's `model.ablate` and the replay contract's
/// `ablate` metadata use; `allCases` is the table's order, which lists are kept in.
public enum HeadComponent: String, CaseIterable, Codable, Sendable, Comparable {
    case imagePrompt = "image_prompt"
    case learnedPrompt = "learned_prompt"
    case patchAdapter = "patch_adapter"
    case fuse
    case miniNet = "mini_net"
    case memoryBank = "memory_bank"
    case centre

    /// The parameter names (their prefix) that exist only with this component.
    public var parameterPrefix: String? {
        switch self {
        case .imagePrompt: return "meta."
        case .learnedPrompt: return "prompt.offset"
        case .patchAdapter: return "adapter."
        case .fuse: return "fuse."
        case .miniNet: return "mini."
        case .memoryBank: return "cache."
        case .centre: return nil
        }
    }

    public static func < (a: Self, b: Self) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    /// Names in table order, each once.
    public static func normalized(_ list: [HeadComponent]) -> [HeadComponent] { Array(Set(list)).sorted() }

    /// Parses a comma-separated list (the replay contract's metadata); empty text is the
    /// full method. An unknown name is an error naming it and the known ones.
    public static func parseList(_ text: String) throws(ModelError) -> [HeadComponent] {
        var out = [HeadComponent]()
        for part in text.split(separator: ",", omittingEmptySubsequences: true) {
            let name = part.trimmingCharacters(in: .whitespaces)
            guard let c = HeadComponent(rawValue: name) else {
                throw .invalid("ablate: \"\(name)\" is not a component (components: \(allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            out.append(c)
        }
        return normalized(out)
    }

    /// The comma-separated form of a list.
    public static func listText(_ list: [HeadComponent]) -> String { normalized(list).map(\.rawValue).joined(separator: ",") }

    /// Every component with parameters: removing them all leaves the zero-shot baseline.
    public static let trainable = allCases.filter { $0.parameterPrefix != nil }

    /// Whether switching `ablated` off leaves no parameter: the zero-shot CLIP baseline,
    /// evaluated, never trained.
    public static func isZeroShot(_ ablated: [HeadComponent]) -> Bool { trainable.allSatisfy(ablated.contains) }
}
