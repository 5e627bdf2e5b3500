/// The text of a string item (`<si>` in the shared strings, `<is>` in a cell): its `<t>`
/// elements concatenated, whether directly inside or in rich-text runs (`<r><t>`). Phonetic
/// guides (`<rPh>`, the reading of Japanese text) are not part of the text. Text is kept as
/// written: Excel marks leading and trailing spaces `xml:space="preserve"`, and the parser
/// hands over every character either way.
struct StringItem {
    private(set) var text = ""
    private var inText = false
    private var phoneticDepth = 0

    mutating func start(_ name: String) {
        if name == "rPh" { phoneticDepth += 1 } else if name == "t" { inText = true }
    }

    mutating func end(_ name: String) {
        if name == "rPh" { phoneticDepth -= 1 } else if name == "t" { inText = false }
    }

    mutating func add(_ piece: String) {
        if inText && phoneticDepth == 0 { text += piece }
    }
}
