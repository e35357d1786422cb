/// One generated sample as a reward sees it: text and tokens of the prompt and of the
/// completion, and the references that come with the prompt (for BLEU, ROUGE, chrF).
public struct Sample: Sendable, Equatable {
    /// Position in the batch.
    public var index: Int
    /// The prompt as text (empty for unconditional generation).
    public var prompt: String
    /// The generated text (without the begin and end tokens).
    public var completion: String
    /// The prompt's token ids.
    public var promptTokens: [Int]
    /// The completion's token ids (the end token included when it was generated).
    public var completionTokens: [Int]
    /// Reference texts for the prompt, if the prompt set has them.
    public var references: [String]

    /// A sample; only its position and completion are required.
    public init(index: Int, prompt: String = "", completion: String, promptTokens: [Int] = [], completionTokens: [Int] = [],
                references: [String] = []) {
        self.index = index
        self.prompt = prompt
        self.completion = completion
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
        self.references = references
    }
}

/// Scores for a batch of samples.
public struct RewardScores: Sendable, Equatable {
    /// One score per sample for the finished sequence; `nil` means "no score" (the
    /// scorer could not judge the sample). How a missing score is treated is the
    /// combining reward's and the trainer's business, never silently zero.
    public var terminal: [Double?]
    /// Optional dense scores: for each sample one score per completion token (SeqGAN's
    /// Monte Carlo rewards, RL Tuner's music rules). Added to the terminal score's
    /// credit at each step.
    public var perStep: [[Double]]?

    /// Scores of the given terminal values and, optionally, per-step rows.
    public init(terminal: [Double?], perStep: [[Double]]? = nil) {
        self.terminal = terminal
        self.perStep = perStep
    }
}

/// A reward: scores a batch of samples. TRL's reward functions are plain functions over
/// (prompts, completions); here a reward is an object so it can hold state (references
/// prepared once, a running normalizer, a child process, a trainable discriminator).
public protocol RewardFunction: AnyObject {
    /// A short name for metrics (`rewards/<name>`) and messages.
    var name: String { get }
    /// Scores every sample of the batch (`terminal.count == samples.count`).
    func score(_ samples: [Sample]) throws -> RewardScores
}

/// A reward that learns during training (a discriminator, a reward model). The trainer
/// calls `update` between policy updates with the samples just generated.
public protocol TrainableReward: RewardFunction {
    /// One training phase of the reward on the newest samples; returns named metrics
    /// (e.g. `discriminator/accuracy`).
    func update(generated samples: [Sample], step: Int) throws -> [String: Double]
}

/// Why a reward could not score a batch.
public enum RewardError: Error, CustomStringConvertible, Equatable {
    /// A reward returned the wrong number of scores.
    case wrongCount(reward: String, expected: Int, found: Int)
    /// A dense reward gave a per-step row whose length differs from the completion's.
    case wrongStepCount(reward: String, sample: Int, expected: Int, found: Int)
    /// A reward needs references that the sample lacks.
    case missingReferences(reward: String, sample: Int)
    /// A configuration value is invalid.
    case invalidConfiguration(reward: String, reason: String)
    /// A score is NaN or infinite.
    case notFinite(reward: String, sample: Int, value: Double)

    /// The message, naming the reward and the sample at fault.
    public var description: String {
        switch self {
        case .wrongCount(let reward, let expected, let found):
            "reward \(reward) returned \(found) scores for \(expected) samples"
        case .wrongStepCount(let reward, let sample, let expected, let found):
            "reward \(reward) gave \(found) per-step scores for sample \(sample), which has \(expected) completion tokens"
        case .missingReferences(let reward, let sample):
            "reward \(reward) needs references, but sample \(sample) has none"
        case .invalidConfiguration(let reward, let reason):
            "reward \(reward): \(reason)"
        case .notFinite(let reward, let sample, let value):
            "reward \(reward) gave \(value) for sample \(sample)"
        }
    }
}

extension RewardFunction {
    /// `score(samples)` after checking the shape of the answer: one terminal score per
    /// sample, per-step rows as long as the completions, and no NaN or infinity.
    public func checkedScore(_ samples: [Sample]) throws -> RewardScores {
        let scores = try score(samples)
        if scores.terminal.count != samples.count {
            throw RewardError.wrongCount(reward: name, expected: samples.count, found: scores.terminal.count)
        }
        for (i, value) in scores.terminal.enumerated() {
            if let value, !value.isFinite { throw RewardError.notFinite(reward: name, sample: i, value: value) }
        }
        if let perStep = scores.perStep {
            if perStep.count != samples.count {
                throw RewardError.wrongCount(reward: name, expected: samples.count, found: perStep.count)
            }
            for (i, row) in perStep.enumerated() {
                if row.count != samples[i].completionTokens.count {
                    throw RewardError.wrongStepCount(reward: name, sample: i, expected: samples[i].completionTokens.count, found: row.count)
                }
                if let bad = row.first(where: { !$0.isFinite }) { throw RewardError.notFinite(reward: name, sample: i, value: bad) }
            }
        }
        return scores
    }
}

/// A reward from a closure over the samples, for quick experiments and tests:
/// `ClosureReward(name: "length") { samples in samples.map { Double($0.completion.count) } }`.
public final class ClosureReward: RewardFunction {
    /// The name given at creation.
    public let name: String
    private let body: ([Sample]) throws -> [Double?]

    /// A reward called `name` whose terminal scores are `body(samples)`.
    public init(name: String, _ body: @escaping ([Sample]) throws -> [Double?]) {
        self.name = name
        self.body = body
    }

    /// `body(samples)` as terminal scores.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: try body(samples))
    }
}
