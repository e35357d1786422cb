import GenRLModels
import GenRLNN
import GenRLTensor

/// Self-critical sequence training (Rennie et al. 2017): REINFORCE whose baseline for each
/// prompt is the reward of the model's own greedy decoding of that prompt, so a sample is
/// reinforced exactly when it beats what the model would say at test time:
///
///   loss = −mean_t[(r(w^s) − r(ŵ))·log π(w^s_t)],   ŵ = greedy decode.
public final class SCST: PolicyGradientAlgorithm {
    /// SCST's settings (the paper has no entropy bonus or KL penalty).
    public struct Configuration: Codable, Sendable, Equatable {
        /// Prompts per batch (one sample and one greedy decode each).
        public var batchSize = 32
        /// Entropy bonus weight (paper: none).
        public var entropyCoefficient: Float = 0
        /// β of a KL penalty in the reward (needs a reference; paper: none).
        public var klCoefficient: Double = 0
        /// Gradient-norm clip.
        public var maxGradientNorm: Float? = 1

        public init() {}
    }

    /// The name `scst`.
    public let name = "scst"
    /// The shared parts: policy, reference, reward, prompts, optimizer.
    public let setup: TrainingSetup
    /// The settings.
    public let configuration: Configuration

    /// SCST on `setup`.
    public init(setup: TrainingSetup, configuration: Configuration = Configuration()) {
        self.setup = setup
        self.configuration = configuration
    }

    /// One iteration: one sample and one greedy decode of each prompt, the greedy reward as baseline
    /// (prompts whose greedy decode has no score are left out), one gradient step.
    public func iterate() throws -> IterationReport {
        // 1. Sampled completions, and the greedy decode of the same prompts.
        let prompts = setup.prompts.next(configuration.batchSize)
        let rollout = try setup.collector.collect(policy: setup.policy, reference: setup.reference, reward: setup.reward,
                                                  prompts: prompts, generator: &setup.generator)
        var greedy = setup.policy.decoding
        greedy.greedy = true
        let greedyBatch = Generation.sample(model: setup.policy.model, prompts: prompts.map(\.tokens), configuration: greedy,
                                            generator: &setup.generator)
        let greedySamples = setup.collector.makeSamples(greedyBatch, prompts: prompts, tokenizer: setup.policy.tokenizer)
        let greedyScores = try setup.reward.checkedScore(greedySamples).terminal

        // 2. Advantage: the sample's return minus the greedy reward.
        let rewards = Advantages.perTokenRewards(rollout, klCoefficient: configuration.klCoefficient)
        let returns = Advantages.rewardsToGo(rewards, mask: rollout.actionMask)
        let baseline = greedyScores.map { Float($0 ?? 0) }
        let greedyValid = Tensor(greedyScores.map { $0 == nil ? Float(0) : 1 }, shape: [baseline.count, 1])
        let mask = rollout.actionMask * greedyValid
        let advantages = (returns - Tensor(baseline, shape: [baseline.count, 1])) * mask

        // 3. One gradient step.
        var policyLoss: Float = 0
        let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
            let evaluation = PolicyEvaluation(policy: setup.policy, rollout: rollout)
            let pg = -(advantages * evaluation.logProbabilities).maskedMean(mask)
            policyLoss = pg.item
            return pg - configuration.entropyCoefficient * evaluation.entropies.maskedMean(mask)
        }
        let norm = setup.applyUpdate(gradients, maxNorm: configuration.maxGradientNorm)

        var metrics = rolloutMetrics(rollout, klCoefficient: configuration.klCoefficient)
        let validBaselines = greedyScores.compactMap { $0 }
        metrics["reward/greedy_mean"] = validBaselines.reduce(0, +) / Double(max(validBaselines.count, 1))
        metrics["losses/policy"] = Double(policyLoss)
        metrics["gradients/norm"] = Double(norm)
        return IterationReport(metrics: metrics, rollout: rollout)
    }
}
