import GenRLNN
import GenRLTensor

/// SeqGAN's generator update (Yu, Zhang, Wang & Yu, "SeqGAN: Sequence Generative
/// Adversarial Nets with Policy Gradient", AAAI 2017): REINFORCE without a baseline where
/// each token is weighted by its Monte Carlo action value,
///
///   loss = −Σ_{b,t} Q(y^b_{1:t−1}, y^b_t) · log G_θ(y^b_t | y^b_{1:t−1})      (Eq. 6–8)
///
/// summed over the batch and the tokens as in LantaoYu/SeqGAN's `g_loss` (Adam, step
/// size 0.01, gradient-norm clip 5). The values come from the setup's reward, a
/// `MonteCarloDiscriminatorReward` whose per-token scores are Q itself (so no
/// reward-to-go is formed: Q already looks ahead). One iteration is one adversarial
/// round's generator part: `generatorSteps` (g-steps) batches, each sampled, valued and
/// used for one update. The `Trainer` then calls the reward's `update` — the rollout
/// network's delayed update and the discriminator's d-steps — completing the round.
public final class SeqGAN: PolicyGradientAlgorithm {
    /// How the per-token terms of the loss are reduced.
    public enum Reduction: String, Codable, Sendable, CaseIterable {
        /// Σ over tokens and sequences (LantaoYu/SeqGAN).
        case sum
        /// Mean over the generated tokens.
        case mean
    }

    /// What is subtracted from Q before it weights log π.
    public enum Baseline: String, Codable, Sendable, CaseIterable {
        /// Nothing: Q itself, as in SeqGAN's paper and code. Every reward is positive, so
        /// each update raises the likelihood of every sampled sequence, by more for the
        /// better ones.
        case none
        /// The batch's mean Q at each step t, b_t = Σ_b Q_bt·m_bt / Σ_b m_bt (a variance
        /// reduction in the manner of REINFORCE with a baseline; not in the paper). Only
        /// the differences between samples move the policy, which a mixed reward such as
        /// ORGAN's needs for its objective term to show through.
        case batchMean = "batch_mean"
    }

    /// SeqGAN's generator-update settings; the defaults are LantaoYu/SeqGAN's.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Sequences per generator update (`BATCH_SIZE`, 64).
        public var batchSize = 64
        /// g-steps: generator updates per adversarial round (1 in the code's
        /// `for it in range(1)`; the paper's Algorithm 1 leaves it as g).
        public var generatorSteps = 1
        /// Gradient-norm clip (`grad_clip`, 5).
        public var maxGradientNorm: Float? = 5
        /// Reduction of the per-token loss terms (the reference sums).
        public var reduction = Reduction.sum
        /// The baseline subtracted from Q (the reference: none).
        public var baseline = Baseline.none

        /// The reference settings (64 sequences, one g-step, clip 5, sum, no baseline).
        public init() {}
    }

    /// The algorithm's name in metrics and logs.
    public let name = "seqgan"
    /// The generator (the policy), its optimizer, the random generator and the reward, whose
    /// per-token scores are taken as the action values Q (a `MonteCarloDiscriminatorReward`).
    public let setup: TrainingSetup
    /// Batch size, g-steps, clip, reduction and baseline.
    public let configuration: Configuration

    /// SeqGAN over `setup`, with the reference settings unless `configuration` says otherwise.
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        self.setup = setup
        self.configuration = configuration
    }

    /// One round's g-steps: `generatorSteps` updates, each on a fresh batch of `batchSize` samples.
    /// Reports the last batch's rollout metrics, `reward/action_value_mean` (mean Q over the
    /// generated tokens, averaged over the g-steps), and the last step's `losses/policy` and
    /// `gradients/norm` (before clipping).
    public func iterate() throws -> IterationReport {
        var lastRollout: Rollout?
        var policyLoss: Float = 0, norm: Float = 0, meanValue = 0.0
        for _ in 0..<configuration.generatorSteps {
            // 1. Sample a batch and value every token by Monte Carlo search.
            let rollout = try setup.collect(promptCount: configuration.batchSize)
            let values = Advantages.perTokenRewards(rollout)
            meanValue += Double(values.maskedMean(rollout.actionMask).item) / Double(configuration.generatorSteps)
            let weights = configuration.baseline == .none ? values : Self.centeredPerStep(values, mask: rollout.actionMask)

            // 2. One policy-gradient step on −Σ Q·log π.
            let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
                let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout)
                let weighted = weights * evaluation.logProbabilities * evaluation.mask
                let loss = configuration.reduction == .sum ? -weighted.sum() : -weighted.maskedMean(evaluation.mask)
                policyLoss = loss.item
                return loss
            }
            norm = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)
            lastRollout = rollout
        }
        var metrics = rolloutMetrics(lastRollout!)
        metrics["reward/action_value_mean"] = meanValue
        metrics["losses/policy"] = Double(policyLoss)
        metrics["gradients/norm"] = Double(norm)
        return IterationReport(metrics: metrics, rollout: lastRollout)
    }

    /// Q − b_t with b_t the mean of Q over the batch's valid tokens at step t ([B, T]).
    static func centeredPerStep(_ values: Tensor, mask: Tensor) -> Tensor {
        let counts = Tensor.maximum(mask.sum(axis: 0, keepingDimensions: true), Tensor([1]))
        let means = (values * mask).sum(axis: 0, keepingDimensions: true) / counts
        return (values - means) * mask
    }
}
