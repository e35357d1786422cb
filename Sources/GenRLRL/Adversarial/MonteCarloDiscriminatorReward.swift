import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLTensor

/// SeqGAN's (and ORGAN's) reward as a GenRL `TrainableReward`: per-token action values
/// from Monte Carlo rollouts scored by a discriminator, and the discriminator's training
/// between policy updates.
///
/// `score` turns each sample's completion (the generated tokens, padded with id 0 to the
/// discriminator's length T) into the values Q(t) of `MonteCarloRewardEstimator` and
/// returns them as a dense reward: the terminal score is the value of the sample's last
/// token (D(Y) for SeqGAN) and the per-step scores are Q(1)…Q(n − 1) followed by 0, so
/// `Advantages.perTokenRewards` gives every generated token exactly its Q.
///
/// `update` — called by the `Trainer` after each iteration of the policy algorithm —
/// first moves the rollout network toward the generator (`RolloutNetwork.update`), then
/// runs `steps` d-steps, each on `negativeCount` sequences freshly sampled from the
/// generator (the samples of the iteration are not used), as `sequence_gan.py` does.
public final class MonteCarloDiscriminatorReward: TrainableReward {
    /// The reward's name in metrics (`seqgan_discriminator` unless set).
    public let name: String
    /// Completes prefixes and averages their scores.
    public let estimator: MonteCarloRewardEstimator
    /// G_β, the delayed copy of the generator.
    public let rollout: RolloutNetwork
    /// Scores completions (the discriminator, or ORGAN's mix).
    public let scorer: any CompletionScorer
    /// Trains the discriminator (nil: the discriminator is fixed, or there is none).
    public let trainer: DiscriminatorTrainer?
    /// T, the length of the discriminator's input.
    public let sequenceLength: Int
    /// Draws the rollouts and the generated sequences of the d-steps.
    public var generator: RandomGenerator
    /// The mean action value of the last scored batch.
    public private(set) var lastMeanActionValue = 0.0
    private let generatorSampler: LSTMSampler

    /// - Parameters:
    ///   - rollout: the rollout network, tracking the generator being trained.
    ///   - trainer: trains the discriminator in `update` (nil: no d-steps).
    ///   - sequenceLength: T, the generated length the discriminator reads.
    public init(name: String = "seqgan_discriminator", estimator: MonteCarloRewardEstimator, rollout: RolloutNetwork,
                scorer: any CompletionScorer, trainer: DiscriminatorTrainer?, sequenceLength: Int, seed: UInt64) {
        self.name = name
        self.estimator = estimator
        self.rollout = rollout
        self.scorer = scorer
        self.trainer = trainer
        self.sequenceLength = sequenceLength
        generator = RandomGenerator(seed: seed)
        generatorSampler = LSTMSampler(rollout.generatorModel)
    }

    /// The action values of every sample's tokens as a dense reward (see above); an empty
    /// completion scores 0. Sets `lastMeanActionValue`.
    public func score(_ samples: [Sample]) throws -> RewardScores {
        let sequences = samples.map { padded($0.completionTokens, to: sequenceLength) }
        let values = try estimator.actionValues(of: sequences, rollout: rollout.sampler, scorer: scorer, generator: &generator)
        var terminal: [Double?] = [], perStep: [[Double]] = []
        var total = 0.0, count = 0
        for (sample, row) in zip(samples, values) {
            let n = Swift.min(sample.completionTokens.count, sequenceLength)
            guard n > 0 else {
                terminal.append(0)
                perStep.append([])
                continue
            }
            terminal.append(row[n - 1])
            perStep.append(Array(row[0..<(n - 1)]) + [0] + [Double](repeating: 0, count: sample.completionTokens.count - n))
            total += row[0..<n].reduce(0, +)
            count += n
        }
        lastMeanActionValue = total / Double(Swift.max(count, 1))
        return RewardScores(terminal: terminal, perStep: perStep)
    }

    /// The delayed update of the rollout network, then the d-steps; returns
    /// `discriminator/loss` and `discriminator/accuracy` (means over the d-steps'
    /// minibatches, training mode) when the discriminator is trained.
    public func update(generated samples: [Sample], step: Int) throws -> [String: Double] {
        rollout.update()
        guard let trainer else { return [:] }
        var loss = 0.0, accuracy = 0.0
        for _ in 0..<trainer.configuration.steps {
            let report = trainer.train(negatives: sampleGenerated(count: trainer.configuration.negativeCount))
            loss += report.loss
            accuracy += report.accuracy
        }
        let steps = Double(Swift.max(trainer.configuration.steps, 1))
        return ["discriminator/loss": loss / steps, "discriminator/accuracy": accuracy / steps]
    }

    /// `count` sequences sampled from the generator's current weights, in the
    /// discriminator's layout (T tokens, padding after an end token).
    public func sampleGenerated(count: Int) -> [[Int]] {
        generatorSampler.refresh()
        let tokens = generatorSampler.sample(count: count, startToken: estimator.startToken, length: sequenceLength,
                                             generator: &generator)
        let plain = estimator.droppingStartColumn(tokens)
        return (0..<count).map { plain.row($0) }
    }
}
