import GenRLNN
import GenRLTensor

/// One training example for a reward model: a comparison, its label, and how much it
/// counts.
public struct PreferenceExample: Sendable, Equatable {
    /// The prompt.
    public var prompt: String
    /// The completions compared.
    public var completions: [String]
    /// The label.
    public var label: PreferenceLabel
    /// For pairs: the probability that completion 0 is preferred, replacing the label's
    /// 1, 0 or ½ (aggregated labels, Dawid–Skene posteriors). Nil: from the label.
    public var targetProbability: Double?
    /// The example's weight in the loss (labeller reliability; default 1).
    public var weight: Double

    /// An example.
    public init(prompt: String, completions: [String], label: PreferenceLabel, targetProbability: Double? = nil,
                weight: Double = 1) {
        self.prompt = prompt
        self.completions = completions
        self.label = label
        self.targetProbability = targetProbability
        self.weight = weight
    }

    /// The example of a stored record, weight 1.
    public init(_ record: PreferenceRecord) {
        self.init(prompt: record.prompt, completions: record.completions, label: record.label)
    }
}

/// Settings of reward-model training.
public struct RewardModelTrainingConfiguration: Codable, Sendable, Equatable {
    /// Passes over the examples per `train` call (Ouyang et al. 2022: 1 — more overfits).
    public var epochs = 1
    /// Fewest optimizer steps per member in one `train` call: passes over the examples are
    /// added to `epochs` until there are this many. A few hundred labels make only a handful
    /// of batches, so a model retrained from scratch on them would hardly move from its
    /// initialisation. 0: exactly `epochs` passes.
    public var minimumSteps = 0
    /// Comparisons per optimizer step (Ouyang et al. 2022: 64 prompts).
    public var batchSize = 32
    /// Adam's step size (Stiennon et al. 2020: 1.5e-5 for billion-parameter models; small
    /// character models need about 1e-3).
    public var learningRate: Float = 1e-3
    /// Decoupled weight decay of AdamW (0: plain Adam).
    public var weightDecay: Float = 0
    /// Gradient-norm clip (nil: none).
    public var maxGradientNorm: Float? = 1
    /// Train each ensemble member on its own bootstrap resample of the examples (Efron's
    /// bootstrap; without it members differ only by their heads and batch order).
    public var bootstrap = true
    /// Seed of resampling and batch order.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// Trains every member of a reward-model ensemble on preference examples: Bradley–Terry
/// on pairs, Plackett–Luce on rankings and multi-way choices (`PreferenceLoss`), each
/// example's loss multiplied by its weight, the batch loss Σwᵢℓᵢ / Σwᵢ. Each member keeps
/// its own optimizer across calls, so online training continues where it stopped.
public final class RewardModelTrainer {
    /// The ensemble trained.
    public let ensemble: RewardModelEnsemble
    /// The settings.
    public let configuration: RewardModelTrainingConfiguration
    /// One optimizer per member.
    public let optimizers: [any Optimizer]
    private var generator: RandomGenerator
    /// Optimizer steps taken by each member so far.
    public private(set) var steps: Int = 0

    /// A trainer of `ensemble`'s members.
    public init(ensemble: RewardModelEnsemble, configuration: RewardModelTrainingConfiguration = .init()) {
        self.ensemble = ensemble
        self.configuration = configuration
        optimizers = ensemble.members.map { _ in
            configuration.weightDecay > 0
                ? AdamW(learningRate: configuration.learningRate, weightDecay: configuration.weightDecay) as any Optimizer
                : Adam(learningRate: configuration.learningRate)
        }
        generator = RandomGenerator(seed: configuration.seed)
    }

    /// Trains each member for `epochs` (default: the configuration's) passes over
    /// `examples` (or its bootstrap resample), or as many more as `minimumSteps` asks for.
    /// Returns `reward_model/loss` (mean over the last epoch's batches, averaged over
    /// members) and `reward_model/train_accuracy`.
    @discardableResult
    public func train(_ examples: [PreferenceExample], epochs: Int? = nil) -> [String: Double] {
        guard !examples.isEmpty else { return [:] }
        var lossTotal = 0.0, accuracyTotal = 0.0
        for (member, model) in ensemble.members.enumerated() {
            let encoded = examples.map { example in
                example.completions.map { model.encode(prompt: example.prompt, completion: $0) }
            }
            let pool = configuration.bootstrap && ensemble.members.count > 1
                ? (0..<examples.count).map { _ in generator.nextInt(below: examples.count) }
                : Array(0..<examples.count)
            model.backbone.train()
            var epochLoss = 0.0, epochAccuracy = 0.0, batches = 0
            for _ in 0..<passes(over: pool.count, epochs: epochs ?? configuration.epochs) {
                (epochLoss, epochAccuracy, batches) = (0, 0, 0)
                let order = generator.permutation(pool.count).map { pool[$0] }
                for start in stride(from: 0, to: order.count, by: configuration.batchSize) {
                    let batch = Array(order[start..<min(start + configuration.batchSize, order.count)])
                    var accuracy = 0.0
                    let (loss, gradients) = valueAndGradients(of: model.backbone) { _ in
                        let (loss, correct) = Self.batchLoss(model: model, examples: batch.map { examples[$0] },
                                                             sequences: batch.map { encoded[$0] })
                        accuracy = correct
                        return loss
                    }
                    let scale = configuration.maxGradientNorm.map { gradients.clippingFactor($0).factor } ?? 1
                    optimizers[member].update(model.backbone, gradients: gradients, scale: scale)
                    if member == 0 { steps += 1 }
                    epochLoss += Double(loss.item)
                    epochAccuracy += accuracy
                    batches += 1
                }
            }
            model.backbone.eval()
            lossTotal += epochLoss / Double(max(batches, 1))
            accuracyTotal += epochAccuracy / Double(max(batches, 1))
        }
        let members = Double(ensemble.members.count)
        return ["reward_model/loss": lossTotal / members, "reward_model/train_accuracy": accuracyTotal / members]
    }

    /// The passes over `count` examples that one `train` call makes: `epochs`, or more if
    /// that is needed to reach `minimumSteps` optimizer steps.
    func passes(over count: Int, epochs: Int) -> Int {
        let batchesPerPass = (count + configuration.batchSize - 1) / configuration.batchSize
        guard configuration.minimumSteps > 0, batchesPerPass > 0 else { return epochs }
        return max(epochs, (configuration.minimumSteps + batchesPerPass - 1) / batchesPerPass)
    }

    /// The weighted loss of a batch and the fraction of its ordered pairs the model ranks
    /// as labelled (ties and unordered pairs left out).
    static func batchLoss(model: RewardModel, examples: [PreferenceExample], sequences: [[RewardModel.EncodedText]]) -> (Tensor, Double) {
        let rewards = model.rewards(sequences.flatMap { $0 })
        let values = rewards.scalars
        var offset = 0
        var firsts: [Int32] = [], seconds: [Int32] = [], targets: [Float] = [], pairWeights: [Float] = []
        var others: [Tensor] = []
        var correct = 0.0, judged = 0.0
        for (example, completions) in zip(examples, sequences) {
            let count = completions.count
            for (better, worse) in example.label.orderedPairs(completionCount: count) {
                judged += 1
                if values[offset + better] > values[offset + worse] { correct += 1 }
            }
            if count == 2 {
                firsts.append(Int32(offset))
                seconds.append(Int32(offset + 1))
                targets.append(Float(example.targetProbability ?? example.label.preference(of: 0, over: 1) ?? 0.5))
                pairWeights.append(Float(example.weight))
            } else {
                let own = rewards.sliced(axis: 0, offset..<(offset + count))
                others.append(PreferenceLoss.loss(rewards: own, label: example.label) * Float(example.weight))
            }
            offset += count
        }
        let totalWeight = Float(examples.map(\.weight).reduce(0, +))
        var total: Tensor?
        if !firsts.isEmpty {
            let pairLoss = PreferenceLoss.bradleyTerry(
                first: rewards.indexSelect(IntTensor(firsts, shape: [firsts.count]), axis: 0),
                second: rewards.indexSelect(IntTensor(seconds, shape: [seconds.count]), axis: 0),
                targetProbabilities: Tensor(targets), weights: Tensor(pairWeights), reduction: .sum)
            total = pairLoss
        }
        for loss in others { total = total.map { $0 + loss } ?? loss }
        let loss = (total ?? Tensor(scalar: 0)) / max(totalWeight, 1e-12)
        return (loss, judged > 0 ? correct / judged : 0)
    }
}
