import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif

// FoundationXML's XMLParser (libxml2's SAX parser underneath) rather than XMLCoder: XMLCoder
// decodes through the same XMLParser into a tree first, and a worksheet is a long sparse list
// whose meaning is in element order (rows and cells without references follow the previous
// one, rich-text runs concatenate), which events say directly and Codable models do not.
// XMLParser leaves entity substitution off (a reference to an entity of the document's own
// DTD is dropped), and libxml2 refuses a "billion laughs" DTD outright, as an entity loop
// (SpreadsheetHostileTests checks).

/// What the reader of one XML part does with the parser's events. Element names are local
/// names: the namespace prefix is the producer's choice (`x:row` and `row` are one element).
protocol XMLPartHandler: AnyObject {
    func start(_ name: String, attributes: [String: String]) throws(Unreadable)
    func end(_ name: String) throws(Unreadable)
    /// Character data (and CDATA), possibly in several pieces for one text node.
    func text(_ text: String)
}

extension XMLPartHandler {
    func end(_ name: String) throws(Unreadable) {}
    func text(_ text: String) {}
}

enum XMLPart {
    /// Feeds the part `part` (its bytes: `data`) to `handler`. A malformed document, or a
    /// reason the handler throws, becomes "PART line N: reason".
    static func parse(_ data: Data, part: String, into handler: some XMLPartHandler) throws(Unreadable) {
        let parser = XMLParser(data: data)
        parser.shouldProcessNamespaces = true
        let events = Events(handler)
        parser.delegate = events
        let parsed = parser.parse()
        if let failure = events.failure {
            throw Unreadable("\(part) line \(failure.line): \(failure.reason)")
        }
        // Not `parsed` alone: XMLParser reports success for some broken documents, with the error set.
        if !parsed || parser.parserError != nil {
            let code = (parser.parserError as NSError?)?.code ?? 0
            throw Unreadable("\(part) line \(parser.lineNumber): malformed XML\(explanation(code)) (XMLParser error \(code))")
        }
        // XMLParser also reports success, with no error, for an empty or very short document.
        if !events.sawRoot {
            throw Unreadable("\(part): no XML element (empty, or cut short?)")
        }
    }

    /// What the error codes that damaged and hostile parts give mean (they are libxml2's).
    private static func explanation(_ code: Int) -> String {
        switch code {
        case 5: return ": it ends early or its tags do not match"
        case 89: return ": entities that expand without end (an entity bomb?)"
        default: return ""
        }
    }
}

/// The delegate: forwards events, keeps the first failure (with its line) and stops the parse.
private final class Events: NSObject, XMLParserDelegate {
    let handler: any XMLPartHandler
    var failure: (line: Int, reason: String)?
    var sawRoot = false

    init(_ handler: any XMLPartHandler) { self.handler = handler }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?,
                qualifiedName: String?, attributes: [String: String] = [:]) {
        guard failure == nil else { return }
        sawRoot = true
        do { try handler.start(name, attributes: attributes) } catch { fail(parser, error) }
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        guard failure == nil else { return }
        do { try handler.end(name) } catch { fail(parser, error) }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        if failure == nil { handler.text(string) }
    }

    func parser(_ parser: XMLParser, foundCDATA block: Data) {
        if failure == nil { handler.text(String(decoding: block, as: UTF8.self)) }
    }

    private func fail(_ parser: XMLParser, _ error: Unreadable) {
        failure = (parser.lineNumber, error.reason)
        parser.abortParsing()
    }
}
