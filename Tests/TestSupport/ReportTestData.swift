import Foundation
import XCTest
#if canImport(FoundationXML)
import FoundationXML
#endif
import Shared

/// Synthetic test-site predictions with known metrics, and readers for the report files.
enum ReportTestData {
    static let height = 12, width = 16
    /// The lesion of every abnormal image: rows 3..<8, columns 4..<10.
    static let lesionRows = 3..<8, lesionCols = 4..<10

    static func mask(abnormal: Bool) -> Tensor {
        var t = Tensor(zeros: [height, width])
        guard abnormal else { return t }
        for y in lesionRows { for x in lesionCols { t.data[y * width + x] = 1 } }
        return t
    }

    /// 0.9 on the lesion, 0.1 elsewhere (perfect); or the reverse (inverted).
    static func map(for mask: Tensor, inverted: Bool = false) -> Tensor {
        Tensor(shape: mask.shape, data: mask.data.map { ($0 > 0.5) != inverted ? 0.9 : 0.1 })
    }

    /// A flat gray test image [3, H, W].
    static func image(height: Int = height, width: Int = width, value: Float = 0.5) -> Tensor {
        Tensor(repeating: value, shape: [3, height, width])
    }

    static func evaluation(_ id: String, label: Int, score: Float, probabilities: [Float],
                           inverted: Bool = false, image: Tensor? = image()) -> ImageEvaluation {
        let m = mask(abnormal: label != 0)
        return ImageEvaluation(id: id, label: label, image: image, mask: m, map: map(for: m, inverted: inverted),
                               score: score, probabilities: probabilities)
    }

    /// Image scores: normal 0.1, 0.4, 0.7 against abnormal 0.3, 0.6, 0.8 (benign) and 0.9,
    /// 0.5, 0.95 (malignant): 14 of 18 pairs ordered, image AUROC 14/18.
    static let normalScores: [Float] = [0.1, 0.4, 0.7]
    static let benignScores: [Float] = [0.3, 0.6, 0.8]
    static let malignantScores: [Float] = [0.9, 0.5, 0.95]
    static let imageAUROC = 14.0 / 18.0

    /// Class probabilities: on p[2] / (p[1] + p[2]) every malignant image ranks above
    /// every benign one (benign-vs-malignant AUROC 1); on p[2] alone only 7 of 9 pairs do.
    static let normalProbs: [[Float]] = [[0.8, 0.1, 0.1], [0.6, 0.3, 0.1], [0.7, 0.1, 0.2]]
    static let benignProbs: [[Float]] = [[0.2, 0.5, 0.3], [0.6, 0.3, 0.1], [0.1, 0.6, 0.3]]
    static let malignantProbs: [[Float]] = [[0.2, 0.2, 0.6], [0.5, 0.3, 0.2], [0.1, 0.2, 0.7]]

    /// Nine images, three of each class, in class order.
    static func threeClassSite(prefix: String, inverted: Bool = false) -> [ImageEvaluation] {
        var out: [ImageEvaluation] = []
        let classes: [(String, Int, [Float], [[Float]])] = [
            ("normal", 0, normalScores, normalProbs), ("benign", 1, benignScores, benignProbs),
            ("malignant", 2, malignantScores, malignantProbs)]
        for (name, label, scores, probs) in classes {
            for i in 0..<3 {
                out.append(evaluation("\(prefix)/\(name)/\(name) (\(i + 1)).png", label: label, score: scores[i],
                                      probabilities: probs[i], inverted: inverted))
            }
        }
        return out
    }

    static func finish(_ name: String, _ images: [ImageEvaluation], overlaysPerClass: Int = 1) throws -> SiteEvaluation {
        var acc = SiteAccumulator(name: name, overlaysPerClass: overlaysPerClass)
        for e in images { try acc.add(e) }
        return try acc.finish()
    }

    static func temporaryFolder(_ test: XCTestCase) throws -> URL {
        try TestSupport.temporaryFolder(test, prefix: "ultraad-report")
    }

    /// The rows of the first Markdown table under `heading`, header and alignment rows
    /// excluded: cells trimmed, by the first cell.
    static func table(in markdown: String, under heading: String) -> [String: [String]] {
        let lines = markdown.components(separatedBy: "\n")
        guard let start = lines.firstIndex(of: heading) else { return [:] }
        var rows: [String: [String]] = [:], seen = 0
        for line in lines[(start + 1)...] {
            if line.hasPrefix("#") { break }
            guard line.hasPrefix("|") else { if seen > 0 { break } else { continue } }
            seen += 1
            if seen <= 2 { continue }
            let cells = line.split(separator: "|", omittingEmptySubsequences: false).dropFirst().dropLast()
                .map { $0.trimmingCharacters(in: .whitespaces) }
            rows[cells[0]] = Array(cells.dropFirst())
        }
        return rows
    }

    /// A table cell's number: NaN for "n/a" (with or without a footnote), bold removed.
    static func number(_ cell: String) -> Double? {
        let c = cell.replacingOccurrences(of: "**", with: "")
        if c.hasPrefix("n/a") { return .nan }
        return Double(c)
    }
}

/// Collects the elements of an XML document, failing on any parse error.
final class XMLCollector: NSObject, XMLParserDelegate {
    var elements: [(name: String, attributes: [String: String])] = []
    var text = ""

    static func parse(_ url: URL) throws -> XMLCollector {
        let c = XMLCollector()
        let parser = try XCTUnwrap(XMLParser(contentsOf: url))
        parser.delegate = c
        guard parser.parse() else {
            throw NSError(domain: "XML", code: 1, userInfo: [NSLocalizedDescriptionKey: "\(url.path): \(String(describing: parser.parserError))"])
        }
        return c
    }

    func parser(_ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
                qualifiedName qName: String?, attributes attributeDict: [String: String] = [:]) {
        elements.append((elementName, attributeDict))
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }
}
