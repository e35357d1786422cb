import GenRLNN
import GenRLRL
import GenRLTensor

/// Identity preference optimisation (Azar et al. 2023, "A general theoretical paradigm
/// to understand learning from human preferences", ΨPO with Ψ the identity): like DPO it
/// learns from pairs against a reference, but regresses the log-ratio gap to a fixed
/// target instead of pushing it to infinity, so the KL regularisation keeps working even
/// when the preferences are deterministic:
///
///   h = (log π(y_w|x) − log π_ref(y_w|x)) − (log π(y_l|x) − log π_ref(y_l|x))
///   loss = (h − 1/(2τ))²
///
/// τ is the regularisation strength (larger τ, smaller target gap, closer to the
/// reference). With `lengthNormalized` the log-probabilities are averaged over each
/// completion's tokens rather than summed, as TRL implements IPO on the authors' advice.
/// Each `iterate` is one optimizer step on a minibatch of pairs.
public final class IPO: PolicyGradientAlgorithm {
    /// IPO's settings.
    public struct Configuration: Codable, Sendable, Equatable {
        /// τ (TRL's default β for IPO: 0.1, a target gap of 5).
        public var tau: Float = 0.1
        /// Average log-probabilities over tokens instead of summing them (TRL: yes).
        public var lengthNormalized = true
        /// Pairs per optimizer step (as DPO: 64).
        public var batchSize = 64
        /// Gradient-norm clip (as DPO's code: 10; nil: none).
        public var maxGradientNorm: Float? = 10

        /// The defaults (the values above).
        public init() {}
    }

    /// The algorithm's name in metrics and logs.
    public let name = "ipo"
    /// The policy, its frozen reference, the optimizer and the random generator.
    public let setup: TrainingSetup
    /// The settings it was made with.
    public let configuration: Configuration
    /// The preference pairs, with the reference's log-probabilities.
    public let data: PreferencePairs
    private var batches: PairBatches

    /// - Parameter setup: the policy, its frozen reference (the one `data` was scored with),
    ///   the optimizer and the random generator.
    public init(setup: TrainingSetup, data: PreferencePairs, configuration: Configuration = Configuration()) {
        precondition(setup.reference != nil, "IPO needs a reference model")
        self.setup = setup
        self.data = data
        self.configuration = configuration
        batches = PairBatches(count: data.count, batchSize: configuration.batchSize)
    }

    /// One optimizer step on the next minibatch of pairs.
    public func iterate() throws -> IterationReport {
        let target = 1 / (2 * configuration.tau)
        return batches.step(setup: setup, data: data, lengthNormalized: configuration.lengthNormalized,
                            maxGradientNorm: configuration.maxGradientNorm) { chosen, rejected, metrics in
            let h = chosen - rejected
            let loss = (h - target).squared().mean()
            let gap = h.detached()
            metrics["losses/ipo"] = Double(loss.item)
            metrics["rewards/margin"] = Double(gap.mean().item)
            metrics["rewards/accuracy"] = Double((gap .> 0).mean().item)
            metrics["rewards/chosen"] = Double(chosen.detached().mean().item)
            metrics["rewards/rejected"] = Double(rejected.detached().mean().item)
            return loss
        }
    }
}
