import Foundation
import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLRL
import GenRLTensor

/// Why a run could not be set up from its configuration (beyond what the configuration
/// reader checks): a file that does not read, a model that does not fit.
public struct RunSetupError: Error, CustomStringConvertible {
    /// What went wrong, naming the file or model at fault.
    public let description: String
    /// An error with the message `description`.
    public init(_ description: String) { self.description = description }
}

/// An RL fine-tuning run built from a `TrainingRunConfiguration`: the policy and its
/// tokenizer loaded from the model directory, the reference, the prompts, the summed
/// rewards, the optimizer and the chosen algorithm.
public final class TrainingRun {
    /// The configuration the run was built from.
    public let configuration: TrainingRunConfiguration
    /// The policy's architecture (with the value head the algorithm needs).
    public let modelConfiguration: LanguageModelConfiguration
    /// The chosen algorithm, holding the setup.
    public let algorithm: any PolicyGradientAlgorithm
    /// The algorithm's setup: policy, reference, rewards, prompts, optimizer.
    public var setup: TrainingSetup { algorithm.setup }

    /// Loads the policy and reference, reads the prompts, builds the rewards, the optimizer and
    /// the algorithm; throws `RunSetupError` (or the loaders' errors) when something does not fit.
    public init(configuration: TrainingRunConfiguration) throws {
        self.configuration = configuration
        let algorithmName = configuration.algorithm
        let policyDirectory = URL(fileURLWithPath: configuration.policy.model)
        let (model, modelConfiguration, tokenizer) = try ModelDirectory.load(
            from: policyDirectory, valueHead: algorithmName.needsValueHead, seed: configuration.seed)
        self.modelConfiguration = modelConfiguration
        let referencePath = configuration.reference.model.isEmpty ? configuration.policy.model : configuration.reference.model
        let (reference, _, _) = try ModelDirectory.load(from: URL(fileURLWithPath: referencePath), valueHead: false)
        if reference.vocabularySize != model.vocabularySize {
            throw RunSetupError("reference \(referencePath) has \(reference.vocabularySize) tokens, the policy \(model.vocabularySize)")
        }
        let policy = Policy(model: model, tokenizer: tokenizer, decoding: configuration.decoding)
        let prompts = try Self.prompts(configuration.prompts, tokenizer: tokenizer, appendEnd: algorithmName == .mixer,
                                       seed: configuration.seed)
        let optimizerSection = configuration.optimizer
        let setup = TrainingSetup(policy: policy, reference: reference, reward: try Self.reward(configuration), prompts: prompts,
                                  optimizer: optimizerSection.makeOptimizer(),
                                  schedule: configuration.schedule.makeSchedule(peak: optimizerSection.learningRate),
                                  seed: configuration.seed, klEstimator: configuration.reference.klEstimator)
        switch algorithmName {
        case .reinforce: algorithm = REINFORCE(setup: setup, configuration: configuration.reinforce ?? .init())
        case .scst: algorithm = SCST(setup: setup, configuration: configuration.scst ?? .init())
        case .mixer: algorithm = MIXER(setup: setup, configuration: configuration.mixer ?? .init())
        case .ppo: algorithm = PPO(setup: setup, configuration: configuration.ppo ?? .init())
        case .grpo: algorithm = GRPO(setup: setup, configuration: configuration.grpo ?? .init())
        case .rloo: algorithm = RLOO(setup: setup, configuration: configuration.rloo ?? .init())
        case .nlpo:
            var generator = RandomGenerator(seed: configuration.seed)
            algorithm = NLPO(setup: setup, maskingModel: modelConfiguration.makeModel(generator: &generator),
                             configuration: configuration.nlpo ?? .init())
        }
    }

    /// The prompt set: the lines of `section.file` (with the aligned references), or the
    /// begin token alone. For MIXER the prompts are whole reference sequences, ended.
    static func prompts(_ section: PromptsSection, tokenizer: any Tokenizer, appendEnd: Bool, seed: UInt64) throws -> PromptSource {
        guard !section.file.isEmpty else { return .unconditional }
        let lines = try LineCorpus(contentsOf: URL(fileURLWithPath: section.file)).samples
        var references: [String] = []
        if !section.references.isEmpty {
            references = try LineCorpus(contentsOf: URL(fileURLWithPath: section.references)).samples
            if references.count != lines.count {
                throw RunSetupError("\(section.references) has \(references.count) lines for the \(lines.count) prompts of \(section.file)")
            }
        }
        let prompts = lines.enumerated().map { index, line in
            let tokens = [Vocabulary.beginID] + tokenizer.encode(line) + (appendEnd ? [Vocabulary.endID] : [])
            return Prompt(text: line, tokens: tokens, references: references.isEmpty ? [] : [references[index]])
        }
        return PromptSource(prompts: prompts, seed: seed)
    }

    /// Σ weightᵢ·rewardᵢ over the `[[reward]]` tables, with the repetition penalty if asked.
    static func reward(_ configuration: TrainingRunConfiguration) throws -> any RewardFunction {
        let policy: MissingScorePolicy = switch configuration.missingScores {
        case "skip": .skipMissing
        case "zero": .missingIsZero
        default: .missingIsNil
        }
        let components = try configuration.rewards.map { (reward: try $0.makeReward(), weight: $0.weight) }
        let sum = try WeightedSumReward(components, missingScores: policy, name: "reward")
        return configuration.batchRepetitionPenalty ? BatchRepetitionPenalty(sum) : sum
    }
}
