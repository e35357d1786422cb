/// The two fixed steps of GPT-2's byte-level BPE that come before any merge: splitting
/// text into pre-tokens, and spelling bytes as printable symbols.
///
/// Reference: Radford et al. 2019, "Language Models are Unsupervised Multitask
/// Learners", and the `encoder.py` of openai/gpt-2.
public enum ByteLevelPreTokenizer {
    /// GPT-2's pre-tokenization pattern, for reference; `split(_:)` implements it
    /// without a regular-expression engine:
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`
    public static let pattern = #"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+"#

    /// `text` cut into GPT-2 pre-tokens; concatenated, they give `text` back.
    ///
    /// At each position the first alternative of `pattern` that matches wins:
    /// 1. an English contraction suffix `'s 't 're 've 'm 'll 'd` (lowercase only);
    /// 2. an optional space then a run of letters (general category L);
    /// 3. an optional space then a run of numbers (general category N);
    /// 4. an optional space then a run of anything that is neither whitespace, letter
    ///    nor number;
    /// 5. a run of whitespace (Unicode `White_Space`) that stops before the last
    ///    whitespace in front of a non-whitespace scalar, so that this space can open
    ///    the next word (" hello" stays one pre-token after two spaces);
    /// 6. otherwise a run of whitespace (a single newline before a word, say).
    public static func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return splitRanges(scalars).map { String(String.UnicodeScalarView(scalars[$0])) }
    }

    /// The scalar ranges of the pre-tokens of `scalars` (see `split(_:)`).
    static func splitRanges(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        let count = scalars.count
        func runEnd(from index: Int, while belongs: (ScalarClass) -> Bool) -> Int {
            var end = index
            while end < count, belongs(ScalarClass(scalars[end])) { end += 1 }
            return end
        }
        while start < count {
            let end: Int
            if let length = contractionLength(scalars, at: start) {
                end = start + length
            } else {
                // Alternatives 2-4 may open with one plain space (U+0020).
                let body = scalars[start] == " " && start + 1 < count ? start + 1 : start
                let bodyClass = ScalarClass(scalars[body])
                if bodyClass != .whitespace {
                    end = runEnd(from: body) { $0 == bodyClass }
                } else {
                    // Alternatives 5 and 6: `start` itself is whitespace here.
                    let whitespaceEnd = runEnd(from: start) { $0 == .whitespace }
                    if whitespaceEnd == count || whitespaceEnd - start == 1 {
                        end = whitespaceEnd
                    } else {
                        end = whitespaceEnd - 1
                    }
                }
            }
            ranges.append(start..<end)
            start = end
        }
        return ranges
    }

    /// The length of the contraction suffix at `index`, if one starts there.
    private static func contractionLength(_ scalars: [Unicode.Scalar], at index: Int) -> Int? {
        guard scalars[index] == "'", index + 1 < scalars.count else { return nil }
        switch scalars[index + 1] {
        case "s", "t", "m", "d":
            return 2
        case "r", "v", "l":
            let expected: Unicode.Scalar = scalars[index + 1] == "l" ? "l" : "e"
            return index + 2 < scalars.count && scalars[index + 2] == expected ? 3 : nil
        default:
            return nil
        }
    }

    /// The classes the pattern distinguishes.
    enum ScalarClass: Equatable {
        case letter, number, whitespace, other

        init(_ scalar: Unicode.Scalar) {
            if scalar.properties.isWhitespace {
                self = .whitespace
                return
            }
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                self = .letter
            case .decimalNumber, .letterNumber, .otherNumber:
                self = .number
            default:
                self = .other
            }
        }
    }

    // MARK: Bytes as printable symbols

    /// The symbol that stands for each byte (GPT-2's `bytes_to_unicode`): the printable
    /// bytes `!`...`~`, `¡`...`¬`, `®`...`ÿ` stand for themselves; the other 68 bytes
    /// (controls, space, DEL, no-break space, soft hyphen) are given the scalars
    /// U+0100, U+0101, ... in byte order, so the space 0x20 becomes `Ġ` (U+0120) and the
    /// newline 0x0A becomes `Ċ` (U+010A).
    public static let symbolForByte: [Unicode.Scalar] = {
        var symbols: [Unicode.Scalar] = []
        var nextShifted: UInt32 = 256
        for byte in UInt32(0)...255 {
            let printable = (33...126).contains(byte) || (161...172).contains(byte) || (174...255).contains(byte)
            if printable {
                symbols.append(Unicode.Scalar(byte)!)
            } else {
                symbols.append(Unicode.Scalar(nextShifted)!)
                nextShifted += 1
            }
        }
        return symbols
    }()

    /// The inverse of `symbolForByte`.
    public static let byteForSymbol: [Unicode.Scalar: UInt8] = {
        var bytes: [Unicode.Scalar: UInt8] = [:]
        for (byte, symbol) in symbolForByte.enumerated() { bytes[symbol] = UInt8(byte) }
        return bytes
    }()

    /// `bytes` spelled with `symbolForByte`.
    public static func symbols(for bytes: some Sequence<UInt8>) -> String {
        var view = String.UnicodeScalarView()
        for byte in bytes { view.append(symbolForByte[Int(byte)]) }
        return String(view)
    }
}
