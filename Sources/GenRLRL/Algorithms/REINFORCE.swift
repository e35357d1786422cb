import GenRLNN
import GenRLTensor

/// REINFORCE (Williams 1992) for sequences, with a baseline and an entropy bonus.
///
///   loss = −mean_t[(Gₜ − b)·log π(aₜ|sₜ)] − c_H·mean_t[H(π(·|sₜ))]
///
/// Gₜ is the reward-to-go (the terminal score, dense scores, and −β·KL per token when a
/// reference is given); b is the baseline. One gradient step per batch.
public final class REINFORCE: PolicyGradientAlgorithm {
    /// The baseline subtracted from the returns.
    public enum Baseline: String, Codable, Sendable, CaseIterable {
        /// No baseline: the plain estimator.
        case none
        /// An exponential moving average of past batches' mean reward.
        case movingAverage = "moving_average"
        /// The current batch's mean reward.
        case batchMean = "batch_mean"
    }

    /// REINFORCE's settings.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Prompts (and samples) per batch.
        public var batchSize = 32
        /// Baseline (moving average, decay 0.9, is the classic choice).
        public var baseline = Baseline.movingAverage
        /// Decay of the moving-average baseline.
        public var baselineDecay: Float = 0.9
        /// Weight c_H of the entropy bonus (0 disables it).
        public var entropyCoefficient: Float = 0.01
        /// β of the KL penalty folded into the rewards (needs a reference; 0: none).
        public var klCoefficient: Double = 0
        /// Discount γ of the reward-to-go (1 for text: the episode is the sequence).
        public var gamma: Float = 1
        /// Gradient-norm clip (nil: none).
        public var maxGradientNorm: Float? = 1

        public init() {}
    }

    /// The name `reinforce`.
    public let name = "reinforce"
    /// The shared parts: policy, reference, reward, prompts, optimizer.
    public let setup: TrainingSetup
    /// The settings.
    public let configuration: Configuration
    private var movingAverage: MovingAverageBaseline

    /// REINFORCE on `setup`, with no moving-average baseline yet.
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        self.setup = setup
        self.configuration = configuration
        movingAverage = MovingAverageBaseline(decay: configuration.baselineDecay)
    }

    /// One iteration: a rollout of `batchSize` prompts, rewards-to-go minus the baseline, one gradient step.
    public func iterate() throws -> IterationReport {
        // 1. Rollout.
        let rollout = try setup.collect(promptCount: configuration.batchSize)

        // 2. Returns and advantages.
        let rewards = Advantages.perTokenRewards(rollout, klCoefficient: configuration.klCoefficient)
        let returns = Advantages.rewardsToGo(rewards, mask: rollout.actionMask, gamma: configuration.gamma)
        let meanReward = Float(rolloutMetrics(rollout)["reward/mean"]!)
        let baseline: Float
        switch configuration.baseline {
        case .none: baseline = 0
        case .batchMean: baseline = meanReward
        case .movingAverage: baseline = movingAverage.current(orMean: meanReward)
        }
        let advantages = (returns - baseline) * rollout.actionMask

        // 3. One gradient step.
        var policyLoss: Float = 0, entropy: Float = 0
        let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
            let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout)
            let pg = -(advantages * evaluation.logProbabilities).maskedMean(evaluation.mask)
            let bonus = evaluation.entropies.maskedMean(evaluation.mask)
            policyLoss = pg.item
            entropy = bonus.item
            return pg - bonus * configuration.entropyCoefficient
        }
        let norm = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)
        if configuration.baseline == .movingAverage { movingAverage.update(with: meanReward) }

        var metrics = rolloutMetrics(rollout, klCoefficient: configuration.klCoefficient)
        metrics["losses/policy"] = Double(policyLoss)
        metrics["losses/entropy"] = Double(entropy)
        metrics["baseline/value"] = Double(baseline)
        metrics["gradients/norm"] = Double(norm)
        return IterationReport(metrics: metrics, rollout: rollout)
    }

    /// The moving-average baseline under `baseline` (empty before the first update).
    public func checkpointState() -> [String: [Double]] {
        ["baseline": movingAverage.value.map { [Double($0)] } ?? []]
    }

    /// Restores the moving-average baseline of `checkpointState()`.
    public func restore(checkpointState: [String: [Double]]) throws {
        movingAverage = MovingAverageBaseline(decay: configuration.baselineDecay)
        if let value = checkpointState["baseline"]?.first { movingAverage.update(with: Float(value)) }
    }
}
