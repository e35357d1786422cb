import GenRLNN
import GenRLRL
import GenRLTensor

/// Direct preference optimisation (Rafailov et al. 2023): the policy learns from
/// preference pairs directly, without a reward model or sampling, by making the
/// preferred completion more likely relative to the reference model than the other:
///
///   h = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))
///   loss = −(1 − ε)·log σ(β·h) − ε·log σ(−β·h)
///
/// β plays the part of the KL coefficient of RLHF (the optimum of the KL-regularised
/// objective is π ∝ π_ref·exp(r/β)), and β·(log π − log π_ref) is the reward the policy
/// implicitly defines. ε > 0 is conservative DPO (Mitchell 2023), for labels believed
/// flipped with probability ε. Each `iterate` is one optimizer step on a minibatch of
/// pairs; the pairs are visited in seeded shuffled epochs.
///
/// DPO never samples and never calls `setup.reward`; an evaluation wrapper
/// (`GoldRewardWatch`) may use the setup to sample and score the policy.
public final class DPO: PolicyGradientAlgorithm {
    /// DPO's settings, with the paper's defaults.
    public struct Configuration: Codable, Sendable, Equatable {
        /// β, the strength of the pull toward the reference (paper: 0.1; 0.5 for TL;DR
        /// summarisation).
        public var beta: Float = 0.1
        /// ε of conservative DPO, the assumed label-flip rate (paper: 0, plain DPO).
        public var labelSmoothing: Float = 0
        /// Pairs per optimizer step (paper: 64).
        public var batchSize = 64
        /// Gradient-norm clip (the paper's code: 10; nil: none).
        public var maxGradientNorm: Float? = 10

        /// The defaults (the values above).
        public init() {}
    }

    /// The algorithm's name in metrics and logs.
    public let name = "dpo"
    /// The policy, its frozen reference, the optimizer and the random generator.
    public let setup: TrainingSetup
    /// The settings it was made with.
    public let configuration: Configuration
    /// The preference pairs, with the reference's log-probabilities.
    public let data: PreferencePairs
    private var batches: PairBatches

    /// - Parameter setup: the policy, its frozen reference (the same one `data` was scored
    ///   with), the optimizer and the random generator.
    public init(setup: TrainingSetup, data: PreferencePairs, configuration: Configuration = Configuration()) {
        precondition(setup.reference != nil, "DPO needs a reference model")
        self.setup = setup
        self.data = data
        self.configuration = configuration
        batches = PairBatches(count: data.count, batchSize: configuration.batchSize)
    }

    /// One optimizer step on the next minibatch of pairs.
    public func iterate() throws -> IterationReport {
        let beta = configuration.beta, epsilon = configuration.labelSmoothing
        return batches.step(setup: setup, data: data, lengthNormalized: false,
                            maxGradientNorm: configuration.maxGradientNorm) { chosen, rejected, metrics in
            let h = chosen - rejected
            let perPair = -(1 - epsilon) * (beta * h).logSigmoid() - epsilon * (-beta * h).logSigmoid()
            let loss = perPair.mean()
            let chosenRewards = (beta * chosen).detached(), rejectedRewards = (beta * rejected).detached()
            metrics["losses/dpo"] = Double(loss.item)
            metrics["rewards/chosen"] = Double(chosenRewards.mean().item)
            metrics["rewards/rejected"] = Double(rejectedRewards.mean().item)
            metrics["rewards/margin"] = Double((chosenRewards - rejectedRewards).mean().item)
            metrics["rewards/accuracy"] = Double((chosenRewards .> rejectedRewards).mean().item)
            return loss
        }
    }
}
