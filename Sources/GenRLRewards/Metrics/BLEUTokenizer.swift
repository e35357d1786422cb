/// The tokenizers of sacreBLEU (Post, 2018) that need no external model, reproduced code
/// point for code point.
///
/// A tokenizer turns a line into a string of space-separated tokens; BLEU then splits
/// that string at whitespace (CPython's whitespace set) to count n-grams. All rules work
/// on Unicode code points, as Python's `str` does, never on grapheme clusters.
///
/// The raw value is sacreBLEU's name for the tokenizer (`--tokenize 13a`).
public enum BLEUTokenizer: String, Sendable, CaseIterable, Codable {
    /// `13a`, sacreBLEU's default: the tokenizer of WMT's `mteval-v13a.pl`.
    ///
    /// Removes `<skipped>`, joins `-\n` line breaks, turns other newlines into spaces,
    /// unescapes `&quot;`, `&amp;`, `&lt;`, `&gt;` (in that order), pads the line with a
    /// space on each side, then:
    /// 1. puts spaces around each ASCII symbol in `{|}~ [\]^_` space!"#$%& ()*+ :;<=>?@ /`
    ///    (not `'`, `-`, `.`, `,`);
    /// 2. splits `.` and `,` from a preceding non-digit;
    /// 3. splits `.` and `,` from a following non-digit;
    /// 4. splits `-` from a preceding digit;
    /// and collapses whitespace. Only ASCII digits count as digits.
    case thirteenA = "13a"

    /// `intl`, the international tokenizer of `mteval-v14.pl`: splits Unicode punctuation
    /// (`\p{P}`) from a neighbour that is not a number (`\P{N}`), and puts spaces around
    /// every Unicode symbol (`\p{S}`), then collapses whitespace.
    case international = "intl"

    /// `char`: every code point becomes a token (character-level BLEU).
    case character = "char"

    /// `none`: no tokenization; the line is only split at whitespace.
    case whitespaceOnly = "none"

    /// sacreBLEU's name for this tokenizer, as written in BLEU signatures (`tok:13a`).
    public var sacreBLEUName: String { rawValue }

    /// The tokenized line: tokens separated by single spaces (for `.whitespaceOnly`, the
    /// line unchanged). sacreBLEU right-strips a line before tokenizing it; this function
    /// does not, so pass `line` as BLEU would see it.
    public func tokenize(_ line: String) -> String {
        PythonText.string(tokenize(codePoints: PythonText.codePoints(line)))
    }

    /// The tokenized line as code points.
    func tokenize(codePoints line: CodePoints) -> CodePoints {
        switch self {
        case .thirteenA: return Self.tokenizeThirteenA(line)
        case .international: return Self.tokenizeInternational(line)
        case .character: return Self.tokenizeCharacters(line)
        case .whitespaceOnly: return line
        }
    }

    // MARK: - 13a

    private static func tokenizeThirteenA(_ input: CodePoints) -> CodePoints {
        var line = PythonText.replacing(Array("<skipped>".unicodeScalars), with: [], in: input)
        line = PythonText.replacing(["-", "\n"], with: [], in: line)
        line = PythonText.replacing(["\n"], with: [" "], in: line)
        if line.contains("&") {
            for (entity, character) in [("&quot;", "\""), ("&amp;", "&"), ("&lt;", "<"), ("&gt;", ">")] {
                line = PythonText.replacing(Array(entity.unicodeScalars),
                                            with: Array(character.unicodeScalars), in: line)
            }
        }
        line = [" "] + line + [" "]

        var spaced: CodePoints = []
        spaced.reserveCapacity(line.count * 2)
        for scalar in line {
            if isThirteenASymbol(scalar) {
                spaced.append(contentsOf: [" ", scalar, " "])
            } else {
                spaced.append(scalar)
            }
        }
        // ([^0-9])([\.,]) -> "\1 \2 "
        line = substitutingPairs(in: spaced,
                                 where: { !isASCIIDigit($0) && isPeriodOrComma($1) },
                                 with: { [$0, " ", $1, " "] })
        // ([\.,])([^0-9]) -> " \1 \2"
        line = substitutingPairs(in: line,
                                 where: { isPeriodOrComma($0) && !isASCIIDigit($1) },
                                 with: { [" ", $0, " ", $1] })
        // ([0-9])(-) -> "\1 \2 "
        line = substitutingPairs(in: line,
                                 where: { isASCIIDigit($0) && $1 == "-" },
                                 with: { [$0, " ", $1, " "] })
        return PythonText.normalizeSpaces(line)
    }

    /// The class `[\{-\~\[-\` -\&\(-\+\:-\@\/]` of sacreBLEU's 13a rules.
    private static func isThirteenASymbol(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x7B...0x7E, 0x5B...0x60, 0x20...0x26, 0x28...0x2B, 0x3A...0x40, 0x2F: return true
        default: return false
        }
    }

    private static func isASCIIDigit(_ scalar: Unicode.Scalar) -> Bool {
        (0x30...0x39).contains(scalar.value)
    }

    private static func isPeriodOrComma(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "." || scalar == ","
    }

    // MARK: - intl

    private static func tokenizeInternational(_ input: CodePoints) -> CodePoints {
        // (\P{N})(\p{P}) -> "\1 \2 "
        var line = substitutingPairs(in: input,
                                     where: { !isNumber($0) && isPunctuation($1) },
                                     with: { [$0, " ", $1, " "] })
        // (\p{P})(\P{N}) -> " \1 \2"
        line = substitutingPairs(in: line,
                                 where: { isPunctuation($0) && !isNumber($1) },
                                 with: { [" ", $0, " ", $1] })
        // (\p{S}) -> " \1 "
        var spaced: CodePoints = []
        spaced.reserveCapacity(line.count * 2)
        for scalar in line {
            if isSymbol(scalar) {
                spaced.append(contentsOf: [" ", scalar, " "])
            } else {
                spaced.append(scalar)
            }
        }
        return PythonText.normalizeSpaces(spaced)
    }

    /// `\p{N}`: general category Nd, Nl or No.
    private static func isNumber(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .decimalNumber, .letterNumber, .otherNumber: return true
        default: return false
        }
    }

    /// `\p{P}`: general category Pc, Pd, Ps, Pe, Pi, Pf or Po.
    private static func isPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation:
            return true
        default:
            return false
        }
    }

    /// `\p{S}`: general category Sm, Sc, Sk or So.
    private static func isSymbol(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }

    // MARK: - char

    private static func tokenizeCharacters(_ input: CodePoints) -> CodePoints {
        var output: CodePoints = []
        output.reserveCapacity(input.count * 2)
        for (index, scalar) in input.enumerated() {
            if index > 0 { output.append(" ") }
            output.append(scalar)
        }
        return output
    }

    // MARK: - Regular-expression substitution

    /// `re.sub` of a two-code-point pattern `(A)(B)`: scanning left to right, each
    /// non-overlapping pair that matches is replaced; matching resumes after the pair.
    private static func substitutingPairs(
        in text: CodePoints,
        where matches: (Unicode.Scalar, Unicode.Scalar) -> Bool,
        with replacement: (Unicode.Scalar, Unicode.Scalar) -> CodePoints
    ) -> CodePoints {
        var output: CodePoints = []
        output.reserveCapacity(text.count + text.count / 2)
        var index = 0
        while index < text.count {
            if index + 1 < text.count, matches(text[index], text[index + 1]) {
                output.append(contentsOf: replacement(text[index], text[index + 1]))
                index += 2
            } else {
                output.append(text[index])
                index += 1
            }
        }
        return output
    }
}
