import GenRLModels
import GenRLNN
import GenRLTensor

/// How SeqGAN's discriminator is trained (LantaoYu/SeqGAN `sequence_gan.py` and
/// `discriminator.py`; the paper's appendix).
public struct DiscriminatorTrainingConfiguration: Codable, Sendable, Equatable {
    /// Sequences per minibatch (`dis_batch_size`, 64).
    public var batchSize = 64
    /// Adam's step size (1e-4 in `discriminator.py`).
    public var learningRate: Float = 1e-4
    /// λ of the L2 penalty λ·(½‖W_out‖² + ½‖b_out‖²) on the output layer (`dis_l2_reg_lambda`, 0.2).
    public var l2Coefficient: Float = 0.2
    /// Generated sequences sampled afresh for each d-step (`generated_num`, 10,000); as
    /// many real sequences are drawn from the training set (all of them when it has no more).
    public var negativeCount = 10_000
    /// Passes over each d-step's real + generated set (3).
    public var epochs = 3
    /// d-steps per adversarial round (5).
    public var steps = 5
    /// d-steps before adversarial training (50).
    public var pretrainingSteps = 50

    /// The reference settings.
    public init() {}
}

/// Trains a `CNNDiscriminator` to tell real sequences (class 1) from generated ones
/// (class 0) with softmax cross-entropy plus SeqGAN's L2 penalty on the output layer:
///
///     loss = mean_b CE(D(x_b), y_b) + λ·(½Σ W_out² + ½Σ b_out²)
///
/// One d-step takes `negativeCount` generated sequences and as many real ones, shuffles
/// them together and runs `epochs` passes of Adam steps over minibatches of `batchSize`
/// (dropout on, keep probability 0.75). The last partial minibatch is dropped, as the
/// reference's data loader does.
public final class DiscriminatorTrainer {
    /// The discriminator being trained (its parameters change in place).
    public let discriminator: CNNDiscriminator
    /// Batch size, step size, L2 coefficient, negatives, epochs, d-steps.
    public let configuration: DiscriminatorTrainingConfiguration
    /// Adam with `configuration.learningRate`, its moments kept across d-steps.
    public let optimizer: Adam
    /// The real sequences (each as long as the discriminator's input).
    public let positives: [[Int]]
    /// Draws the real subset and the minibatch order.
    public var generator: RandomGenerator

    /// A trainer of `discriminator` on the real sequences `positives`, its draws seeded by `seed`.
    ///
    /// - Precondition: `positives` is not empty.
    public init(discriminator: CNNDiscriminator, positives: [[Int]], configuration: DiscriminatorTrainingConfiguration,
                seed: UInt64) {
        precondition(!positives.isEmpty, "DiscriminatorTrainer: no real sequences")
        self.discriminator = discriminator
        self.configuration = configuration
        self.positives = positives
        optimizer = Adam(learningRate: configuration.learningRate)
        generator = RandomGenerator(seed: seed)
    }

    /// What one d-step measured: mean loss and accuracy over its minibatches (training
    /// mode), and the number of optimizer steps.
    public struct StepReport: Sendable {
        /// Mean loss (cross-entropy plus the L2 penalty) over the minibatches.
        public var loss: Double
        /// Fraction of the minibatches' examples whose argmax class was right.
        public var accuracy: Double
        /// Adam steps taken (full minibatches × epochs).
        public var updates: Int
    }

    /// One d-step on `negatives` and an equal number of real sequences.
    public func train(negatives: [[Int]], epochs: Int? = nil) -> StepReport {
        let realCount = Swift.min(negatives.count, positives.count)
        let realIndices = realCount == positives.count
            ? Array(positives.indices) : Array(generator.permutation(positives.count).prefix(realCount))
        let examples = realIndices.map { (positives[$0], 1) } + negatives.map { ($0, 0) }
        let length = discriminator.configuration.sequenceLength
        let batchSize = configuration.batchSize
        var lossSum = 0.0, correct = 0, seen = 0, updates = 0
        discriminator.train()
        defer { discriminator.eval() }
        for _ in 0..<(epochs ?? configuration.epochs) {
            let order = generator.permutation(examples.count)
            var start = 0
            while start + batchSize <= order.count {
                let batch = order[start..<(start + batchSize)].map { examples[$0] }
                start += batchSize
                let tokens = IntTensor(batch.flatMap { padded($0.0, to: length) }, shape: [batchSize, length])
                let labels = IntTensor(batch.map(\.1), shape: [batchSize])
                var logits: Tensor?
                let (loss, gradients) = valueAndGradients(of: discriminator) { model in
                    let output = model(tokens)
                    logits = output
                    return self.loss(logits: output, labels: labels)
                }
                optimizer.update(discriminator, gradients: gradients)
                updates += 1
                lossSum += Double(loss.item)
                let predicted = logits!.detached().argmax(axis: 1)
                correct += zip(predicted.scalars, labels.scalars).filter { $0 == $1 }.count
                seen += batchSize
            }
        }
        return StepReport(loss: lossSum / Double(Swift.max(updates, 1)), accuracy: Double(correct) / Double(Swift.max(seen, 1)),
                          updates: updates)
    }

    /// Cross-entropy plus the L2 penalty on the output layer.
    func loss(logits: Tensor, labels: IntTensor) -> Tensor {
        var total = Loss.crossEntropy(logits: logits, targets: labels)
        if configuration.l2Coefficient > 0 {
            var squares = discriminator.output.weight.squared().sum()
            if let bias = discriminator.output.bias { squares = squares + bias.squared().sum() }
            total = total + squares * (configuration.l2Coefficient / 2)
        }
        return total
    }

    /// Accuracy of the discriminator (evaluation mode) on real and generated sequences.
    public func accuracy(positives real: [[Int]], negatives generated: [[Int]]) -> Double {
        let length = discriminator.configuration.sequenceLength
        discriminator.eval()
        var correct = 0
        for (set, label) in [(real, 1), (generated, 0)] {
            var start = 0
            while start < set.count {
                let chunk = set[start..<Swift.min(set.count, start + 512)]
                let tokens = IntTensor(chunk.flatMap { padded($0, to: length) }, shape: [chunk.count, length])
                let probabilities = withNoGrad { discriminator.realProbability(tokens) }.scalars
                correct += probabilities.filter { label == 1 ? $0 > 0.5 : $0 <= 0.5 }.count
                start += chunk.count
            }
        }
        return Double(correct) / Double(Swift.max(real.count + generated.count, 1))
    }
}

/// `tokens` cut or right-padded with id 0 to `length`.
func padded(_ tokens: [Int], to length: Int) -> [Int] {
    tokens.count >= length ? Array(tokens.prefix(length)) : tokens + [Int](repeating: Vocabulary.paddingID, count: length - tokens.count)
}
