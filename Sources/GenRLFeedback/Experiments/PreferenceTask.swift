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
    /// The gold reward: the sentiment lexicon (with `fluencyWeight`) or a hidden reward
    /// model (`hiddenHead`).
    public var gold = GoldReward.sentimentLexicon
    /// The hidden reward model of `gold = hidden_head` (unused otherwise).
    public var hiddenHead = HiddenHeadGold()
    /// Weight of the fluency term of the gold reward (`SentimentLexiconReward`).
    public var fluencyWeight = 1.0
    /// Fewest words that earn the gold reward's full fluency credit.
    public var fluencyMinimumWords = 5
    /// Seed of the train/validation split.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}

    /// Which gold reward the simulated labellers and the evaluation use.
    public enum GoldReward: String, Codable, Sendable, CaseIterable {
        /// `SentimentLexiconReward`: lexicon words plus the fluency term.
        case sentimentLexicon = "sentiment_lexicon"
        /// A hidden reward model (`HiddenHeadGold`): a value head with random weights on a
        /// model's features, standardised.
        case hiddenHead = "hidden_head"
    }

    /// A hidden reward model as the gold, in the manner of Gao et al. (2022), whose gold is
    /// itself a reward model that the learnt ones are trained to imitate: here a saved
    /// language model under a fresh value head with random weights (seed `seed`), reading
    /// the mean of its hidden states over the completion (`completion_mean` pooling). The
    /// gold is then a linear function w · φ of the features φ that reward models on the same
    /// backbone read, so a reward model can represent it exactly: the setting in which
    /// querying by a reward model's uncertainty is meant to work (Sadigh et al. 2017 learn
    /// linear rewards on known features). The reward is standardised to mean 0 and
    /// standard deviation 1 over `normalizationSamples` completions of the model itself
    /// (training prompts, temperature 1, seed `seed`), so the labeller's temperature is in
    /// units of its spread.
    public struct HiddenHeadGold: Codable, Sendable, Equatable {
        /// The model directory (its language model; a saved value head is replaced).
        public var model = "runs/preferences/pretrained"
        /// Seed of the head's random weights and of the normalisation samples.
        public var seed: UInt64 = 1
        /// Completions the reward is standardised on.
        public var normalizationSamples = 1000

        /// The defaults (the values above).
        public init() {}
    }
}

/// The task of the preference experiments: continue the opening words of a Shakespeare
/// line, judged by a hidden gold reward: by default `SentimentLexiconReward`, which likes
/// cheerful, well-formed continuations, or a hidden reward model (`HiddenHeadGold`). Prompts for training come from the training lines, those for
/// evaluation from held-out lines.
public final class PreferenceTask {
    /// The settings it was made with.
    public let configuration: PreferenceTaskConfiguration
    /// The corpus split.
    public let split: CorpusSplit
    /// The gold reward, known only to simulated labellers and to the evaluation.
    public let gold: any RewardFunction
    /// The prompt texts of training lines and of held-out lines.
    public let trainingPromptTexts: [String]
    /// Prompt texts of the held-out lines.
    public let evaluationPromptTexts: [String]

    /// Reads the corpus, splits it and builds the gold reward (the lexicon on the training
    /// lines, or the hidden reward model, loaded and standardised).
    public init(configuration: PreferenceTaskConfiguration) throws {
        self.configuration = configuration
        let corpus = try LineCorpus(contentsOf: URL(fileURLWithPath: configuration.corpusPath))
        split = try corpus.split(validationFraction: configuration.validationFraction, seed: configuration.seed)
        func prompts(_ lines: [String]) -> [String] {
            lines.compactMap { line in
                let words = line.split(separator: " ", omittingEmptySubsequences: true)
                guard words.count > configuration.promptWords else { return nil }
                return words.prefix(configuration.promptWords).joined(separator: " ") + " "
            }
        }
        trainingPromptTexts = prompts(split.train)
        evaluationPromptTexts = prompts(split.validation)
        switch configuration.gold {
        case .sentimentLexicon:
            gold = SentimentLexiconReward(corpus: split.train, fluencyWeight: configuration.fluencyWeight,
                                          minimumWords: configuration.fluencyMinimumWords)
        case .hiddenHead:
            gold = try Self.hiddenHeadGold(configuration.hiddenHead, decoding: Self.decoding(configuration),
                                           promptTexts: trainingPromptTexts)
        }
    }

    /// The standardised hidden reward model of `settings` (see `HiddenHeadGold`).
    static func hiddenHeadGold(_ settings: PreferenceTaskConfiguration.HiddenHeadGold, decoding: DecodingConfiguration,
                               promptTexts: [String]) throws -> RewardModelReward {
        let directory = URL(fileURLWithPath: settings.model)
        let (model, _, tokenizer) = try ModelDirectory.load(from: directory, valueHead: true, seed: settings.seed)
        let reward = RewardModelReward(name: "hidden_head", ensemble: RewardModelEnsemble(members: [
            RewardModel(backbone: model, tokenizer: tokenizer, pooling: .completionMean)]))
        var generator = RandomGenerator(seed: settings.seed)
        let pairs = PreferenceQuery.sampledPairs(model: model, tokenizer: tokenizer,
                                                 prompts: promptTexts.map { Prompt(text: $0, tokenizer: tokenizer) },
                                                 decoding: decoding, count: (settings.normalizationSamples + 1) / 2,
                                                 generator: &generator)
        reward.normalize(on: PreferenceQuery.completionSamples(pairs))
        return reward
    }

    /// Decoding for rollouts and candidate completions.
    public var decoding: DecodingConfiguration { Self.decoding(configuration) }

    static func decoding(_ configuration: PreferenceTaskConfiguration) -> DecodingConfiguration {
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
    ///
    /// - Throws: the gold reward's error, or `FeedbackError.invalidConfiguration` naming the
    ///   query and completion it left without a score.
    public func goldScores(_ queries: [PreferenceQuery]) throws -> [[Double]] {
        let scores = try gold.checkedScore(PreferenceQuery.completionSamples(queries)).terminal
        return try PreferenceQuery.grouped(scores, like: queries).enumerated().map { q, row in
            try row.enumerated().map { c, score in
                guard let score else {
                    throw FeedbackError.invalidConfiguration("the gold reward \(gold.name) gave no score for completion \(c) of query \(q)")
                }
                return score
            }
        }
    }
}
