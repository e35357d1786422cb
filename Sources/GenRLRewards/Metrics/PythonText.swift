// The reference metrics (sacreBLEU, rouge-score) are Python programs, and their numbers
// depend on how CPython's `str` works: a string is a sequence of Unicode code points
// (not grapheme clusters), two strings are equal when their code points are equal (no
// canonical equivalence), `split()` and `rstrip()` use CPython's own whitespace set, and
// `lower()` applies full Unicode lowercase mappings with the Final_Sigma rule.
//
// Swift's `String` compares by canonical equivalence and iterates by grapheme cluster,
// so the metrics work on arrays of `Unicode.Scalar` and use the helpers below.
//
// Unicode versions differ: CPython 3.11's `lower()` follows Unicode 14, the `regex`
// module behind sacreBLEU's `intl` tokenizer Unicode 17, Swift's standard library
// Unicode 16. Checked over all 1 114 112 code points, lowercase mappings and the
// number/punctuation/symbol categories agree for every code point assigned in
// Unicode 14; only characters added later can be treated differently.

/// A text as CPython sees it: its code points.
typealias CodePoints = [Unicode.Scalar]

/// CPython `str` operations that the metrics need, on code-point arrays.
enum PythonText {
    /// The code points of `text`.
    static func codePoints(_ text: String) -> CodePoints {
        Array(text.unicodeScalars)
    }

    /// A `String` made of exactly these code points.
    static func string(_ codePoints: some Sequence<Unicode.Scalar>) -> String {
        var view = String.UnicodeScalarView()
        view.append(contentsOf: codePoints)
        return String(view)
    }

    /// `str.isspace()` for one code point: the 29 code points CPython 3.11 treats as
    /// whitespace (bidirectional class WS, B or S, or general category Zs). U+200B ZERO
    /// WIDTH SPACE is not among them.
    static func isWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x09...0x0D, 0x1C...0x20, 0x85, 0xA0, 0x1680, 0x2000...0x200A,
             0x2028, 0x2029, 0x202F, 0x205F, 0x3000:
            return true
        default:
            return false
        }
    }

    /// `str.split()` without arguments: the maximal runs of non-whitespace code points.
    static func split(_ text: some Collection<Unicode.Scalar>) -> [CodePoints] {
        var pieces: [CodePoints] = []
        var current: CodePoints = []
        for scalar in text {
            if isWhitespace(scalar) {
                if !current.isEmpty {
                    pieces.append(current)
                    current.removeAll(keepingCapacity: true)
                }
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { pieces.append(current) }
        return pieces
    }

    /// `' '.join(text.split())`: whitespace runs collapsed to one space, none at the ends.
    static func normalizeSpaces(_ text: CodePoints) -> CodePoints {
        var output: CodePoints = []
        output.reserveCapacity(text.count)
        var pendingSpace = false
        for scalar in text {
            if isWhitespace(scalar) {
                pendingSpace = !output.isEmpty
            } else {
                if pendingSpace { output.append(" ") }
                pendingSpace = false
                output.append(scalar)
            }
        }
        return output
    }

    /// `str.rstrip()`: trailing whitespace removed.
    static func rstrip(_ text: CodePoints) -> CodePoints {
        var end = text.count
        while end > 0, isWhitespace(text[end - 1]) { end -= 1 }
        return Array(text[..<end])
    }

    /// `str.replace(old, new)`: every non-overlapping occurrence, scanned left to right.
    static func replacing(_ target: CodePoints, with replacement: CodePoints,
                          in text: CodePoints) -> CodePoints {
        guard !target.isEmpty, text.count >= target.count else { return text }
        var output: CodePoints = []
        output.reserveCapacity(text.count)
        var index = 0
        while index < text.count {
            if index + target.count <= text.count,
               text[index] == target[0],
               text[index..<(index + target.count)].elementsEqual(target) {
                output.append(contentsOf: replacement)
                index += target.count
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }

    /// `str.lower()`: each code point's full lowercase mapping (so U+0130 becomes
    /// "i\u{307}"), and U+03A3 GREEK CAPITAL SIGMA becomes final sigma U+03C2 when a
    /// cased letter precedes it and none follows it (case-ignorable code points skipped
    /// on both sides), otherwise U+03C3, as CPython's `handle_capital_sigma` does.
    static func lowercased(_ text: CodePoints) -> CodePoints {
        var output: CodePoints = []
        output.reserveCapacity(text.count)
        for (index, scalar) in text.enumerated() {
            if scalar.isASCII {
                let value = scalar.value
                output.append((0x41...0x5A).contains(value) ? Unicode.Scalar(value + 0x20)! : scalar)
            } else if scalar.value == 0x03A3 {
                output.append(isFinalSigma(at: index, in: text) ? "\u{03C2}" : "\u{03C3}")
            } else {
                output.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return output
    }

    /// Whether the capital sigma at `index` stands in the Final_Sigma context.
    private static func isFinalSigma(at index: Int, in text: CodePoints) -> Bool {
        var before = index - 1
        while before >= 0, text[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, text[before].properties.isCased else { return false }
        var after = index + 1
        while after < text.count, text[after].properties.isCaseIgnorable { after += 1 }
        return after == text.count || !text[after].properties.isCased
    }
}
