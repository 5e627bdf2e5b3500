import Foundation

/// xl/sharedStrings.xml: the strings that `t="s"` cells point to by index, in order.
enum SharedStrings {
    static func strings(_ data: Data, part: String) throws(Unreadable) -> [String] {
        let handler = Handler()
        try XMLPart.parse(data, part: part, into: handler)
        return handler.strings
    }

    private final class Handler: XMLPartHandler {
        var strings: [String] = []
        var item: StringItem?

        func start(_ name: String, attributes: [String: String]) throws(Unreadable) {
            if name == "si" { item = StringItem() } else { item?.start(name) }
        }

        func end(_ name: String) throws(Unreadable) {
            if name == "si", let done = item {
                strings.append(done.text)
                item = nil
            } else {
                item?.end(name)
            }
        }

        func text(_ text: String) { item?.add(text) }
    }
}
