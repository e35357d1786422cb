import Foundation
import GenRLModels
import GenRLRL
import GenRLRewards
import GenRLTensor

/// Where the preference experiments' prompts and gold reward come from.
public struct PreferenceTaskConfiguration: Codable, Sendable, Equatable {
    /// The line corpus (one sample per line).
    public var corpusPath = "Data/corpora/tinyshakespeare_lines.txt"
    /// A prompt is the first this-many words of a corpus line, with the space after them.
    public var promptWords = 2
    /// Most characters generated after a prompt (the end token included).
    public var maximumNewTokens = 40
    /// Fewest characters before the end token may be generated: continuations of a fixed
    /// minimum length, as Ziegler et al. (2019) sample fixed-length continuations, so that
    /// neither the reward model nor the KL penalty can be gamed by stopping early.
    public var minimumNewTokens = 24
    /// Fraction of lines held out: evaluation prompts come from them, training prompts
    /// from the rest.
    public var validationFraction = 0.05
    /// Weight of the fluency term of the gold reward (`SentimentLexiconReward`).
    public var fluencyWeight = 1.0
    /// Fewest words that earn the gold reward's full fluency credit.
    public var fluencyMinimumWords = 5
    /// Seed of the train/validation split.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// The task of the preference experiments: continue the opening words of a Shakespeare
/// line; the hidden gold reward (`SentimentLexiconReward`) likes cheerful, well-formed
/// continuations. Prompts for training come from the training lines, those for
/// evaluation from held-out lines.
public final class PreferenceTask {
    /// The settings it was made with.
    public let configuration: PreferenceTaskConfiguration
    /// The corpus split.
    public let split: CorpusSplit
    /// The gold reward, known only to simulated labellers and to the evaluation.
    public let gold: SentimentLexiconReward
    /// The prompt texts of training lines and of held-out lines.
    public let trainingPromptTexts: [String]
    /// Prompt texts of the held-out lines.
    public let evaluationPromptTexts: [String]

    /// Reads the corpus, splits it and builds the gold reward on the training lines.
    public init(configuration: PreferenceTaskConfiguration) throws {
        self.configuration = configuration
        let corpus = try LineCorpus(contentsOf: URL(fileURLWithPath: configuration.corpusPath))
        split = try corpus.split(validationFraction: configuration.validationFraction, seed: configuration.seed)
        gold = SentimentLexiconReward(corpus: split.train, fluencyWeight: configuration.fluencyWeight,
                                      minimumWords: configuration.fluencyMinimumWords)
        func prompts(_ lines: [String]) -> [String] {
            lines.compactMap { line in
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                guard words.count > configuration.promptWords else { return nil }
                return words.prefix(configuration.promptWords).joined(separator: " ") + " "
            }
        }
        trainingPromptTexts = prompts(split.train)
        evaluationPromptTexts = prompts(split.validation)
    }

    /// Decoding for rollouts and candidate completions.
    public var decoding: DecodingConfiguration {
        DecodingConfiguration(maximumNewTokens: configuration.maximumNewTokens, minimumNewTokens: configuration.minimumNewTokens)
    }

    /// Prompts for `tokenizer`.
    public func prompts(_ texts: [String], tokenizer: any Tokenizer) -> [Prompt] {
        texts.map { Prompt(text: $0, tokenizer: tokenizer) }
    }

    /// `count` comparisons of two completions sampled from `model` at `temperature` for
    /// prompts drawn from `texts` (with replacement); see `PreferenceQuery.sampledPairs`.
    public func samplePairs(model: any LanguageModel, tokenizer: any Tokenizer, promptTexts texts: [String], count: Int,
                            temperature: Float = 1, generator: inout RandomGenerator) -> [PreferenceQuery] {
        var decoding = decoding
        decoding.temperature = temperature
        return PreferenceQuery.sampledPairs(model: model, tokenizer: tokenizer, prompts: prompts(texts, tokenizer: tokenizer),
                                            decoding: decoding, count: count, generator: &generator)
    }

    /// The gold reward of each completion of each query, [query][completion].
    public func goldScores(_ queries: [PreferenceQuery]) -> [[Double]] {
        queries.map { $0.completions.map(gold.gold) }
    }
}
