import Foundation

/// xl/workbook.xml: the sheets in workbook order (the order of Excel's tabs), each with the
/// relationship id that names its part.
enum Workbook {
    struct Sheet {
        var name: String
        var relationshipID: String
    }

    static func sheets(_ data: Data, part: String) throws(Unreadable) -> [Sheet] {
        let handler = Handler()
        try XMLPart.parse(data, part: part, into: handler)
        return handler.sheets
    }

    private final class Handler: XMLPartHandler {
        var sheets: [Sheet] = []

        func start(_ name: String, attributes: [String: String]) throws(Unreadable) {
            guard name == "sheet" else { return }
            // The id is `r:id`, in the relationships namespace; its prefix is the producer's
            // choice, and it is the only attribute of <sheet> with a prefix and the name id.
            guard let id = attributes.first(where: { $0.key.hasSuffix(":id") })?.value else {
                throw Unreadable("a <sheet> without r:id")
            }
            sheets.append(Sheet(name: attributes["name"] ?? "", relationshipID: id))
        }
    }
}
