import GenRLNN
import GenRLTensor

/// REINFORCE leave-one-out (Kool et al. 2019; Ahmadian et al. 2024, "Back to basics"):
/// k completions per prompt, the whole completion as one action, and for each completion
/// the mean reward of the other k − 1 as its baseline:
///
///   Rᵢ = rᵢ − β·Σₜ KLᵢₜ,   Âᵢ = Rᵢ − (1/(k−1)) Σ_{j≠i} Rⱼ
///   loss = −mean_i Âᵢ·Σₜ log π(aᵢₜ)
public final class RLOO: PolicyGradientAlgorithm {
    /// RLOO's settings, with the paper's and TRL's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Distinct prompts per batch.
        public var promptsPerBatch = 8
        /// Completions per prompt k (paper: 2 or 4; TRL: 2).
        public var samplesPerPrompt = 4
        /// β of the sequence-level KL penalty (TRL: 0.05; needs a reference).
        public var klCoefficient: Double = 0.05
        /// Whiten the advantages over the batch (TRL: off).
        public var normalizeAdvantages = false
        /// Gradient-norm clip.
        public var maxGradientNorm: Float? = 1

        public init() {}
    }

    /// The name `rloo`.
    public let name = "rloo"
    /// The shared parts: policy, reference, reward, prompts, optimizer.
    public let setup: TrainingSetup
    /// The settings.
    public let configuration: Configuration

    /// RLOO on `setup`; `samplesPerPrompt` must be at least 2 (the baseline needs another sample).
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        precondition(configuration.samplesPerPrompt >= 2, "RLOO needs at least 2 samples per prompt")
        self.setup = setup
        self.configuration = configuration
    }

    /// One iteration: k completions of each prompt, KL-penalised sequence rewards, leave-one-out
    /// advantages, and one gradient step.
    public func iterate() throws -> IterationReport {
        // 1. k completions per prompt.
        let rollout = try setup.collect(promptCount: configuration.promptsPerBatch, samplesPerPrompt: configuration.samplesPerPrompt)
        let valid = rollout.validSamples.scalars

        // 2. KL-penalised sequence rewards and leave-one-out advantages.
        let penalised = zip(rollout.rewardValues, rollout.sequenceKL.scalars).map { $0 - Float(configuration.klCoefficient) * $1 }
        var advantages = Advantages.leaveOneOutBaseline(penalised, groups: rollout.groups, valid: valid)
        if configuration.normalizeAdvantages {
            let whitened = Advantages.whitened(Tensor(advantages), mask: rollout.validSamples)
            advantages = whitened.scalars
        }
        let advantageTensor = Tensor(advantages, shape: [advantages.count]) * rollout.validSamples

        // 3. One REINFORCE step on whole-sequence log-probabilities.
        var policyLoss: Float = 0
        let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
            let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout)
            let sequenceLogProbabilities = (evaluation.logProbabilities * evaluation.mask).sum(axis: 1)
            let loss = -(advantageTensor * sequenceLogProbabilities).sum() / Swift.max(rollout.validSamples.sum().item, 1)
            policyLoss = loss.item
            return loss
        }
        let norm = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)

        var metrics = rolloutMetrics(rollout, klCoefficient: configuration.klCoefficient)
        metrics["losses/policy"] = Double(policyLoss)
        metrics["gradients/norm"] = Double(norm)
        metrics["reward/penalised_mean"] = Double(penalised.reduce(0, +)) / Double(max(penalised.count, 1))
        return IterationReport(metrics: metrics, rollout: rollout)
    }
}
