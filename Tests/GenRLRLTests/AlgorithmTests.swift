import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLRL
import GenRLTensor
import Testing

/// The toy task every algorithm must learn: a bigram model over the letters a–d (plus the
/// four special tokens) starts uniform; the reward is the fraction of letters that are
/// "a" in a completion of up to 6 tokens (0 for an empty one). A uniform model scores
/// about 0.2; a model that learned the task scores close to 1.
enum ToyTask {
    static let tokenizer = try! CharacterTokenizer(scalars: ["a", "b", "c", "d"])
    static func reward() -> ClosureReward { ClosureReward(name: "fraction_a") { samples in
        samples.map { sample in
            let letters = sample.completion.filter { "abcd".contains($0) }
            return letters.isEmpty ? 0 : Double(letters.filter { $0 == "a" }.count) / Double(letters.count)
        }
    } }

    static func model(valueHead: Bool = false) -> BigramLanguageModel {
        BigramLanguageModel(vocabularySize: tokenizer.vocabularySize, valueHead: valueHead)
    }

    static func setup(valueHead: Bool = false, learningRate: Float = 0.1, prompts: PromptSource = .unconditional,
                      seed: UInt64 = 1) -> TrainingSetup {
        let policy = Policy(model: model(valueHead: valueHead), tokenizer: tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 6))
        return TrainingSetup(policy: policy, reference: model(), reward: reward(), prompts: prompts,
                             optimizer: Adam(learningRate: learningRate), seed: seed)
    }

    /// Runs `iterations` iterations; returns the mean reward of the first 3 and of the last 5.
    static func train(_ algorithm: any PolicyGradientAlgorithm, iterations: Int) throws -> (start: Double, end: Double) {
        let history = MetricsHistory()
        try Trainer(algorithm: algorithm, callbacks: [history]).run(iterations: iterations)
        let rewards = history.series("reward/mean")
        let start = rewards.prefix(3).reduce(0, +) / 3
        let end = rewards.suffix(5).reduce(0, +) / 5
        return (start, end)
    }
}

/// Every algorithm raises the toy task's reward well beyond where it starts.
@Suite("Algorithms learn the toy task")
struct AlgorithmTests {
    func expectLearned(_ result: (start: Double, end: Double), _ name: String) {
        print("toy task, \(name): mean reward \(result.start) (first 3 iterations) → \(result.end) (last 5)")
        #expect(result.start < 0.35, "\(name) started at \(result.start)")
        #expect(result.end > 0.75, "\(name): reward \(result.start) → \(result.end)")
    }

    @Test func reinforce() throws {
        let algorithm = REINFORCE(setup: ToyTask.setup())
        expectLearned(try ToyTask.train(algorithm, iterations: 60), "REINFORCE")
    }

    @Test func scst() throws {
        let algorithm = SCST(setup: ToyTask.setup())
        expectLearned(try ToyTask.train(algorithm, iterations: 60), "SCST")
    }

    @Test func ppo() throws {
        var configuration = PPO.Configuration()
        configuration.klCoefficient = 0.01
        let algorithm = PPO(setup: ToyTask.setup(valueHead: true, learningRate: 0.05), configuration: configuration)
        expectLearned(try ToyTask.train(algorithm, iterations: 30), "PPO")
    }

    @Test func grpo() throws {
        var configuration = GRPO.Configuration()
        configuration.promptsPerBatch = 4
        configuration.groupSize = 8
        let algorithm = GRPO(setup: ToyTask.setup(), configuration: configuration)
        expectLearned(try ToyTask.train(algorithm, iterations: 60), "GRPO")
    }

    @Test func rloo() throws {
        var configuration = RLOO.Configuration()
        configuration.klCoefficient = 0.01
        let algorithm = RLOO(setup: ToyTask.setup(), configuration: configuration)
        expectLearned(try ToyTask.train(algorithm, iterations: 60), "RLOO")
    }

    @Test func nlpo() throws {
        var configuration = NLPO.Configuration()
        configuration.ppo.klCoefficient = 0.01
        configuration.topP = 0.95
        let algorithm = NLPO(setup: ToyTask.setup(valueHead: true, learningRate: 0.05), maskingModel: ToyTask.model(valueHead: true),
                             configuration: configuration)
        expectLearned(try ToyTask.train(algorithm, iterations: 30), "NLPO")
    }

    /// With a recurrent masking model, the mask recomputed by teacher forcing can differ
    /// by rounding from the one used while sampling; the taken tokens must stay allowed so
    /// that every log-probability stays finite.
    @Test func nlpoOnARecurrentModelStaysFinite() throws {
        var generator = RandomGenerator(seed: 4)
        let configuration = RecurrentLanguageModelConfiguration(vocabularySize: ToyTask.tokenizer.vocabularySize,
                                                                embeddingSize: 8, hiddenSize: 16, valueHead: true)
        let model = RecurrentLanguageModel(configuration, generator: &generator)
        let policy = Policy(model: model, tokenizer: ToyTask.tokenizer, decoding: DecodingConfiguration(maximumNewTokens: 12))
        let setup = TrainingSetup(policy: policy, reference: RecurrentLanguageModel(configuration, generator: &generator),
                                  reward: ToyTask.reward(), prompts: .unconditional, optimizer: Adam(learningRate: 0.01), seed: 5)
        var nlpo = NLPO.Configuration()
        nlpo.topP = 0.5
        let algorithm = NLPO(setup: setup, maskingModel: RecurrentLanguageModel(configuration, generator: &generator),
                             configuration: nlpo)
        let history = MetricsHistory()
        try Trainer(algorithm: algorithm, callbacks: [history]).run(iterations: 4)
        #expect(history.rows.allSatisfy { row in row.values.allSatisfy(\.isFinite) })
    }

    @Test func mixer() throws {
        // References are sequences of "a"s; MIXER anneals from imitating their prefixes to
        // completing them under the reward.
        let tokenizer = ToyTask.tokenizer
        let references = (0..<16).map { _ in
            Prompt(text: "aaaaaa", tokens: [Vocabulary.beginID] + tokenizer.encode("aaaaaa") + [Vocabulary.endID])
        }
        var configuration = MIXER.Configuration()
        configuration.initialMLETokens = 4
        configuration.iterationsPerStage = 10
        let algorithm = MIXER(setup: ToyTask.setup(prompts: PromptSource(prompts: references)), configuration: configuration)
        let history = MetricsHistory()
        try Trainer(algorithm: algorithm, callbacks: [history]).run(iterations: 60)
        #expect(history.series("mixer/mle_tokens").first == 4)
        #expect(history.series("mixer/mle_tokens").last == 0)
        let rewards = history.series("reward/mean")
        print("toy task, MIXER: mean reward \(rewards.prefix(3).reduce(0, +) / 3) (first 3 iterations) → \(rewards.suffix(5).reduce(0, +) / 5) (last 5)")
        #expect(rewards.suffix(5).reduce(0, +) / 5 > 0.75, "MIXER rewards \(rewards)")
    }
}
