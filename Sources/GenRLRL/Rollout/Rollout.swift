import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLTensor

/// What one batch of generation produced, as every on-policy algorithm consumes it.
///
/// Per-action tensors are [B, T] with T = L − 1 for sequences of length L: entry (i, t)
/// describes the token at position t + 1, chosen from the model's output at position t
/// (teacher forcing reads `inputs` = tokens[:, :-1] and predicts `targets` = tokens[:, 1:]).
/// `actionMask` is 1 at generated tokens of samples that have a score, 0 elsewhere.
public struct Rollout: @unchecked Sendable {
    /// The generation itself.
    public let generated: GeneratedBatch
    /// The samples as the reward saw them.
    public let samples: [Sample]
    /// The reward's answer.
    public let scores: RewardScores
    /// Index of each sample's prompt within the batch's distinct prompts (GRPO and RLOO
    /// groups: the k samples of one prompt share an index).
    public let groups: [Int]

    /// tokens[:, :-1], [B, T].
    public let inputs: IntTensor
    /// tokens[:, 1:], [B, T].
    public let targets: IntTensor
    /// 1 at generated tokens of scored samples, [B, T].
    public let actionMask: Tensor
    /// 1 for samples with a terminal score, [B].
    public let validSamples: Tensor
    /// Terminal score of each sample (0 where missing), [B].
    public let terminalRewards: Tensor
    /// Dense scores placed at their actions, [B, T], when the reward gives them.
    public let denseRewards: Tensor?
    /// log π_old(aₜ) at collection time (no gradient), [B, T]: the generation's own record
    /// when it is the same quantity (`RolloutCollector.generationRecordsPolicy`), else
    /// recomputed by teacher forcing.
    public let oldLogProbabilities: Tensor
    /// log π_ref(aₜ) of the reference model, [B, T], when there is one.
    public let referenceLogProbabilities: Tensor?
    /// KL(π_old ‖ π_ref) at each action by the chosen estimator, [B, T] (0 off the mask).
    public let klPerToken: Tensor?
    /// Value estimates V(sₜ) of the policy's value head, [B, T].
    public let values: Tensor?

    /// Number of samples.
    public var batchSize: Int { samples.count }
    /// Number of action positions per row.
    public var steps: Int { inputs.shape[1] }

    /// The first position at which some row takes an action (0 when none does): outputs
    /// at earlier positions (the prompts') enter no masked quantity, so teacher-forced
    /// passes may start their outputs there (`Policy.outputs(_:targets:from:)`).
    public var firstActionPosition: Int { Rollout.firstActionPosition(in: actionMask) }

    /// The first column of a [B, T] action mask with a nonzero entry (0 when none has one).
    static func firstActionPosition(in actionMask: Tensor) -> Int {
        let (batch, steps) = (actionMask.shape[0], actionMask.shape[1])
        let mask = actionMask.scalars
        return (0..<steps).first { t in (0..<batch).contains { mask[$0 * steps + t] != 0 } } ?? 0
    }

    /// Index of each row's last generated token (−1 for a row without one).
    public var lastActionIndex: [Int] {
        (0..<batchSize).map { i in (0..<steps).last { actionMask[i, $0] == 1 } ?? -1 }
    }

    /// Σₜ KL per sequence, [B] (0 without a reference).
    public var sequenceKL: Tensor {
        klPerToken.map { ($0 * actionMask).sum(axis: 1) } ?? Tensor.zeros([batchSize])
    }

    /// Terminal rewards with missing scores as 0 (see `validSamples`).
    public var rewardValues: [Float] { terminalRewards.scalars }
}

/// Makes `Rollout`s: generates, scores, and measures the KL to the reference.
public struct RolloutCollector {
    /// Which KL estimator fills `Rollout.klPerToken`.
    public var klEstimator: KLEstimator = .exact

    /// A collector that measures the KL with `klEstimator`.
    public init(klEstimator: KLEstimator = .exact) { self.klEstimator = klEstimator }

    /// One rollout: `samplesPerPrompt` completions of each prompt (consecutive rows share a
    /// group), scored by `reward`, with old log-probabilities, values and the KL to
    /// `reference` (the reference's log-probabilities by teacher forcing; the policy's
    /// from the generation or by teacher forcing, see `generationRecordsPolicy`).
    public func collect(policy: Policy, reference: (any LanguageModel)?, reward: any RewardFunction, prompts: [Prompt],
                        samplesPerPrompt: Int = 1, extraProcessors: [any LogitProcessor] = [],
                        generator: inout RandomGenerator) throws -> Rollout {
        let expanded = prompts.flatMap { Array(repeating: $0, count: samplesPerPrompt) }
        let groups = prompts.indices.flatMap { Array(repeating: $0, count: samplesPerPrompt) }
        let generated = PhaseTally.measure("generation") {
            Generation.sample(model: policy.model, prompts: expanded.map(\.tokens), configuration: policy.decoding,
                              extraProcessors: extraProcessors, generator: &generator)
        }
        let samples = makeSamples(generated, prompts: expanded, tokenizer: policy.tokenizer)
        let scores = try PhaseTally.measure("reward") { try reward.checkedScore(samples) }
        return PhaseTally.measure("rollout passes") {
            assemble(generated: generated, samples: samples, scores: scores, groups: groups, policy: policy, reference: reference)
        }
    }

    /// Samples as rewards see them: prompt text and references from `prompts`, completion
    /// text decoded without the end token.
    public func makeSamples(_ generated: GeneratedBatch, prompts: [Prompt], tokenizer: any Tokenizer) -> [Sample] {
        (0..<generated.batchSize).map { i in
            let completion = generated.completion(i)
            let text = tokenizer.decode(completion.filter { $0 != Vocabulary.endID })
            return Sample(index: i, prompt: prompts[i].text, completion: text, promptTokens: prompts[i].tokens,
                          completionTokens: completion, references: prompts[i].references)
        }
    }

    /// The rollout of an already generated and scored batch.
    public func assemble(generated: GeneratedBatch, samples: [Sample], scores: RewardScores, groups: [Int], policy: Policy,
                         reference: (any LanguageModel)?) -> Rollout {
        withNoGrad {
            let (inputs, targets) = shiftedTokens(generated.tokens)
            let batch = samples.count, steps = inputs.shape[1]
            let valid = scores.terminal.map { $0 == nil ? Float(0) : 1 }
            let validTensor = Tensor(valid, shape: [batch])
            let actionMask = generated.actionMask * validTensor.reshaped([batch, 1])
            // The policy's log-probabilities and values: the generation's own records when
            // they are the same quantities, else one teacher-forced pass.
            let oldLogProbabilities: Tensor, values: Tensor?, policyLogits: Tensor?
            if generationRecordsPolicy(policy, reference: reference) {
                oldLogProbabilities = generated.modelLogProbabilities * actionMask
                (values, policyLogits) = (generated.values, nil)
            } else {
                let policyOutput = policy.outputs(inputs, targets: targets)
                oldLogProbabilities = Tensor.selectedLogProbabilities(logits: policyOutput.logits, targets: targets) * actionMask
                (values, policyLogits) = (policyOutput.values, policyOutput.logits)
            }
            var referenceLogProbabilities: Tensor?
            var kl: Tensor?
            if let reference {
                // The exact KL reads the reference's logits at every position; the other
                // estimators only its log-probabilities of the actions, from the first on.
                let first = klEstimator == .exact ? 0 : Rollout.firstActionPosition(in: actionMask)
                let referenceLogits = Policy.outputs(of: reference, inputs, temperature: policy.decoding.temperature,
                                                     from: first).logits
                let logProbabilities = Tensor.selectedLogProbabilities(logits: referenceLogits, targets: targets.columns(from: first))
                    .paddedInTime(before: first) * actionMask
                referenceLogProbabilities = logProbabilities
                kl = KLDivergence.perToken(klEstimator, policyLogProbabilities: oldLogProbabilities,
                                           referenceLogProbabilities: logProbabilities,
                                           policyLogits: policyLogits, referenceLogits: referenceLogits) * actionMask
            }
            var dense: Tensor?
            if let perStep = scores.perStep {
                var values = [Float](repeating: 0, count: batch * steps)
                for i in 0..<batch where valid[i] == 1 {
                    for (k, score) in perStep[i].enumerated() {
                        values[i * steps + generated.promptLengths[i] - 1 + k] = Float(score)
                    }
                }
                dense = Tensor(values, shape: [batch, steps])
            }
            return Rollout(generated: generated, samples: samples, scores: scores, groups: groups, inputs: inputs, targets: targets,
                           actionMask: actionMask, validSamples: validTensor,
                           terminalRewards: Tensor(scores.terminal.map { Float($0 ?? 0) }, shape: [batch]),
                           denseRewards: dense, oldLogProbabilities: oldLogProbabilities,
                           referenceLogProbabilities: referenceLogProbabilities, klPerToken: kl,
                           values: values.map { $0 * actionMask })
        }
    }

    /// Whether the generation's records (`GeneratedBatch.modelLogProbabilities` and
    /// `values`, from the same forward passes that chose the tokens) are the policy's old
    /// log-probabilities and values, so that collecting needs no teacher-forced pass of the
    /// policy (CleanRL keeps the sampling pass's log-probabilities the same way). They are
    /// when the policy's distribution is the unmodified model's (temperature 1, no action
    /// mask), no dropout is active (else each pass would draw its own masks), and the KL
    /// estimator needs only the taken actions' log-probabilities (the exact KL needs the
    /// policy's full logits). The two differ only by float rounding: cached decoding adds
    /// up the same products in a different order than one pass over the whole sequence.
    public func generationRecordsPolicy(_ policy: Policy, reference: (any LanguageModel)?) -> Bool {
        let dropoutActive = policy.model.namedModules().contains { _, module in
            module.isTraining && ((module as? Dropout)?.probability ?? 0) > 0
        }
        return policy.decoding.temperature == 1 && policy.actionMasking == nil && !dropoutActive
            && (reference == nil || klEstimator != .exact)
    }
}

/// (tokens[:, :-1], tokens[:, 1:]) of a [B, L] batch.
public func shiftedTokens(_ tokens: IntTensor) -> (inputs: IntTensor, targets: IntTensor) {
    let (batch, length) = (tokens.shape[0], tokens.shape[1])
    var inputs: [Int32] = [], targets: [Int32] = []
    inputs.reserveCapacity(batch * (length - 1))
    targets.reserveCapacity(batch * (length - 1))
    for i in 0..<batch {
        let row = tokens.scalars[(i * length)..<((i + 1) * length)]
        inputs += row.dropLast()
        targets += row.dropFirst()
    }
    return (IntTensor(inputs, shape: [batch, length - 1]), IntTensor(targets, shape: [batch, length - 1]))
}
