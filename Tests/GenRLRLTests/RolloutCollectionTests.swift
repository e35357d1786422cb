import GenRLModels
import GenRLNN
import GenRLRewards
@testable import GenRLRL
import GenRLTensor
import Testing

/// Where a rollout's old log-probabilities and values come from: the generation's own
/// records when they are the policy's, else a teacher-forced pass; either way the same
/// numbers up to float rounding.
@Suite("Rollout collection")
struct RolloutCollectionTests {
    static let tokenizer = try! CharacterTokenizer(scalars: ["a", "b", "c", "d", "e", "f"])

    /// A small GPT with a value head (and, when asked, dropout), randomly initialised.
    static func model(seed: UInt64, dropout: Float = 0) -> GPTLanguageModel {
        var generator = RandomGenerator(seed: seed)
        let configuration = GPTConfiguration(vocabularySize: tokenizer.vocabularySize, contextLength: 32, width: 16,
                                             layers: 2, heads: 2, dropout: dropout, valueHead: true)
        return GPTLanguageModel(configuration, generator: &generator)
    }

    /// Prompts of three lengths, so that some rows are still forced from their prompt
    /// while others already sample.
    static let prompts = [[Vocabulary.beginID, 4], [Vocabulary.beginID, 5, 6, 7], [Vocabulary.beginID, 8, 9]]
        .map { Prompt(text: "", tokens: $0) }

    static func collect(_ collector: RolloutCollector, policy: Policy, reference: GPTLanguageModel) throws -> Rollout {
        var generator = RandomGenerator(seed: 3)
        let reward = ClosureReward(name: "length") { samples in samples.map { Double($0.completion.count) } }
        return try collector.collect(policy: policy, reference: reference, reward: reward, prompts: Self.prompts,
                                     generator: &generator)
    }

    /// The policy's log-probabilities and values of the rollout's actions by one
    /// teacher-forced pass, masked like the rollout's.
    static func teacherForced(_ rollout: Rollout, policy: Policy) -> (logProbabilities: [Float], values: [Float]) {
        withNoGrad {
            let output = policy.outputs(rollout.inputs, targets: rollout.targets)
            let logProbabilities = Tensor.selectedLogProbabilities(logits: output.logits, targets: rollout.targets)
            return ((logProbabilities * rollout.actionMask).scalars, (output.values! * rollout.actionMask).scalars)
        }
    }

    static func maximumDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { Swift.abs($0 - $1) }.max() ?? 0
    }

    @Test func withTheSampleEstimatorsTheGenerationsRecordsAreTheTeacherForcedOnes() throws {
        let policy = Policy(model: Self.model(seed: 1), tokenizer: Self.tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 8, stopAtEndToken: false))
        let reference = Self.model(seed: 2)
        for estimator in [KLEstimator.k1, .k3] {
            let collector = RolloutCollector(klEstimator: estimator)
            #expect(collector.generationRecordsPolicy(policy, reference: reference))
            let rollout = try Self.collect(collector, policy: policy, reference: reference)
            #expect(rollout.actionMask.scalars.filter { $0 == 1 }.count == 3 * 8)
            let forced = Self.teacherForced(rollout, policy: policy)
            #expect(Self.maximumDifference(rollout.oldLogProbabilities.scalars, forced.logProbabilities) < 1e-5)
            #expect(Self.maximumDifference(rollout.values!.scalars, forced.values) < 1e-5)
            // The KL is measured from the same old log-probabilities.
            let expected = withNoGrad {
                KLDivergence.perToken(estimator, policyLogProbabilities: rollout.oldLogProbabilities,
                                      referenceLogProbabilities: rollout.referenceLogProbabilities!) * rollout.actionMask
            }
            #expect(Self.maximumDifference(rollout.klPerToken!.scalars, expected.scalars) == 0)
        }
    }

    @Test func otherwiseThePolicyIsEvaluatedByTeacherForcing() throws {
        let reference = Self.model(seed: 2)
        let plain = DecodingConfiguration(maximumNewTokens: 8, stopAtEndToken: false)
        var warm = plain
        warm.temperature = 0.7
        let cases: [(String, Policy, KLEstimator)] = [
            ("exact KL", Policy(model: Self.model(seed: 1), tokenizer: Self.tokenizer, decoding: plain), .exact),
            ("temperature 0.7", Policy(model: Self.model(seed: 1), tokenizer: Self.tokenizer, decoding: warm), .k1),
        ]
        for (name, policy, estimator) in cases {
            let collector = RolloutCollector(klEstimator: estimator)
            #expect(!collector.generationRecordsPolicy(policy, reference: reference), "\(name)")
            // The rollout holds exactly what one teacher-forced pass gives.
            let rollout = try Self.collect(collector, policy: policy, reference: reference)
            let forced = Self.teacherForced(rollout, policy: policy)
            #expect(rollout.oldLogProbabilities.scalars == forced.logProbabilities, "\(name)")
            #expect(rollout.values!.scalars == forced.values, "\(name)")
        }
    }

    /// Passes whose outputs start at the first action (the reference's in the rollout, the
    /// policy's in PPO's minibatches) give what full passes give wherever the action mask
    /// is 1, gradients included.
    @Test func passesFromTheFirstActionMatchFullPassesOnTheActions() throws {
        let policy = Policy(model: Self.model(seed: 1), tokenizer: Self.tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 8, stopAtEndToken: false))
        let reference = Self.model(seed: 2)
        let rollout = try Self.collect(RolloutCollector(klEstimator: .k1), policy: policy, reference: reference)
        // The shortest prompt has two tokens: its first action is the target of position 1.
        #expect(rollout.firstActionPosition == 1)
        let full = withNoGrad {
            Tensor.selectedLogProbabilities(logits: reference(rollout.inputs).logits, targets: rollout.targets) * rollout.actionMask
        }
        #expect(Self.maximumDifference(rollout.referenceLogProbabilities!.scalars, full.scalars) < 1e-5)

        func maskedSum(_ evaluation: PolicyEvaluation) -> Tensor {
            ((evaluation.logProbabilities + evaluation.entropies + evaluation.values!) * evaluation.mask).sum()
        }
        let rows = [2, 0]
        let (fromFirst, fromFirstGradients) = valueAndGradients(of: policy.model) { _ in
            maskedSum(PolicyEvaluation(policy: policy, rollout: rollout, rows: rows, outputsFrom: rollout.firstActionPosition))
        }
        let (whole, wholeGradients) = valueAndGradients(of: policy.model) { _ in
            maskedSum(PolicyEvaluation(policy: policy, rollout: rollout, rows: rows))
        }
        #expect(Swift.abs(fromFirst.item - whole.item) < 1e-4)
        for (a, b) in zip(fromFirstGradients.entries, wholeGradients.entries) {
            #expect(Self.maximumDifference(a.gradient.scalars, b.gradient.scalars) < 1e-4, "\(a.name)")
        }
        // Before the first action the padded quantities are 0.
        let evaluation = withNoGrad { PolicyEvaluation(policy: policy, rollout: rollout, rows: rows, outputsFrom: 1) }
        #expect(evaluation.logits.shape == [2, rollout.steps, Self.tokenizer.vocabularySize])
        #expect(evaluation.logProbabilities.shape == [2, rollout.steps])
        #expect(evaluation.logProbabilities[0, 0] == 0 && evaluation.values![1, 0] == 0)
    }

    @Test func activeDropoutNeedsTheTeacherForcedPass() {
        let reference = Self.model(seed: 2)
        let model = Self.model(seed: 1, dropout: 0.1)
        let policy = Policy(model: model, tokenizer: Self.tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 8, stopAtEndToken: false))
        let collector = RolloutCollector(klEstimator: .k1)
        #expect(!collector.generationRecordsPolicy(policy, reference: reference))
        // In evaluation mode dropout is off, and the generation's records serve again.
        model.eval()
        #expect(collector.generationRecordsPolicy(policy, reference: reference))
    }
}
