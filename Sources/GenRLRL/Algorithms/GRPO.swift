import GenRLNN
import GenRLTensor

/// Group relative policy optimisation (Shao et al. 2024, DeepSeekMath §4.1): no critic;
/// G completions per prompt, each advantaged by its reward normalised within the group,
/// a clipped surrogate, and the KL to the reference as a loss term:
///
///   Âᵢ = (rᵢ − mean(r_group)) / (std(r_group) + ε)     (on every token of completion i)
///   J = mean_i (1/|oᵢ|) Σₜ [min(ρᵢₜÂᵢ, clip(ρᵢₜ, 1−ε, 1+ε)Âᵢ) − β·KLᵢₜ]
///
/// with KL by the k3 estimator π_ref/π − log(π_ref/π) − 1 as in the paper (exact
/// available). The loss is −J.
public final class GRPO: PolicyGradientAlgorithm {
    /// How per-token losses become one number.
    public enum LossAggregation: String, Codable, Sendable, CaseIterable {
        /// Mean over each sequence's tokens, then over sequences (the paper).
        case sequenceMean = "sequence_mean"
        /// Mean over all tokens of the batch (DAPO, Yu et al. 2025).
        case tokenMean = "token_mean"
    }

    /// GRPO's settings, with the paper's and TRL's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Distinct prompts per batch.
        public var promptsPerBatch = 8
        /// Completions per prompt G (TRL: 8; DeepSeekMath: 64).
        public var groupSize = 8
        /// Gradient steps μ per batch (paper: 1 in the main runs; TRL: 1).
        public var iterations = 1
        /// Ratio clip ε (paper: 0.2).
        public var clipEpsilon: Float = 0.2
        /// KL weight β (paper: 0.04).
        public var klCoefficient: Float = 0.04
        /// KL estimator in the loss (paper: k3).
        public var klEstimator = KLEstimator.k3
        /// Added to the group standard deviation.
        public var advantageEpsilon: Float = 1e-4
        /// How token losses are averaged.
        public var lossAggregation = LossAggregation.sequenceMean
        /// Gradient-norm clip.
        public var maxGradientNorm: Float? = 1

        public init() {}
    }

    /// The name `grpo`.
    public let name = "grpo"
    /// The shared parts: policy, reference, reward, prompts, optimizer.
    public let setup: TrainingSetup
    /// The settings.
    public let configuration: Configuration

    /// GRPO on `setup`; the KL term needs `setup.reference`.
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        self.setup = setup
        self.configuration = configuration
    }

    /// One iteration: `groupSize` completions of each of `promptsPerBatch` prompts, group-normalised
    /// advantages, then `iterations` gradient steps on the clipped surrogate with the KL term.
    public func iterate() throws -> IterationReport {
        // 1. G completions for each prompt.
        let rollout = try setup.collect(promptCount: configuration.promptsPerBatch, samplesPerPrompt: configuration.groupSize)
        let mask = rollout.actionMask

        // 2. Group-normalised advantages on every token.
        let normalized = Advantages.groupNormalized(rollout.rewardValues, groups: rollout.groups,
                                                    valid: rollout.validSamples.scalars, epsilon: configuration.advantageEpsilon)
        let advantages = Advantages.broadcastToActions(normalized, mask: mask)

        // 3. μ gradient steps on the whole group batch.
        var sums: [String: Double] = [:]
        for _ in 0..<configuration.iterations {
            var terms: [String: Float] = [:]
            let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
                let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout)
                let logRatio = evaluation.logProbabilities - rollout.oldLogProbabilities
                let ratio = logRatio.exp()
                let clippedRatio = ratio.clamped(min: 1 - configuration.clipEpsilon, max: 1 + configuration.clipEpsilon)
                let surrogate = Tensor.minimum(ratio * advantages, clippedRatio * advantages)
                var perToken = -surrogate
                if let reference = rollout.referenceLogProbabilities, configuration.klCoefficient > 0 {
                    var referenceLogits: Tensor?
                    if configuration.klEstimator == .exact, let model = setup.reference {
                        referenceLogits = withNoGrad {
                            Policy.outputs(of: model, rollout.inputs, temperature: setup.policy.decoding.temperature).logits
                        }
                    }
                    let kl = KLDivergence.perToken(configuration.klEstimator, policyLogProbabilities: evaluation.logProbabilities,
                                                   referenceLogProbabilities: reference, policyLogits: evaluation.logits,
                                                   referenceLogits: referenceLogits)
                    perToken = perToken + configuration.klCoefficient * kl
                    terms["losses/kl"] = kl.maskedMean(mask).item
                }
                let loss = aggregate(perToken, mask: mask)
                terms["losses/policy"] = aggregate(-surrogate, mask: mask).item
                terms["losses/total"] = loss.item
                terms["policy/clip_fraction"] = ((ratio.detached() - 1).abs() .> configuration.clipEpsilon).maskedMean(mask).item
                return loss
            }
            terms["gradients/norm"] = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)
            for (key, value) in terms { sums[key, default: 0] += Double(value) }
        }

        var metrics = rolloutMetrics(rollout, klCoefficient: Double(configuration.klCoefficient))
        for (key, total) in sums { metrics[key] = total / Double(configuration.iterations) }
        metrics["reward/group_std_mean"] = groupStandardDeviationMean(rollout)
        return IterationReport(metrics: metrics, rollout: rollout)
    }

    /// The per-token loss reduced as configured.
    private func aggregate(_ perToken: Tensor, mask: Tensor) -> Tensor {
        switch configuration.lossAggregation {
        case .tokenMean:
            return perToken.maskedMean(mask)
        case .sequenceMean:
            let lengths = Tensor.maximum(mask.sum(axis: 1), Tensor(scalar: 1))
            let perSequence = (perToken * mask).sum(axis: 1) / lengths
            let sequences = Swift.max((mask.sum(axis: 1) .> 0).sum().item, 1)
            return perSequence.sum() / sequences
        }
    }

    /// Mean within-group reward standard deviation: 0 means no learning signal.
    private func groupStandardDeviationMean(_ rollout: Rollout) -> Double {
        var byGroup: [Int: [Double]] = [:]
        for (i, g) in rollout.groups.enumerated() where rollout.validSamples.scalars[i] != 0 {
            byGroup[g, default: []].append(Double(rollout.rewardValues[i]))
        }
        let deviations = byGroup.values.map { values -> Double in
            let mean = values.reduce(0, +) / Double(values.count)
            return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
        }
        return deviations.reduce(0, +) / Double(max(deviations.count, 1))
    }
}
