/// One token per word or punctuation mark, with a vocabulary of the most frequent ones.
///
/// Splitting (`pieces(of:lowercase:)`), by Unicode scalar:
/// - whitespace (Unicode `White_Space`) separates pieces and is dropped;
/// - a **word** is a maximal run of letters, combining marks and digits (general
///   categories L, M, N), where an apostrophe (`'`, `’`) or hyphen (`-`) between two
///   such scalars stays inside the word: "don't", "o'er", "well-known" are one word;
/// - every other scalar (punctuation, symbols, emoji) is a piece of its own.
/// With `lowercase`, the text is lowercased first.
///
/// Decoding joins the pieces with one space, except that no space goes before
/// `. , ; : ! ? ) ] }` and none after `( [ {`.
///
/// Normalization and round trip: `normalize(text)` is the text split into pieces and
/// joined back that way, so "Hello ,world!" normalizes to "Hello, world!".
/// `decode(encode(text)) == normalize(text)` whenever every piece of `text` is in the
/// vocabulary; pieces that are not encode to `<unk>`, which decodes to "<unk>".
public struct WordTokenizer: Tokenizer {
    /// `.word`.
    public var kind: TokenizerKind { .word }
    /// The special tokens followed by the kept words and marks, most frequent first.
    public let vocabulary: Vocabulary
    /// Whether text is lowercased before it is split.
    public let lowercase: Bool

    /// Pieces that attach to the piece before them, without a space.
    static let attachesToPrevious: Set<String> = [".", ",", ";", ":", "!", "?", ")", "]", "}"]
    /// Pieces that attach to the piece after them, without a space.
    static let attachesToNext: Set<String> = ["(", "[", "{"]

    /// Learns the most frequent pieces of `corpus`.
    ///
    /// - Parameters:
    ///   - corpus: the training samples.
    ///   - maximumVocabularySize: the largest vocabulary, **special tokens included**
    ///     (so at most `maximumVocabularySize - 4` pieces are kept); `nil` keeps all.
    ///     Pieces are ranked by count, ties broken by UTF-8 byte order.
    ///   - minimumCount: a piece must occur at least this often to be kept (default 1).
    ///   - lowercase: lowercase text before splitting (default `false`).
    /// - Throws: `.invalidConfiguration` for `maximumVocabularySize < 5` or
    ///   `minimumCount < 1`; `.emptyCorpus` if no piece is kept.
    public init(
        corpus: some Sequence<String>, maximumVocabularySize: Int? = nil, minimumCount: Int = 1,
        lowercase: Bool = false
    ) throws(TokenizerError) {
        if let maximumVocabularySize, maximumVocabularySize <= Vocabulary.specialTokenCount {
            throw .invalidConfiguration(
                "maximumVocabularySize must exceed the \(Vocabulary.specialTokenCount) special tokens, "
                    + "got \(maximumVocabularySize)")
        }
        guard minimumCount >= 1 else {
            throw .invalidConfiguration("minimumCount must be at least 1, got \(minimumCount)")
        }
        // Keyed by UTF-8 bytes so that canonically equivalent spellings stay apart, as in
        // the vocabulary.
        var counts: [[UInt8]: Int] = [:]
        for sample in corpus {
            for piece in Self.pieces(of: sample, lowercase: lowercase) { counts[Array(piece.utf8), default: 0] += 1 }
        }
        var ranked = counts.filter { $0.value >= minimumCount }.sorted {
            $0.value != $1.value ? $0.value > $1.value : $0.key.lexicographicallyPrecedes($1.key)
        }.map { String(decoding: $0.key, as: UTF8.self) }
        if let maximumVocabularySize {
            ranked = Array(ranked.prefix(maximumVocabularySize - Vocabulary.specialTokenCount))
        }
        guard !ranked.isEmpty else {
            throw .emptyCorpus("no word occurs at least \(minimumCount) times in the corpus")
        }
        self.vocabulary = try Vocabulary(learnedTokens: ranked)
        self.lowercase = lowercase
    }

    /// Rebuilds the tokenizer from `tokenizer.json` (`lowercase` defaults to `false`).
    public init(file: TokenizerFile) throws(TokenizerError) {
        try Self.requireKind(.word, in: file)
        self.vocabulary = file.vocabulary
        self.lowercase = file.lowercase ?? false
    }

    /// The words and punctuation marks of `text`, as described on the type.
    public static func pieces(of text: String, lowercase: Bool = false) -> [String] {
        let scalars = Array((lowercase ? text.lowercased() : text).unicodeScalars)
        var pieces: [String] = []
        var index = 0
        while index < scalars.count {
            let scalar = scalars[index]
            if scalar.properties.isWhitespace {
                index += 1
            } else if isWordScalar(scalar) {
                var end = index + 1
                while end < scalars.count {
                    if isWordScalar(scalars[end]) {
                        end += 1
                    } else if isConnector(scalars[end]), end + 1 < scalars.count, isWordScalar(scalars[end + 1]) {
                        end += 2
                    } else {
                        break
                    }
                }
                pieces.append(String(String.UnicodeScalarView(scalars[index..<end])))
                index = end
            } else {
                pieces.append(String(scalar))
                index += 1
            }
        }
        return pieces
    }

    /// `text` split into pieces and joined back by the decoding rule: what
    /// `decode(encode(text))` returns when every piece is known.
    public func normalize(_ text: String) -> String {
        Self.join(Self.pieces(of: text, lowercase: lowercase))
    }

    /// One id per piece of `text`; unknown pieces give `<unk>` (3).
    public func encode(_ text: String) -> [Int] {
        Self.pieces(of: text, lowercase: lowercase).map { vocabulary.idOrUnknown(of: $0) }
    }

    /// The pieces of `ids` joined by the spacing rule; `<pad>`, `<bos>`, `<eos>` left
    /// out, unknown ids written as "<unk>".
    public func decode(_ ids: [Int]) -> String {
        Self.join(ids.filter { !Vocabulary.isStructural($0) }.map {
            vocabulary.token(for: $0) ?? Vocabulary.unknownToken
        })
    }

    /// The vocabulary and the `lowercase` flag, kind `word`.
    public var file: TokenizerFile {
        TokenizerFile(kind: .word, vocabulary: vocabulary, lowercase: lowercase)
    }

    /// Joins pieces with single spaces, except around attaching punctuation.
    static func join(_ pieces: [String]) -> String {
        var text = ""
        var previous: String?
        for piece in pieces {
            if let previous, !attachesToPrevious.contains(piece), !attachesToNext.contains(previous) {
                text += " "
            }
            text += piece
            previous = piece
        }
        return text
    }

    /// Letters, combining marks and digits (general categories L, M, N).
    private static func isWordScalar(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
             .nonspacingMark, .spacingMark, .enclosingMark,
             .decimalNumber, .letterNumber, .otherNumber:
            return true
        default:
            return false
        }
    }

    /// Apostrophes and the hyphen, which stay inside a word between word scalars.
    private static func isConnector(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "'" || scalar == "\u{2019}" || scalar == "-"
    }
}
