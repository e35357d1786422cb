import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLTensor

/// The parts every policy-gradient algorithm works with.
public final class TrainingSetup {
    /// The agent.
    public let policy: Policy
    /// The frozen reference model for the KL penalty (the policy's starting point), or nil.
    public let reference: (any LanguageModel)?
    /// What is being maximised.
    public let reward: any RewardFunction
    /// Where prompts come from.
    public var prompts: PromptSource
    /// Updates the policy's parameters.
    public let optimizer: any Optimizer
    /// The learning rate at each update (nil: the optimizer's own stays).
    public var schedule: (any LearningRateSchedule)?
    /// Every random draw of the run (sampling, minibatch order).
    public var generator: RandomGenerator
    /// Fills `Rollout.klPerToken`.
    public var collector: RolloutCollector
    /// Optimizer updates made so far (advanced by `applyUpdate`; set when resuming).
    public var updateCount = 0

    /// The parts of a run; `seed` seeds `generator`. The reference, if any, is frozen and put in
    /// evaluation mode; `klEstimator` is how rollouts measure the KL to it.
    public init(policy: Policy, reference: (any LanguageModel)?, reward: any RewardFunction, prompts: PromptSource,
                optimizer: any Optimizer, schedule: (any LearningRateSchedule)? = nil, seed: UInt64,
                klEstimator: KLEstimator = .exact) {
        self.policy = policy
        self.reference = reference
        self.reward = reward
        self.prompts = prompts
        self.optimizer = optimizer
        self.schedule = schedule
        self.generator = RandomGenerator(seed: seed)
        self.collector = RolloutCollector(klEstimator: klEstimator)
        reference?.freeze()
        reference?.eval()
    }

    /// A rollout of `promptCount` prompts × `samplesPerPrompt` completions.
    public func collect(promptCount: Int, samplesPerPrompt: Int = 1, extraProcessors: [any LogitProcessor] = []) throws -> Rollout {
        let batch = prompts.next(promptCount)
        let masking = policy.actionMasking.map { [$0.makeProcessor()] } ?? []
        return try collector.collect(policy: policy, reference: reference, reward: reward, prompts: batch,
                                     samplesPerPrompt: samplesPerPrompt, extraProcessors: masking + extraProcessors,
                                     generator: &generator)
    }

    /// Clips the gradients to `maxNorm` (when given), sets the scheduled learning rate and
    /// takes one optimizer step. Returns the gradient norm before clipping. The clipping
    /// factor is applied by the optimizer as it reads the gradients (no scaled copies).
    @discardableResult
    public func applyUpdate(_ gradients: ParameterGradients, maxNorm: Float?) -> Float {
        let norm = PhaseTally.measure("update") {
            let (scale, norm) = maxNorm.map { gradients.clippingFactor($0) } ?? (1, gradients.globalNorm)
            if let schedule { optimizer.learningRate = schedule.learningRate(atStep: updateCount) }
            optimizer.update(policy.model, gradients: gradients, scale: scale)
            return norm
        }
        updateCount += 1
        return norm
    }
}

/// What one iteration of an algorithm produced: its metrics (stable keys, CleanRL style:
/// `reward/mean`, `kl/mean`, `losses/policy`, …) and the rollout it trained on.
public struct IterationReport: @unchecked Sendable {
    /// The metrics by stable key (`reward/mean`, `losses/policy`, …).
    public var metrics: [String: Double]
    /// The rollout the iteration trained on (nil if it had none).
    public var rollout: Rollout?

    /// A report of `metrics` and `rollout`.
    public init(metrics: [String: Double], rollout: Rollout?) {
        self.metrics = metrics
        self.rollout = rollout
    }
}

/// An RL algorithm for generators: each call of `iterate` collects a rollout, computes
/// advantages and updates the policy, reading top to bottom in its own file.
public protocol PolicyGradientAlgorithm: AnyObject {
    /// The algorithm's name (`ppo`, `grpo`, …).
    var name: String { get }
    /// The shared parts.
    var setup: TrainingSetup { get }
    /// One iteration.
    func iterate() throws -> IterationReport
    /// State beyond the setup's that a checkpoint must keep (baselines, KL controller),
    /// as JSON-encodable numbers.
    func checkpointState() -> [String: [Double]]
    /// Restores `checkpointState()`.
    func restore(checkpointState: [String: [Double]]) throws
    /// Tensors beyond the policy's and the optimizer's that a checkpoint must keep (NLPO's
    /// masking model), by name.
    func checkpointTensors() -> [String: Tensor]
    /// Restores `checkpointTensors()`.
    func restore(checkpointTensors: [String: Tensor]) throws
}

extension PolicyGradientAlgorithm {
    /// No state beyond the setup's.
    public func checkpointState() -> [String: [Double]] { [:] }
    /// Nothing to restore.
    public func restore(checkpointState: [String: [Double]]) throws {}
    /// No tensors beyond the policy's and the optimizer's.
    public func checkpointTensors() -> [String: Tensor] { [:] }
    /// Nothing to restore.
    public func restore(checkpointTensors: [String: Tensor]) throws {}
}

// MARK: - Pieces the algorithms share

/// The policy's log-probabilities of the rollout's actions, recomputed with gradients,
/// with the entropy of each step's distribution and the values. `rows` selects a
/// minibatch (all rows when nil).
///
/// With `outputsFrom` first > 0 the policy's outputs are computed for positions
/// `first..<T` only, and the [B, T] quantities hold 0 before `first` (the logits, 0 too):
/// for algorithms that read them only where the action mask is 1, with first at most
/// `rollout.firstActionPosition`.
struct PolicyEvaluation {
    let logProbabilities: Tensor
    let entropies: Tensor
    let values: Tensor?
    let mask: Tensor
    /// The logits at positions `first..<T`.
    private let computedLogits: Tensor
    private let first: Int

    init(policy: Policy, rollout: Rollout, rows: [Int]? = nil, outputsFrom first: Int = 0) {
        let inputs = rows.map { rollout.inputs.selectingRows($0) } ?? rollout.inputs
        let targets = rows.map { rollout.targets.selectingRows($0) } ?? rollout.targets
        let output = policy.outputs(inputs, targets: targets, from: first)
        self.first = first
        computedLogits = output.logits
        let scored = Tensor.selectedLogProbabilities(logits: computedLogits, targets: targets.columns(from: first))
        logProbabilities = scored.paddedInTime(before: first)
        entropies = computedLogits.softmaxEntropy().paddedInTime(before: first)
        values = output.values?.paddedInTime(before: first)
        mask = rollout.actionMask.selectingRows(rows)
    }

    /// The logits, [B, T, V] (0 before `first`).
    var logits: Tensor { computedLogits.paddedInTime(before: first) }
}

extension Tensor {
    /// Σ(x·mask)/Σmask (0 for an empty mask).
    func maskedMean(_ mask: Tensor) -> Tensor {
        let count = mask.sum().item
        return (self * mask).sum() / Swift.max(count, 1)
    }

    /// A [B, T, ...] tensor preceded along axis 1 by `count` positions of zeros (itself
    /// when `count` is 0).
    func paddedInTime(before count: Int) -> Tensor {
        guard count > 0 else { return self }
        var zerosShape = shape
        zerosShape[1] = count
        return Tensor.concatenate([Tensor.zeros(zerosShape), self], axis: 1)
    }

    /// The rows `rows` of a [B, ...] tensor (all when nil).
    func selectingRows(_ rows: [Int]?) -> Tensor {
        guard let rows else { return self }
        return indexSelect(IntTensor(rows), axis: 0)
    }

    /// Mean and standard deviation of the entries where `mask` is 1.
    func maskedStatistics(_ mask: Tensor) -> (mean: Double, std: Double) {
        let values = zip(scalars, mask.scalars).filter { $0.1 != 0 }.map { Double($0.0) }
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)
        return (mean, variance.squareRoot())
    }
}

extension IntTensor {
    /// Columns `first..<T` of a [B, T] tensor (itself when `first` is 0).
    func columns(from first: Int) -> IntTensor {
        guard first > 0 else { return self }
        let (batch, width) = (shape[0], shape[1])
        return IntTensor((0..<batch).flatMap { scalars[($0 * width + first)..<(($0 + 1) * width)] }, shape: [batch, width - first])
    }

    /// The rows `rows` of a [B, T] tensor.
    func selectingRows(_ rows: [Int]) -> IntTensor {
        let width = shape[1]
        return IntTensor(rows.flatMap { scalars[($0 * width)..<(($0 + 1) * width)] }, shape: [rows.count, width])
    }
}

/// Metrics every algorithm reports about its rollout: reward, KL, lengths, missing scores.
func rolloutMetrics(_ rollout: Rollout, klCoefficient: Double? = nil) -> [String: Double] {
    let valid = rollout.validSamples.scalars
    let rewards = zip(rollout.rewardValues, valid).filter { $0.1 != 0 }.map { Double($0.0) }
    let mean = rewards.isEmpty ? 0 : rewards.reduce(0, +) / Double(rewards.count)
    let std = rewards.isEmpty ? 0 : (rewards.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(rewards.count)).squareRoot()
    let lengths = (0..<rollout.batchSize).map { Double(rollout.generated.lengths[$0] - rollout.generated.promptLengths[$0]) }
    var metrics: [String: Double] = [
        "reward/mean": mean, "reward/std": std,
        "reward/min": rewards.min() ?? 0, "reward/max": rewards.max() ?? 0,
        "samples/length_mean": lengths.reduce(0, +) / Double(max(lengths.count, 1)),
        "samples/missing_scores": Double(valid.filter { $0 == 0 }.count),
        "policy/entropy": Double(rollout.generated.entropies.maskedMean(rollout.actionMask).item),
    ]
    if rollout.klPerToken != nil {
        let sequenceKL = rollout.sequenceKL.scalars.map(Double.init)
        metrics["kl/mean"] = sequenceKL.reduce(0, +) / Double(max(sequenceKL.count, 1))
        metrics["kl/per_token"] = Double(rollout.klPerToken!.maskedMean(rollout.actionMask).item)
    }
    if let klCoefficient { metrics["kl/coefficient"] = klCoefficient }
    return metrics
}
