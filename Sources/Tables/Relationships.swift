import Foundation

/// An OPC relationship part (`_rels/*.rels`): which part an id or a type points to. The
/// workbook is found from the package's relationships, and its sheets and shared strings from
/// the workbook's, as Excel does, rather than by assuming the names Excel happens to write.
struct Relationships {
    struct Relationship {
        var id: String
        /// The relationship type URI; matched by its last path segment ("worksheet"), which
        /// is the same in the transitional and the strict OOXML namespaces.
        var type: String
        /// The target part's name inside the ZIP (resolved against the source part's folder).
        var target: String
        var external: Bool
    }

    var all: [Relationship] = []

    /// Reads the relationships of the part `source` (e.g. "xl/workbook.xml") from `data`,
    /// the part `part` (e.g. "xl/_rels/workbook.xml.rels").
    init(_ data: Data, part: String, source: String) throws(Unreadable) {
        let handler = Handler(sourceFolder: Self.folder(of: source))
        try XMLPart.parse(data, part: part, into: handler)
        all = handler.relationships
    }

    /// The rels part that holds `part`'s relationships: "xl/workbook.xml" -> "xl/_rels/workbook.xml.rels".
    static func partName(for part: String) -> String {
        let name = part.split(separator: "/").last.map(String.init) ?? part
        return folder(of: part) + "_rels/" + name + ".rels"
    }

    func first(ofType kind: String) -> Relationship? {
        all.first { !$0.external && $0.type.split(separator: "/").last.map(String.init) == kind }
    }

    func target(id: String) -> Relationship? { all.first { $0.id == id } }

    /// "xl/workbook.xml" -> "xl/"; a part at the top -> "".
    static func folder(of part: String) -> String {
        guard let slash = part.lastIndex(of: "/") else { return "" }
        return String(part[...slash])
    }

    /// A target relative to `folder` ("worksheets/sheet1.xml", "../x.xml") or absolute
    /// ("/xl/worksheets/sheet1.xml") as a ZIP entry name.
    static func resolve(_ target: String, in folder: String) -> String {
        var parts: [Substring] = target.hasPrefix("/") ? [] : folder.split(separator: "/")
        for piece in target.split(separator: "/") {
            switch piece {
            case ".": continue
            case "..": _ = parts.popLast()
            default: parts.append(piece)
            }
        }
        return parts.joined(separator: "/")
    }

    private final class Handler: XMLPartHandler {
        let sourceFolder: String
        var relationships: [Relationship] = []
        init(sourceFolder: String) { self.sourceFolder = sourceFolder }

        func start(_ name: String, attributes: [String: String]) throws(Unreadable) {
            guard name == "Relationship" else { return }
            guard let id = attributes["Id"], let type = attributes["Type"], let target = attributes["Target"] else {
                throw Unreadable("a <Relationship> without Id, Type or Target")
            }
            let external = attributes["TargetMode"] == "External"
            relationships.append(Relationship(id: id, type: type,
                                              target: external ? target : Relationships.resolve(target, in: sourceFolder),
                                              external: external))
        }
    }
}
