import Foundation

/// The kinds of tokenizer GenRL ships; the `kind` field of `tokenizer.json`.
public enum TokenizerKind: String, Sendable, Codable, CaseIterable {
    /// One token per Unicode scalar (`CharacterTokenizer`).
    case character
    /// One token per word or punctuation mark (`WordTokenizer`).
    case word
    /// One token per SMILES atom, bond, branch or ring closure (`SMILESTokenizer`).
    case smiles
    /// Byte-level byte-pair encoding as in GPT-2 (`BPETokenizer`).
    case bytePairEncoding = "bpe"
}

/// Turns text into token ids and back.
///
/// Every tokenizer's vocabulary opens with `<pad>` = 0, `<bos>` = 1, `<eos>` = 2,
/// `<unk>` = 3 (see `Vocabulary`). `encode` never adds `<bos>`/`<eos>`: batching does
/// (`TokenBatches`). `decode` leaves `<pad>`, `<bos>` and `<eos>` out and writes
/// `<unk>` (and any id outside the vocabulary) as the text "<unk>".
///
/// A tokenizer is saved as one JSON file, by convention `tokenizer.json` beside the
/// model (`TokenizerFile`), and any saved tokenizer is loaded back with
/// `TokenizerFile.loadTokenizer(from:)` without knowing its kind in advance.
public protocol Tokenizer: Sendable {
    /// Which kind of tokenizer this is.
    var kind: TokenizerKind { get }
    /// The tokens this tokenizer can produce, special tokens first.
    var vocabulary: Vocabulary { get }
    /// The token ids of `text`, without `<bos>`/`<eos>`.
    func encode(_ text: String) -> [Int]
    /// The text of `ids`; the inverse of `encode` wherever the tokenizer can represent
    /// the text (each tokenizer documents where that is).
    func decode(_ ids: [Int]) -> String
    /// Everything needed to rebuild this tokenizer, as written to `tokenizer.json`.
    var file: TokenizerFile { get }
    /// Rebuilds a tokenizer from its file description.
    ///
    /// - Throws: `TokenizerError.kindMismatch` if `file` describes another kind;
    ///   `.invalidConfiguration`/`.invalidVocabulary` if it is inconsistent.
    init(file: TokenizerFile) throws(TokenizerError)
}

extension Tokenizer {
    /// The number of tokens, special tokens included: the size of a model's embedding
    /// and output layers.
    public var vocabularySize: Int { vocabulary.count }

    /// The token strings of `text`, one per id of `encode(text)` (useful for inspection).
    public func tokenStrings(_ text: String) -> [String] {
        encode(text).map { vocabulary.token(for: $0) ?? Vocabulary.unknownToken }
    }

    /// Writes `tokenizer.json` to `url`. If `url` is an existing directory, writes
    /// `url/tokenizer.json`.
    public func save(to url: URL) throws(TokenizerError) {
        try file.write(to: url)
    }

    /// Loads a tokenizer of this type from `url` (a file, or a directory holding
    /// `tokenizer.json`).
    ///
    /// - Throws: `TokenizerError.kindMismatch` if the file describes another kind.
    public static func load(from url: URL) throws(TokenizerError) -> Self {
        let file = try TokenizerFile.read(from: url)
        do {
            return try Self(file: file)
        } catch {
            throw TokenizerFile.attachingPath(file.resolvedPath(of: url), to: error)
        }
    }

    /// Checks that `file` is of this tokenizer's `kind` (for `init(file:)`).
    static func requireKind(_ expected: TokenizerKind, in file: TokenizerFile) throws(TokenizerError) {
        guard file.kind == expected else {
            throw .kindMismatch(path: "(in memory)", expected: expected, found: file.kind)
        }
    }
}

/// Decodes ids by concatenating their token strings with `separator`, leaving out
/// `<pad>`, `<bos>`, `<eos>` and writing unknown or out-of-range ids as "<unk>".
func joinTokens(_ ids: [Int], of vocabulary: Vocabulary, separator: String = "") -> String {
    var pieces: [String] = []
    pieces.reserveCapacity(ids.count)
    for id in ids where !Vocabulary.isStructural(id) {
        pieces.append(vocabulary.token(for: id) ?? Vocabulary.unknownToken)
    }
    return pieces.joined(separator: separator)
}
