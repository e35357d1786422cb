import GenRLModels
import GenRLRL
import GenRLRewards
import GenRLTensor

/// The over-optimisation watch (Gao et al. 2023, "Scaling laws for reward model
/// overoptimization"): when a gold reward exists — the hidden reward of a simulated
/// labeller — log it beside the learned reward and the KL to the reference, so a run
/// shows when the learned reward keeps rising while the gold one stalls or falls
/// (Goodhart's law).
///
/// Wraps an algorithm and adds to each iteration's metrics:
/// - for algorithms that sample (PPO): `gold/mean`, `gold/std` of the rollout's samples,
///   and `learned/mean` (the rollout's `reward/mean`, the reward the policy optimises);
/// - every `evaluationInterval` iterations (and for offline algorithms such as DPO,
///   which do not sample): an evaluation rollout on `evaluationPrompts` drawn at the
///   policy's temperature, giving `eval/gold_mean`, `eval/learned_mean` (when a learned
///   reward is given), and `eval/kl` (the exact summed KL to the reference per sequence).
///
/// The gold reward is only ever called on samples after they are generated; the policy
/// and its update never see it.
public final class GoldRewardWatch: PolicyGradientAlgorithm {
    /// The watched algorithm.
    public let inner: any PolicyGradientAlgorithm
    /// The gold reward.
    public let gold: any RewardFunction
    /// A learned reward to report beside the gold one on evaluation rollouts (nil: none).
    public let learned: (any RewardFunction)?
    /// Prompts of the evaluation rollouts (nil: no evaluation rollouts).
    public let evaluationPrompts: [Prompt]?
    /// Iterations between evaluation rollouts (and one before the first iteration).
    public let evaluationInterval: Int
    /// The samples of the last evaluation rollout with their rewards.
    public private(set) var lastEvaluation: [EvaluatedSample] = []
    private var iterations = 0
    private var generator: RandomGenerator

    /// Watches `inner` with `gold`; `seed` draws the evaluation samples.
    public init(_ inner: any PolicyGradientAlgorithm, gold: any RewardFunction, learned: (any RewardFunction)? = nil,
                evaluationPrompts: [Prompt]? = nil, evaluationInterval: Int = 10, seed: UInt64 = 0) {
        precondition(evaluationInterval > 0, "GoldRewardWatch: evaluationInterval must be positive")
        self.inner = inner
        self.gold = gold
        self.learned = learned
        self.evaluationPrompts = evaluationPrompts
        self.evaluationInterval = evaluationInterval
        generator = RandomGenerator(seed: seed)
    }

    /// The wrapped algorithm's name.
    public var name: String { inner.name }
    /// The wrapped algorithm's parts.
    public var setup: TrainingSetup { inner.setup }

    /// One optimizer step on the next minibatch of pairs.
    public func iterate() throws -> IterationReport {
        var report = try inner.iterate()
        iterations += 1
        if let rollout = report.rollout {
            let scores = try gold.checkedScore(rollout.samples).terminal.compactMap { $0 }
            let (mean, std) = Self.statistics(scores)
            report.metrics["gold/mean"] = mean
            report.metrics["gold/std"] = std
            if let learnedMean = report.metrics["reward/mean"] { report.metrics["learned/mean"] = learnedMean }
        }
        if evaluationPrompts != nil && iterations % evaluationInterval == 0 {
            report.metrics.merge(try evaluate()) { _, new in new }
        }
        return report
    }

    /// An evaluation rollout: gold and learned reward means and the exact KL to the
    /// reference, as `eval/...` metrics.
    public func evaluate() throws -> [String: Double] {
        guard let prompts = evaluationPrompts, !prompts.isEmpty else { return [:] }
        let rollout = try setup.collector.collect(policy: setup.policy, reference: setup.reference, reward: gold,
                                                  prompts: prompts, generator: &generator)
        var metrics: [String: Double] = [:]
        let goldScores = rollout.scores.terminal.map { $0 ?? .nan }
        metrics["eval/gold_mean"] = Self.statistics(goldScores.filter { !$0.isNaN }).mean
        var learnedScores: [Double?] = Array(repeating: nil, count: rollout.samples.count)
        if let learned {
            learnedScores = try learned.checkedScore(rollout.samples).terminal
            metrics["eval/learned_mean"] = Self.statistics(learnedScores.compactMap { $0 }).mean
        }
        lastEvaluation = rollout.samples.indices.map { i in
            EvaluatedSample(prompt: rollout.samples[i].prompt, completion: rollout.samples[i].completion, gold: goldScores[i],
                            learned: learnedScores[i])
        }
        if setup.reference != nil {
            let kl = rollout.sequenceKL.scalars.map(Double.init)
            metrics["eval/kl"] = kl.reduce(0, +) / Double(max(kl.count, 1))
        }
        let lengths = rollout.samples.map { Double($0.completion.count) }
        metrics["eval/length_mean"] = lengths.reduce(0, +) / Double(max(lengths.count, 1))
        return metrics
    }

    /// The wrapped algorithm's checkpoint state.
    public func checkpointState() -> [String: [Double]] { inner.checkpointState() }
    /// Restores the wrapped algorithm's checkpoint state.
    public func restore(checkpointState: [String: [Double]]) throws { try inner.restore(checkpointState: checkpointState) }

    static func statistics(_ values: [Double]) -> (mean: Double, std: Double) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        return (mean, (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot())
    }
}

/// A sample of an evaluation rollout with its gold and learned rewards.
public struct EvaluatedSample: Codable, Sendable, Equatable {
    /// The prompt.
    public var prompt: String
    /// The completion.
    public var completion: String
    /// Its gold reward.
    public var gold: Double
    /// Its learned reward, when one was given.
    public var learned: Double?

    /// A sample with its rewards.
    public init(prompt: String, completion: String, gold: Double, learned: Double? = nil) {
        self.prompt = prompt
        self.completion = completion
        self.gold = gold
        self.learned = learned
    }
}
