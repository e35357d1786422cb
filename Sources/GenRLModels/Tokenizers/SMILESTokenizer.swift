/// SMILES split into atoms, bonds, branches and ring closures, as the molecular
/// transformer of Schwaller et al. (2019, "Molecular Transformer", ACS Cent. Sci.) and
/// REINVENT (Olivecrona et al. 2017; Blaschke et al. 2020) tokenize.
///
/// Their regular expression is
/// `(\[[^\]]+]|Br?|Cl?|N|O|S|P|F|I|b|c|n|o|s|p|\(|\)|\.|=|#|-|\+|\\|\/|:|~|@|\?|>|\*|\$|\%[0-9]{2}|[0-9])`;
/// this type implements it as a scanner (`tokens(in:)`), left to right:
/// - a bracket atom, `[` up to the next `]` with at least one scalar between, is one
///   token: `[nH]`, `[C@@H]`, `[N+]`, `[O-]`, `[13CH3]`, `[Cu]`;
/// - `Cl` and `Br` are one token each (outside brackets a `C` followed by `l` is always
///   chlorine, a `B` followed by `r` always bromine);
/// - `%` followed by two digits is one ring-closure token: `%10`;
/// - every other scalar is a token of its own: atoms of the organic subset (`C`, `c`,
///   `N`, `n`, `O`, ...), single-digit ring closures, bonds `- = # $ : / \`, branches
///   `( )`, the dot `.`, `*`.
///
/// Unlike the regular expression, which skips what it does not match, the scanner
/// keeps every scalar, so `decode(encode(smiles)) == smiles` for every string whose
/// tokens are all in the vocabulary (in particular every valid SMILES written with the
/// corpus's tokens). Unknown tokens encode to `<unk>`.
public struct SMILESTokenizer: Tokenizer {
    /// `.smiles`.
    public var kind: TokenizerKind { .smiles }
    /// The special tokens followed by the kept SMILES tokens, most frequent first.
    public let vocabulary: Vocabulary

    /// Learns the SMILES tokens of `corpus`.
    ///
    /// - Parameters:
    ///   - corpus: the training molecules, one SMILES each.
    ///   - minimumCount: a token must occur at least this often to be kept (default 1).
    ///     Tokens are ordered by count, ties broken by UTF-8 byte order.
    /// - Throws: `.invalidConfiguration` if `minimumCount < 1`; `.emptyCorpus` if no
    ///   token is kept.
    public init(corpus: some Sequence<String>, minimumCount: Int = 1) throws(TokenizerError) {
        guard minimumCount >= 1 else {
            throw .invalidConfiguration("minimumCount must be at least 1, got \(minimumCount)")
        }
        var counts: [String: Int] = [:]
        for smiles in corpus {
            for token in Self.tokens(in: smiles) { counts[token, default: 0] += 1 }
        }
        let ranked = counts.filter { $0.value >= minimumCount }.sorted {
            $0.value != $1.value ? $0.value > $1.value : utf8Precedes($0.key, $1.key)
        }.map(\.key)
        guard !ranked.isEmpty else {
            throw .emptyCorpus("no SMILES token occurs at least \(minimumCount) times in the corpus")
        }
        self.vocabulary = try Vocabulary(learnedTokens: ranked)
    }

    /// A tokenizer over exactly these tokens, in this order (ids 4, 5, ...).
    public init(tokens: [String]) throws(TokenizerError) {
        self.vocabulary = try Vocabulary(learnedTokens: tokens)
    }

    /// Rebuilds the tokenizer from `tokenizer.json`.
    public init(file: TokenizerFile) throws(TokenizerError) {
        try Self.requireKind(.smiles, in: file)
        self.vocabulary = file.vocabulary
    }

    /// The SMILES tokens of `smiles`, by the rules on the type. Concatenated, they give
    /// `smiles` back.
    public static func tokens(in smiles: String) -> [String] {
        let scalars = Array(smiles.unicodeScalars)
        var tokens: [String] = []
        var index = 0
        func take(_ length: Int) {
            tokens.append(String(String.UnicodeScalarView(scalars[index..<(index + length)])))
            index += length
        }
        while index < scalars.count {
            let scalar = scalars[index]
            let next = index + 1 < scalars.count ? scalars[index + 1] : nil
            switch scalar {
            case "[":
                // A bracket atom needs at least one scalar before the closing bracket.
                if let close = scalars[(index + 1)...].firstIndex(of: "]"), close > index + 1 {
                    take(close - index + 1)
                } else {
                    take(1)
                }
            case "C" where next == "l", "B" where next == "r":
                take(2)
            case "%" where index + 2 < scalars.count && isDigit(scalars[index + 1]) && isDigit(scalars[index + 2]):
                take(3)
            default:
                take(1)
            }
        }
        return tokens
    }

    /// One id per SMILES token; unknown tokens give `<unk>` (3).
    public func encode(_ text: String) -> [Int] {
        Self.tokens(in: text).map { vocabulary.idOrUnknown(of: $0) }
    }

    /// The tokens of `ids` concatenated; `<pad>`, `<bos>`, `<eos>` left out, unknown
    /// ids written as "<unk>".
    public func decode(_ ids: [Int]) -> String {
        joinTokens(ids, of: vocabulary)
    }

    /// The vocabulary, kind `smiles`.
    public var file: TokenizerFile {
        TokenizerFile(kind: .smiles, vocabulary: vocabulary)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool {
        ("0"..."9").contains(scalar)
    }
}
