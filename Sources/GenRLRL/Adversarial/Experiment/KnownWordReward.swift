import Foundation
import GenRLRewards

/// An objective for character-level text generators: the fraction of a sample's words
/// that are words of a reference vocabulary (the training corpus),
///
///     O(Y) = #{ w ∈ words(Y) : w ∈ W } / #words(Y)     (0 for a sample without words)
///
/// where words are the maximal runs of letters and apostrophes, lowercased. A
/// character-level LSTM spells badly; this is the text analogue of ORGAN's SMILES
/// validity objective (a property in [0, 1] that real data satisfies almost surely and
/// a generator only approximately).
public final class KnownWordReward: RewardFunction {
    /// The reward's name in metrics.
    public let name = "known_words"
    /// W, lowercased.
    public let vocabulary: Set<String>

    /// The words of `corpus` (lines of text) form W.
    public init(corpus: [String]) {
        vocabulary = Set(corpus.flatMap(Self.words))
    }

    /// O(Y) of each sample's completion text, as its terminal score (never missing).
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: samples.map { sample in
            let words = Self.words(sample.completion)
            guard !words.isEmpty else { return 0 }
            return Double(words.filter { vocabulary.contains($0) }.count) / Double(words.count)
        })
    }

    /// The lowercased runs of letters and apostrophes of `text`.
    public static func words(_ text: String) -> [String] {
        var words: [String] = []
        var current = ""
        for character in text.lowercased() {
            if character.isLetter || character == "'" {
                current.append(character)
            } else if !current.isEmpty {
                words.append(current)
                current = ""
            }
        }
        if !current.isEmpty { words.append(current) }
        return words
    }
}
