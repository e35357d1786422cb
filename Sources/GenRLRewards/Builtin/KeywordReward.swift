/// A reward for mentioning keywords: `terminal = (keywords present) / (number of keywords)`.
///
/// A keyword is present when it occurs in the completion as a whole word: the character
/// before the occurrence and the one after it (if any) are neither letters, digits nor
/// `_`. Keywords may contain spaces or punctuation (`"New York"`, `"C++"`). With
/// `wholeWord: false` any occurrence counts (`"cat"` in `"concatenate"`). Case is ignored
/// unless `caseSensitive` (both sides are lowercased with Swift's Unicode lowercasing).
/// Characters are compared as extended grapheme clusters.
public final class KeywordReward: RewardFunction {
    /// The name (default `keywords`).
    public let name: String
    /// The keywords, as given.
    public let keywords: [String]
    /// Whether case matters (default false).
    public let caseSensitive: Bool
    /// Whether only whole-word occurrences count (default true).
    public let wholeWord: Bool

    private let searchedKeywords: [String]

    /// A keyword reward.
    ///
    /// - Throws: `RewardError.invalidConfiguration` when there is no keyword or one is
    ///   empty.
    public init(keywords: [String], caseSensitive: Bool = false, wholeWord: Bool = true, name: String = "keywords") throws(RewardError) {
        guard !keywords.isEmpty else { throw .invalidConfiguration(reward: name, reason: "needs at least one keyword") }
        if let position = keywords.firstIndex(where: \.isEmpty) {
            throw .invalidConfiguration(reward: name, reason: "keyword \(position) is empty")
        }
        self.name = name
        self.keywords = keywords
        self.caseSensitive = caseSensitive
        self.wholeWord = wholeWord
        self.searchedKeywords = caseSensitive ? keywords : keywords.map { $0.lowercased() }
    }

    /// The share of the keywords present in each completion, in [0, 1].
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { sample in
            let text = caseSensitive ? sample.completion : sample.completion.lowercased()
            let present = searchedKeywords.filter { contains(text, $0) }.count
            return Double(present) / Double(searchedKeywords.count)
        })
    }

    /// Whether `keyword` occurs in `text` (as a whole word when `wholeWord`). Every
    /// occurrence is tried, overlapping ones included, since the first may fail the word
    /// boundary where a later one passes.
    private func contains(_ text: String, _ keyword: String) -> Bool {
        var searchStart = text.startIndex
        while let range = text[searchStart...].firstRange(of: keyword) {
            guard wholeWord else { return true }
            let before = text[..<range.lowerBound].last
            let after = text[range.upperBound...].first
            if !Self.isWordCharacter(before), !Self.isWordCharacter(after) { return true }
            searchStart = text.index(after: range.lowerBound)
        }
        return false
    }

    private static func isWordCharacter(_ character: Character?) -> Bool {
        guard let character else { return false }
        return character.isLetter || character.isNumber || character == "_"
    }
}
