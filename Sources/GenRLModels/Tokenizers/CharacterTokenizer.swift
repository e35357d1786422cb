/// One token per **Unicode scalar** (code point), as char-rnn and nanoGPT's character
/// models do with Python strings.
///
/// Why scalars and not Swift `Character`s (grapheme clusters): the scalar alphabet of a
/// corpus is small and fixed, every string is a sequence of scalars, and splitting a
/// string into scalars does not depend on the Unicode version of the platform, so a
/// vocabulary learned on one machine encodes the same on another. An emoji made of
/// several scalars ("👍🏽" = U+1F44D U+1F3FD) is therefore several tokens.
///
/// The vocabulary holds the special tokens, then every scalar seen in the corpus at
/// least `minimumCount` times, ordered by scalar value.
///
/// Round trip: `decode(encode(text)) == text` (scalar for scalar) for every text whose
/// scalars are all in the vocabulary. Other scalars encode to `<unk>`, which decodes to
/// the text "<unk>".
public struct CharacterTokenizer: Tokenizer {
    /// `.character`.
    public var kind: TokenizerKind { .character }
    /// The special tokens followed by one single-scalar token per known scalar.
    public let vocabulary: Vocabulary
    /// The id of each known scalar.
    private let idsByScalar: [Unicode.Scalar: Int]

    /// Learns the scalar alphabet of `corpus`.
    ///
    /// - Parameters:
    ///   - corpus: the training samples.
    ///   - minimumCount: a scalar must occur at least this often (over the whole corpus)
    ///     to get a token; rarer scalars become `<unk>`. Default 1: every seen scalar.
    /// - Throws: `.invalidConfiguration` if `minimumCount < 1`; `.emptyCorpus` if no
    ///   scalar reaches `minimumCount`.
    public init(corpus: some Sequence<String>, minimumCount: Int = 1) throws(TokenizerError) {
        guard minimumCount >= 1 else {
            throw .invalidConfiguration("minimumCount must be at least 1, got \(minimumCount)")
        }
        var counts: [Unicode.Scalar: Int] = [:]
        for sample in corpus {
            for scalar in sample.unicodeScalars { counts[scalar, default: 0] += 1 }
        }
        let kept = counts.filter { $0.value >= minimumCount }.keys.sorted { $0.value < $1.value }
        guard !kept.isEmpty else {
            throw .emptyCorpus(
                "no character occurs at least \(minimumCount) times in the corpus (\(counts.count) distinct seen)")
        }
        try self.init(scalars: kept)
    }

    /// A tokenizer over exactly these scalars, in this order (ids 4, 5, ...).
    ///
    /// - Throws: `.invalidVocabulary` if a scalar repeats.
    public init(scalars: [Unicode.Scalar]) throws(TokenizerError) {
        let vocabulary = try Vocabulary(learnedTokens: scalars.map { String($0) })
        self.init(checkedVocabulary: vocabulary)
    }

    /// Rebuilds the tokenizer from `tokenizer.json`.
    ///
    /// - Throws: `.kindMismatch` for another kind; `.invalidVocabulary` if a learned
    ///   token is not exactly one Unicode scalar.
    public init(file: TokenizerFile) throws(TokenizerError) {
        try Self.requireKind(.character, in: file)
        for (id, token) in file.vocabulary.tokens.enumerated().dropFirst(Vocabulary.specialTokenCount)
        where token.unicodeScalars.count != 1 {
            throw .invalidVocabulary(
                "character token \(id) \(token.debugDescription) is not exactly one Unicode scalar")
        }
        self.init(checkedVocabulary: file.vocabulary)
    }

    private init(checkedVocabulary vocabulary: Vocabulary) {
        self.vocabulary = vocabulary
        var idsByScalar: [Unicode.Scalar: Int] = [:]
        for (id, token) in vocabulary.tokens.enumerated().dropFirst(Vocabulary.specialTokenCount) {
            idsByScalar[token.unicodeScalars.first!] = id
        }
        self.idsByScalar = idsByScalar
    }

    /// One id per Unicode scalar of `text`; unknown scalars give `<unk>` (3).
    public func encode(_ text: String) -> [Int] {
        text.unicodeScalars.map { idsByScalar[$0] ?? Vocabulary.unknownID }
    }

    /// The scalars of `ids` in order; `<pad>`, `<bos>`, `<eos>` are left out, unknown
    /// ids written as "<unk>".
    public func decode(_ ids: [Int]) -> String {
        var scalars = String.UnicodeScalarView()
        for id in ids where !Vocabulary.isStructural(id) {
            if id >= Vocabulary.specialTokenCount, let token = vocabulary.token(for: id) {
                scalars.append(contentsOf: token.unicodeScalars)
            } else {
                scalars.append(contentsOf: Vocabulary.unknownToken.unicodeScalars)
            }
        }
        return String(scalars)
    }

    /// The vocabulary, kind `character`.
    public var file: TokenizerFile {
        TokenizerFile(kind: .character, vocabulary: vocabulary)
    }
}
