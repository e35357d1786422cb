import GenRLModels
import GenRLNN
import GenRLRL
import GenRLTensor

/// Preferences as (prompt, chosen, rejected) token sequences, the data of DPO and IPO,
/// with the reference model's log-probabilities computed once (as TRL's
/// `precompute_ref_log_probs`): the reference is frozen, so they never change.
///
/// A sequence is `<bos> prompt completion <eos>`; only the completion's tokens and the
/// `<eos>` are scored, log π(y | x) = Σₜ log π(yₜ | x, y<ₜ).
public struct PreferencePairs: Sendable {
    /// One pair.
    public struct Pair: Sendable, Equatable {
        /// The prompt's tokens, beginning with `<bos>`.
        public var prompt: [Int]
        /// The preferred completion's tokens, ending with `<eos>`.
        public var chosen: [Int]
        /// The other completion's tokens, ending with `<eos>`.
        public var rejected: [Int]
    }

    /// The pairs, in the order of the records they came from.
    public let pairs: [Pair]
    /// log π_ref(chosen | prompt) of each pair.
    public let referenceChosen: [Float]
    /// log π_ref(rejected | prompt) of each pair.
    public let referenceRejected: [Float]
    /// Number of scored tokens of each chosen and rejected completion.
    public let chosenLengths: [Int]
    /// Number of scored tokens of each rejected completion.
    public let rejectedLengths: [Int]

    /// The pairs every record states (`PreferenceLabel.orderedPairs`: a choice gives the
    /// chosen over each other completion, a ranking every pair across tiers; ties give
    /// none), scored under `reference` at `temperature`.
    public init(records: [PreferenceRecord], tokenizer: any Tokenizer, reference: any LanguageModel, temperature: Float = 1,
                chunkSize: Int = 64) {
        var pairs: [Pair] = []
        for record in records {
            let prompt = [Vocabulary.beginID] + tokenizer.encode(record.prompt)
            let encoded = record.completions.map { tokenizer.encode($0) + [Vocabulary.endID] }
            for (better, worse) in record.label.orderedPairs(completionCount: record.completions.count) {
                pairs.append(Pair(prompt: prompt, chosen: encoded[better], rejected: encoded[worse]))
            }
        }
        self.init(pairs: pairs, reference: reference, temperature: temperature, chunkSize: chunkSize)
    }

    /// Pairs already tokenized, scored under `reference`.
    public init(pairs: [Pair], reference: any LanguageModel, temperature: Float = 1, chunkSize: Int = 64) {
        self.pairs = pairs
        var chosen: [Float] = [], rejected: [Float] = []
        withNoGrad {
            for start in stride(from: 0, to: pairs.count, by: chunkSize) {
                let batch = Array(pairs[start..<min(start + chunkSize, pairs.count)])
                let (sums, _) = PreferencePairs.completionLogProbabilities(
                    of: reference, temperature: temperature,
                    prompts: batch.map(\.prompt) + batch.map(\.prompt), completions: batch.map(\.chosen) + batch.map(\.rejected))
                let values = sums.scalars
                chosen += values[0..<batch.count]
                rejected += values[batch.count...]
            }
        }
        referenceChosen = chosen
        referenceRejected = rejected
        chosenLengths = pairs.map(\.chosen.count)
        rejectedLengths = pairs.map(\.rejected.count)
    }

    /// Number of pairs.
    public var count: Int { pairs.count }

    /// log π(completion | prompt) of each row, [N] (recorded for gradients when the
    /// model's parameters are tracked), with the number of scored tokens per row.
    public static func completionLogProbabilities(of model: any LanguageModel, temperature: Float, prompts: [[Int]],
                                                  completions: [[Int]]) -> (sums: Tensor, tokenCounts: [Float]) {
        let sequences = zip(prompts, completions).map { $0 + $1 }
        let length = sequences.map(\.count).max()!
        let rows = sequences.count
        var tokens = [Int32](repeating: Int32(Vocabulary.paddingID), count: rows * length)
        var mask = [Float](repeating: 0, count: rows * (length - 1))
        for (row, sequence) in sequences.enumerated() {
            for (position, token) in sequence.enumerated() { tokens[row * length + position] = Int32(token) }
            // Target position t predicts token t + 1; score the completion's tokens.
            for t in (prompts[row].count - 1)..<(sequence.count - 1) { mask[row * (length - 1) + t] = 1 }
        }
        let (inputs, targets) = shiftedTokens(IntTensor(tokens, shape: [rows, length]))
        let logits = Policy.outputs(of: model, inputs, temperature: temperature).logits
        let maskTensor = Tensor(mask, shape: [rows, length - 1])
        let perToken = Tensor.selectedLogProbabilities(logits: logits, targets: targets) * maskTensor
        return (perToken.sum(axis: 1), completions.map { Float($0.count) })
    }

    /// The policy's log-ratio terms of the pairs `rows`:
    /// (log π(y_w) − log π_ref(y_w), log π(y_l) − log π_ref(y_l)), each [rows.count],
    /// divided by the completion lengths when `lengthNormalized`.
    func logRatios(policy: Policy, rows: [Int], lengthNormalized: Bool) -> (chosen: Tensor, rejected: Tensor) {
        let batch = rows.map { pairs[$0] }
        let (sums, _) = PreferencePairs.completionLogProbabilities(
            of: policy.model, temperature: policy.decoding.temperature,
            prompts: batch.map(\.prompt) + batch.map(\.prompt), completions: batch.map(\.chosen) + batch.map(\.rejected))
        let n = rows.count
        var chosen = sums.sliced(axis: 0, 0..<n) - Tensor(rows.map { referenceChosen[$0] })
        var rejected = sums.sliced(axis: 0, n..<(2 * n)) - Tensor(rows.map { referenceRejected[$0] })
        if lengthNormalized {
            chosen = chosen / Tensor(rows.map { Float(chosenLengths[$0]) })
            rejected = rejected / Tensor(rows.map { Float(rejectedLengths[$0]) })
        }
        return (chosen, rejected)
    }
}

/// Visits the pairs in seeded shuffled epochs, `batchSize` at a time.
struct PairBatches {
    let count: Int
    let batchSize: Int
    private(set) var epoch = 0
    private var order: [Int] = []
    private var cursor = 0

    init(count: Int, batchSize: Int) {
        precondition(count > 0, "no preference pairs to train on")
        self.count = count
        self.batchSize = min(batchSize, count)
    }

    /// One optimizer step of a pairwise loss on the next minibatch, the loop DPO and IPO
    /// share: `loss` maps the minibatch's log-ratios log π/π_ref of the chosen and the
    /// rejected completions to the loss and records its metrics; the gradient norm and
    /// the data epoch are added.
    mutating func step(setup: TrainingSetup, data: PreferencePairs, lengthNormalized: Bool, maxGradientNorm: Float?,
                       loss: (_ chosen: Tensor, _ rejected: Tensor, _ metrics: inout [String: Double]) -> Tensor)
        -> IterationReport {
        let rows = next(generator: &setup.generator)
        var metrics: [String: Double] = [:]
        let (_, gradients) = valueAndGradients(of: setup.policy.model) { _ in
            let (chosen, rejected) = data.logRatios(policy: setup.policy, rows: rows, lengthNormalized: lengthNormalized)
            return loss(chosen, rejected, &metrics)
        }
        metrics["gradients/norm"] = Double(setup.applyUpdate(gradients, maxNorm: maxGradientNorm))
        metrics["data/epoch"] = Double(epoch)
        return IterationReport(metrics: metrics, rollout: nil)
    }

    mutating func next(generator: inout RandomGenerator) -> [Int] {
        if cursor + batchSize > order.count {
            if !order.isEmpty { epoch += 1 }
            order = generator.permutation(count)
            cursor = 0
        }
        defer { cursor += batchSize }
        return Array(order[cursor..<(cursor + batchSize)])
    }
}
