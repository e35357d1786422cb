import Foundation
import GenRLFeedback
import GenRLModels
import GenRLNN
import GenRLRL
import GenRLRewards
import GenRLTensor
import Testing

/// Tiny models for hand computations: bigrams over the letters a–d with random transitions.
enum HandModels {
    static let tokenizer = try! CharacterTokenizer(scalars: ["a", "b", "c", "d"])

    static func bigram(seed: UInt64) -> BigramLanguageModel {
        let model = BigramLanguageModel(vocabularySize: tokenizer.vocabularySize)
        var generator = RandomGenerator(seed: seed)
        model.transitions.assign(Tensor.randomNormal(model.transitions.shape, using: &generator))
        return model
    }

    /// log π(tokens after the prompt | prompt) of a bigram, summed by hand in Double.
    static func logProbability(_ model: BigramLanguageModel, prompt: [Int], completion: [Int]) -> Double {
        let table = model.transitions.scalars.map(Double.init)
        let width = model.vocabularySize
        var total = 0.0
        let sequence = prompt + completion
        for t in prompt.count..<sequence.count {
            let row = Array(table[(sequence[t - 1] * width)..<((sequence[t - 1] + 1) * width)])
            let normalizer = log(row.map(exp).reduce(0, +))
            total += row[sequence[t]] - normalizer
        }
        return total
    }
}

@Suite("DPO and IPO")
struct DirectPreferenceTests {
    let record = PreferenceRecord(prompt: "a", completions: ["ba", "c"], label: .choice(0), labeller: "test",
                                  labelledAt: Date(timeIntervalSince1970: 0))

    func setup(policy: BigramLanguageModel, reference: BigramLanguageModel, learningRate: Float = 0.1) -> TrainingSetup {
        TrainingSetup(policy: Policy(model: policy, tokenizer: HandModels.tokenizer, decoding: DecodingConfiguration()),
                      reference: reference, reward: ClosureReward(name: "none") { $0.map { _ in 0 } }, prompts: .unconditional,
                      optimizer: SGD(learningRate: learningRate), seed: 1)
    }

    /// h = (log π(y_w) − log π_ref(y_w)) − (log π(y_l) − log π_ref(y_l)) by hand, with the
    /// per-completion token counts.
    func handLogRatio(policy: BigramLanguageModel, reference: BigramLanguageModel, normalized: Bool) -> Double {
        let t = HandModels.tokenizer
        let prompt = [Vocabulary.beginID] + t.encode("a")
        let chosen = t.encode("ba") + [Vocabulary.endID], rejected = t.encode("c") + [Vocabulary.endID]
        func ratio(_ completion: [Int]) -> Double {
            let value = HandModels.logProbability(policy, prompt: prompt, completion: completion)
                - HandModels.logProbability(reference, prompt: prompt, completion: completion)
            return normalized ? value / Double(completion.count) : value
        }
        return ratio(chosen) - ratio(rejected)
    }

    @Test func pairsFollowTheLabels() {
        let reference = HandModels.bigram(seed: 2)
        let records = [
            record,
            PreferenceRecord(prompt: "", completions: ["a", "b", "c"], label: .choice(2), labeller: "t", labelledAt: record.labelledAt),
            PreferenceRecord(prompt: "", completions: ["a", "b", "c"], label: .ranking([[1], [0, 2]]), labeller: "t",
                             labelledAt: record.labelledAt),
            PreferenceRecord(prompt: "", completions: ["a", "b"], label: .tie, labeller: "t", labelledAt: record.labelledAt),
        ]
        let pairs = PreferencePairs(records: records, tokenizer: HandModels.tokenizer, reference: reference)
        #expect(pairs.count == 1 + 2 + 2)
        let t = HandModels.tokenizer
        #expect(pairs.pairs[0].prompt == [Vocabulary.beginID] + t.encode("a"))
        #expect(pairs.pairs[0].chosen == t.encode("ba") + [Vocabulary.endID] && pairs.pairs[0].rejected == t.encode("c") + [Vocabulary.endID])
        let byHand = HandModels.logProbability(reference, prompt: pairs.pairs[0].prompt, completion: pairs.pairs[0].chosen)
        #expect(abs(Double(pairs.referenceChosen[0]) - byHand) < 1e-5)
        #expect(pairs.chosenLengths[0] == 3 && pairs.rejectedLengths[0] == 2)
    }

    @Test func dpoLossMatchesTheHandComputation() throws {
        let policy = HandModels.bigram(seed: 1), reference = HandModels.bigram(seed: 2)
        let h = handLogRatio(policy: policy, reference: reference, normalized: false)
        let pairs = PreferencePairs(records: [record], tokenizer: HandModels.tokenizer, reference: reference)
        for (beta, smoothing) in [(Float(0.1), Float(0)), (0.5, 0.2)] {
            var configuration = DPO.Configuration()
            configuration.beta = beta
            configuration.labelSmoothing = smoothing
            let dpo = DPO(setup: setup(policy: policy, reference: reference, learningRate: 0), data: pairs, configuration: configuration)
            let metrics = try dpo.iterate().metrics
            let b = Double(beta), e = Double(smoothing)
            let logSigmoid = { (x: Double) in -log(1 + exp(-x)) }
            let expected = -(1 - e) * logSigmoid(b * h) - e * logSigmoid(-b * h)
            #expect(abs(metrics["losses/dpo"]! - expected) < 1e-5, "β \(beta), ε \(smoothing): \(metrics["losses/dpo"]!) vs \(expected)")
            #expect(abs(metrics["rewards/margin"]! - b * h) < 1e-5)
        }
        // Every step pushes the margin β·h up.
        let dpo = DPO(setup: setup(policy: policy, reference: reference), data: pairs)
        let margins = try (0..<20).map { _ in try dpo.iterate().metrics["rewards/margin"]! }
        #expect(zip(margins, margins.dropFirst()).allSatisfy { $0 < $1 }, "margins \(margins)")
        #expect(handLogRatio(policy: policy, reference: reference, normalized: false) * 0.1 > margins.last!)
    }

    @Test func ipoLossMatchesTheHandComputationAndStopsAtItsTarget() throws {
        let policy = HandModels.bigram(seed: 3), reference = HandModels.bigram(seed: 4)
        let pairs = PreferencePairs(records: [record], tokenizer: HandModels.tokenizer, reference: reference)
        for normalized in [true, false] {
            var configuration = IPO.Configuration()
            configuration.tau = 0.25
            configuration.lengthNormalized = normalized
            let ipo = IPO(setup: setup(policy: policy, reference: reference, learningRate: 0), data: pairs, configuration: configuration)
            let h = handLogRatio(policy: policy, reference: reference, normalized: normalized)
            let metrics = try ipo.iterate().metrics
            #expect(abs(metrics["losses/ipo"]! - (h - 2) * (h - 2)) < 1e-4, "normalized \(normalized)")
        }
        // IPO regresses the gap to 1/(2τ) = 2 instead of pushing it without bound.
        var configuration = IPO.Configuration()
        configuration.tau = 0.25
        configuration.lengthNormalized = false
        let ipo = IPO(setup: setup(policy: policy, reference: reference, learningRate: 0.05), data: pairs, configuration: configuration)
        for _ in 0..<300 { _ = try ipo.iterate() }
        let gap = handLogRatio(policy: policy, reference: reference, normalized: false)
        #expect(abs(gap - 2) < 0.05, "gap \(gap)")
    }
}
