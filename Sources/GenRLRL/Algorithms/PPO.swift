import GenRLNN
import GenRLTensor

/// Proximal policy optimisation (Schulman et al. 2017) for language models, as Ziegler et
/// al. (2019) and TRL apply it: per-token rewards shaped by the KL to a reference, GAE
/// with the policy's value head, whitened advantages, and epochs × minibatches of the
/// clipped surrogate:
///
///   ρₜ = exp(log π(aₜ) − log π_old(aₜ))
///   policy loss = mean_t max(−Âₜ·ρₜ, −Âₜ·clip(ρₜ, 1 − ε, 1 + ε))
///   value loss  = ½·mean_t max((V − R)², (V_old + clip(V − V_old, −ε_V, ε_V) − R)²)
///   loss = policy loss + c_V·value loss − c_H·entropy (+ β·KL when the KL is a loss term)
public final class PPO: PolicyGradientAlgorithm {
    /// Where the KL to the reference enters.
    ///
    /// With the exact KL, put it in the loss: as a reward, KL(π(·|sₜ) ‖ π_ref(·|sₜ))
    /// depends on the state only, so the score-function gradient loses its direct part
    /// and the policy can drift far from the reference (docs/preferences.md measures it).
    /// The reward placement is meant for the k1 estimate log π(aₜ) − log π_ref(aₜ).
    public enum KLPlacement: String, Codable, Sendable, CaseIterable {
        /// As a per-token reward penalty −β·KLₜ (Ziegler et al. 2019; TRL, with k1).
        case reward
        /// As a term β·mean KL added to the loss, differentiated exactly (as GRPO does).
        case loss
    }

    /// PPO's settings, with the paper's, TRL's and the gpt-ppo benchmark's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Prompts per rollout (TRL: 64; the gpt-ppo benchmark: 32).
        public var batchSize = 32
        /// Passes over each rollout (CleanRL/TRL: 4).
        public var epochs = 4
        /// Sequences per minibatch (the benchmark: 8, i.e. 4 minibatches).
        public var minibatchSize = 8
        /// Policy ratio clip ε (paper: 0.2).
        public var clipEpsilon: Float = 0.2
        /// Value clip ε_V around the old values (TRL cliprange_value: 0.2; nil: unclipped).
        public var valueClipEpsilon: Float? = 0.2
        /// Value-loss weight c_V (TRL vf_coef: 0.1).
        public var valueCoefficient: Float = 0.1
        /// Entropy bonus c_H (TRL: 0).
        public var entropyCoefficient: Float = 0
        /// Discount γ (1 for text).
        public var gamma: Float = 1
        /// GAE λ (TRL: 0.95).
        public var lambda: Float = 0.95
        /// Whiten advantages over each rollout (TRL: yes).
        public var whitenAdvantages = true
        /// Initial KL coefficient β (TRL: 0.2 adaptive; the benchmark: 0.05 fixed).
        public var klCoefficient: Double = 0.05
        /// Adapt β toward this KL in nats per sequence (Ziegler et al.; nil: fixed β).
        public var targetKL: Double? = nil
        /// Horizon of the adaptive controller (TRL: 10 000).
        public var klHorizon: Double = 10_000
        /// Where the KL enters (TRL: the reward, with k1; GenRL's default: the loss, which
        /// suits the exact KL).
        public var klPlacement = KLPlacement.loss
        /// Gradient-norm clip (the benchmark: 1).
        public var maxGradientNorm: Float? = 1
        /// Stop the epochs of a rollout early when the approximate KL between the new and
        /// old policy exceeds this (CleanRL target_kl; nil: never).
        public var earlyStopKL: Float? = nil

        public init() {}
    }

    /// The name `ppo`.
    public let name = "ppo"
    /// The shared parts; the policy's model must have a value head.
    public let setup: TrainingSetup
    /// The settings.
    public let configuration: Configuration
    /// The KL coefficient β: fixed, or adaptive when `targetKL` is set.
    public private(set) var klController: KLController

    /// PPO on `setup`, whose policy must have a value head.
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        precondition(setup.policy.model.hasValueHead, "PPO needs a policy with a value head")
        self.setup = setup
        self.configuration = configuration
        klController = KLController(
            coefficient: configuration.klCoefficient,
            mode: configuration.targetKL.map { .adaptive(target: $0, horizon: configuration.klHorizon) } ?? .fixed)
    }

    /// One iteration: a rollout of `batchSize` prompts, KL-shaped rewards, GAE, then `epochs` passes of
    /// minibatch steps on the clipped loss (stopped early past `earlyStopKL`); updates β afterwards.
    public func iterate() throws -> IterationReport {
        // 1. Rollout, with old log-probabilities, values and the KL to the reference.
        let rollout = try setup.collect(promptCount: configuration.batchSize)
        let mask = rollout.actionMask
        let beta = klController.coefficient

        // 2. Shaped rewards, GAE, whitening.
        let rewards = Advantages.perTokenRewards(rollout, klCoefficient: configuration.klPlacement == .reward ? beta : 0)
        let oldValues = rollout.values!
        var (advantages, returns) = Advantages.generalizedAdvantages(
            rewards: rewards, values: oldValues, mask: mask, gamma: configuration.gamma, lambda: configuration.lambda)
        if configuration.whitenAdvantages { advantages = Advantages.whitened(advantages, mask: mask) }

        // The frozen reference's logits over the rollout, for the KL loss: computed once,
        // not again in every minibatch of every epoch.
        let referenceLogits = configuration.klPlacement == .loss ? setup.reference.map { reference in
            withNoGrad { Policy.outputs(of: reference, rollout.inputs, temperature: setup.policy.decoding.temperature).logits }
        } : nil

        // 3. Epochs × minibatches of the clipped objective. Every term is masked to the
        // actions, so the policy's outputs are computed from the first action on.
        let firstAction = rollout.firstActionPosition
        var sums: [String: Double] = [:]
        var updates = 0
        epochs: for _ in 0..<configuration.epochs {
            let order = setup.generator.permutation(rollout.batchSize)
            var epochKL: Float = 0, minibatches = 0
            for start in stride(from: 0, to: order.count, by: configuration.minibatchSize) {
                let rows = Array(order[start..<min(start + configuration.minibatchSize, order.count)])
                var terms: [String: Float] = [:]
                let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
                    let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout, rows: rows, outputsFrom: firstAction)
                    let m = evaluation.mask
                    let advantage = advantages.selectingRows(rows)
                    let logRatio = evaluation.logProbabilities - rollout.oldLogProbabilities.selectingRows(rows)
                    let ratio = logRatio.exp()
                    let clippedRatio = ratio.clamped(min: 1 - configuration.clipEpsilon, max: 1 + configuration.clipEpsilon)
                    let policyLoss = Tensor.maximum(-advantage * ratio, -advantage * clippedRatio).maskedMean(m)

                    let values = evaluation.values!
                    let target = returns.selectingRows(rows)
                    var valueError = (values - target).squared()
                    if let clip = configuration.valueClipEpsilon {
                        let old = oldValues.selectingRows(rows)
                        let clippedValues = old + (values - old).clamped(min: -clip, max: clip)
                        valueError = Tensor.maximum(valueError, (clippedValues - target).squared())
                    }
                    let valueLoss = 0.5 * valueError.maskedMean(m)
                    let entropy = evaluation.entropies.maskedMean(m)
                    var loss = policyLoss + configuration.valueCoefficient * valueLoss
                    // The entropy is reported either way; only a coefficient puts it (and its
                    // gradient, a softmax's worth of work per minibatch) into the loss.
                    if configuration.entropyCoefficient != 0 { loss = loss - configuration.entropyCoefficient * entropy }
                    if let referenceLogits {
                        let kl = KLDivergence.exactLoss(policyLogits: evaluation.logits,
                                                        referenceLogits: referenceLogits.selectingRows(rows)).maskedMean(m)
                        loss = loss + Float(beta) * kl
                        terms["losses/kl"] = kl.item
                    }
                    let approxKL = ((ratio - 1) - logRatio).detached().maskedMean(m)  // k3 of new vs old
                    let clipped = ((ratio.detached() - 1).abs() .> configuration.clipEpsilon).maskedMean(m)
                    terms["losses/policy"] = policyLoss.item
                    terms["losses/value"] = valueLoss.item
                    terms["losses/entropy"] = entropy.item
                    terms["losses/total"] = loss.item
                    terms["policy/approx_kl"] = approxKL.item
                    terms["policy/clip_fraction"] = clipped.item
                    return loss
                }
                terms["gradients/norm"] = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)
                for (key, value) in terms { sums[key, default: 0] += Double(value) }
                updates += 1
                epochKL += terms["policy/approx_kl"]!
                minibatches += 1
            }
            if let limit = configuration.earlyStopKL, epochKL / Float(minibatches) > limit { break epochs }
        }

        // 4. Adapt β to the KL this rollout reached.
        var metrics = rolloutMetrics(rollout, klCoefficient: beta)
        klController.update(currentKL: metrics["kl/mean"] ?? 0, sampleCount: rollout.batchSize)
        for (key, total) in sums { metrics[key] = total / Double(max(updates, 1)) }
        metrics["policy/updates"] = Double(updates)
        let (returnMean, _) = returns.maskedStatistics(mask)
        metrics["values/return_mean"] = returnMean
        metrics["values/value_mean"] = oldValues.maskedStatistics(mask).mean
        return IterationReport(metrics: metrics, rollout: rollout)
    }

    /// The KL coefficient β under `kl_coefficient`.
    public func checkpointState() -> [String: [Double]] { ["kl_coefficient": [klController.coefficient]] }

    /// Restores β from `kl_coefficient` (the mode stays the configuration's).
    public func restore(checkpointState: [String: [Double]]) throws {
        if let value = checkpointState["kl_coefficient"]?.first {
            klController = KLController(coefficient: value, mode: klController.mode)
        }
    }
}
