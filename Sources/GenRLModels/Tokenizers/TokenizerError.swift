/// What can go wrong when building, saving or loading a tokenizer.
public enum TokenizerError: Error, CustomStringConvertible, Equatable {
    /// A token list that is not a valid vocabulary (no special tokens first, a repeated
    /// or empty token); the text says which token.
    case invalidVocabulary(String)
    /// A tokenizer option out of range (a vocabulary size below the minimum, a minimum
    /// count below 1, a merge that names tokens the vocabulary lacks).
    case invalidConfiguration(String)
    /// A corpus with nothing to learn from.
    case emptyCorpus(String)
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// The file could not be written.
    case unwritableFile(path: String, reason: String)
    /// The file was read but is not a valid tokenizer description.
    case malformedFile(path: String, reason: String)
    /// The file describes another kind of tokenizer than the one asked for.
    case kindMismatch(path: String, expected: TokenizerKind, found: TokenizerKind)

    /// A sentence naming the file or token at fault.
    public var description: String {
        switch self {
        case .invalidVocabulary(let reason):
            return "invalid vocabulary: \(reason)"
        case .invalidConfiguration(let reason):
            return "invalid tokenizer configuration: \(reason)"
        case .emptyCorpus(let reason):
            return "cannot build a tokenizer: \(reason)"
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read tokenizer file: \(reason)"
        case .unwritableFile(let path, let reason):
            return "\(path): cannot write tokenizer file: \(reason)"
        case .malformedFile(let path, let reason):
            return "\(path): not a valid tokenizer file: \(reason)"
        case .kindMismatch(let path, let expected, let found):
            return "\(path): describes a '\(found.rawValue)' tokenizer, expected '\(expected.rawValue)'"
        }
    }
}
