/// A fixed, ordered list of tokens: the id of a token is its position in the list.
///
/// Every vocabulary starts with the same four special tokens at fixed ids, so that a
/// batch, a model and a sampler can agree on them without reading the tokenizer:
///
/// | id | token   | meaning                                                       |
/// |----|---------|---------------------------------------------------------------|
/// | 0  | `<pad>` | right padding of a batch (its mask entry is 0)                |
/// | 1  | `<bos>` | begin of a sample, the first input of generation              |
/// | 2  | `<eos>` | end of a sample; generation stops when it is sampled          |
/// | 3  | `<unk>` | a piece of text the tokenizer has no token for                |
///
/// The tokens a tokenizer learned from a corpus follow from id 4 on.
///
/// Tokens are compared **by their exact Unicode scalars**, not by Swift's `String`
/// equality (which treats canonically equivalent strings such as "Å" U+00C5 and the
/// Ångström sign U+212B as equal): a vocabulary can hold both and keeps them apart.
///
/// Encoding never produces `<pad>`, `<bos>` or `<eos>` from text: a text that spells
/// "<eos>" is tokenized like any other text.
public struct Vocabulary: Sendable, Codable, CustomStringConvertible {
    /// The padding token, always id 0.
    public static let paddingToken = "<pad>"
    /// The begin-of-sample token, always id 1.
    public static let beginToken = "<bos>"
    /// The end-of-sample token, always id 2.
    public static let endToken = "<eos>"
    /// The unknown token, always id 3.
    public static let unknownToken = "<unk>"

    /// The id of `<pad>`: 0.
    public static let paddingID = 0
    /// The id of `<bos>`: 1.
    public static let beginID = 1
    /// The id of `<eos>`: 2.
    public static let endID = 2
    /// The id of `<unk>`: 3.
    public static let unknownID = 3

    /// The special tokens in id order: `<pad>`, `<bos>`, `<eos>`, `<unk>`.
    public static let specialTokens = [paddingToken, beginToken, endToken, unknownToken]
    /// How many special tokens open every vocabulary (4); the first learned token has this id.
    public static let specialTokenCount = specialTokens.count

    /// All tokens, indexed by id; the first four are the special tokens.
    public let tokens: [String]
    /// The inverse of `tokens`, keyed by the UTF-8 bytes of each token.
    private let idsByToken: [[UInt8]: Int]

    /// A vocabulary of the four special tokens followed by `learnedTokens` in the given
    /// order (the first learned token gets id 4).
    ///
    /// - Throws: `TokenizerError.invalidVocabulary` if a token repeats, is empty, or is
    ///   one of the special tokens.
    public init(learnedTokens: [String]) throws(TokenizerError) {
        try self.init(tokens: Vocabulary.specialTokens + learnedTokens)
    }

    /// A vocabulary from its full token list, special tokens included (as read from a file).
    ///
    /// - Throws: `TokenizerError.invalidVocabulary` if the list does not start with
    ///   `<pad>`, `<bos>`, `<eos>`, `<unk>`, or if a token repeats or is empty.
    public init(tokens: [String]) throws(TokenizerError) {
        guard tokens.count >= Vocabulary.specialTokenCount,
              zip(tokens, Vocabulary.specialTokens).allSatisfy({ $0.utf8.elementsEqual($1.utf8) })
        else {
            throw .invalidVocabulary(
                "must start with the special tokens \(Vocabulary.specialTokens), found \(Array(tokens.prefix(4)))")
        }
        var idsByToken: [[UInt8]: Int] = [:]
        idsByToken.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            guard !token.isEmpty else { throw .invalidVocabulary("token \(id) is the empty string") }
            if let earlier = idsByToken.updateValue(id, forKey: Array(token.utf8)) {
                throw .invalidVocabulary("token \(token.debugDescription) appears at ids \(earlier) and \(id)")
            }
        }
        self.tokens = tokens
        self.idsByToken = idsByToken
    }

    /// The number of tokens, special tokens included.
    public var count: Int { tokens.count }

    /// The number of learned (non-special) tokens.
    public var learnedCount: Int { tokens.count - Vocabulary.specialTokenCount }

    /// The id of `token`, or `nil` if the vocabulary does not hold it.
    public func id(of token: String) -> Int? {
        idsByToken[Array(token.utf8)]
    }

    /// The id of `token`, or `Vocabulary.unknownID` if the vocabulary does not hold it.
    public func idOrUnknown(of token: String) -> Int {
        idsByToken[Array(token.utf8)] ?? Vocabulary.unknownID
    }

    /// The token with id `id`, or `nil` if `id` is out of range.
    public func token(for id: Int) -> String? {
        tokens.indices.contains(id) ? tokens[id] : nil
    }

    /// Whether `id` is one of the four special tokens.
    public static func isSpecial(_ id: Int) -> Bool {
        (0..<specialTokenCount).contains(id)
    }

    /// Whether `id` is `<pad>`, `<bos>` or `<eos>`, the ids that `decode` leaves out.
    static func isStructural(_ id: Int) -> Bool {
        id == paddingID || id == beginID || id == endID
    }

    /// A one-line summary: the size and the first learned tokens.
    public var description: String {
        let preview = tokens.dropFirst(Vocabulary.specialTokenCount).prefix(8).map(\.debugDescription)
        return "Vocabulary(\(count) tokens: \(preview.joined(separator: ", "))\(learnedCount > 8 ? ", ..." : ""))"
    }

    // MARK: Codable: a plain JSON array of the tokens in id order.

    /// Reads the token list (special tokens included) and validates it like `init(tokens:)`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        try self.init(tokens: container.decode([String].self))
    }

    /// Writes the token list in id order.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(tokens)
    }
}

extension Vocabulary: Equatable {
    /// Two vocabularies are equal when they hold the same tokens, scalar for scalar, in
    /// the same order.
    public static func == (lhs: Vocabulary, rhs: Vocabulary) -> Bool {
        lhs.tokens.count == rhs.tokens.count
            && zip(lhs.tokens, rhs.tokens).allSatisfy { $0.utf8.elementsEqual($1.utf8) }
    }
}

/// Orders strings by their UTF-8 bytes: a total order that is the same on every
/// platform and every Unicode version (unlike `String.<`, which normalizes).
func utf8Precedes(_ lhs: String, _ rhs: String) -> Bool {
    lhs.utf8.lexicographicallyPrecedes(rhs.utf8)
}
