import Foundation
import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLRL
import GenRLTensor
import Testing

/// Small parts for SeqGAN's machinery: an LSTM generator over 12 tokens and a CNN
/// discriminator over sequences of 6.
private enum Toy {
    static let vocabulary = 12, length = 6

    static func generator(seed: UInt64 = 1) -> RecurrentLanguageModel {
        var random = RandomGenerator(seed: seed)
        return RecurrentLanguageModel(RecurrentLanguageModelConfiguration(vocabularySize: vocabulary, cell: .lstm,
                                                                          embeddingSize: 8, hiddenSize: 8),
                                      generator: &random)
    }

    static func discriminator(seed: UInt64 = 2) -> CNNDiscriminator {
        var random = RandomGenerator(seed: seed)
        return try! CNNDiscriminator(CNNDiscriminatorConfiguration(vocabularySize: vocabulary, sequenceLength: length,
                                                                   embeddingSize: 8, filterWidths: [1, 2, 3],
                                                                   filterCounts: [4, 6, 6], dropoutProbability: 0.25),
                                     generator: &random)
    }

    static func sequences(_ count: Int, seed: UInt64) -> [[Int]] {
        var random = RandomGenerator(seed: seed)
        return (0..<count).map { _ in (0..<length).map { _ in random.nextInt(below: vocabulary) } }
    }
}

/// A scorer that reads only the first token of each completion: every completion of a
/// prefix shares it, so the Monte Carlo average must equal it exactly.
private final class FirstTokenScorer: CompletionScorer {
    var calls: [(rows: Int, prefixLength: Int)] = []
    var sequences: IntTensor?
    func begin(sequences: IntTensor) throws { self.sequences = sequences }
    func score(completions: IntTensor, prefixLength: Int) throws -> [Double] {
        calls.append((completions.shape[0], prefixLength))
        let count = sequences!.shape[0]
        for row in 0..<completions.shape[0] {
            for t in 0..<prefixLength { #expect(completions[row, t] == sequences![row % count, t]) }
        }
        return (0..<completions.shape[0]).map { Double(completions[$0, 0]) / Double(Toy.vocabulary) }
    }
}

/// A fixed "discriminator" that calls a sequence real in proportion to its tokens below 3.
private final class LowTokenScorer: CompletionScorer {
    func begin(sequences: IntTensor) throws {}
    func score(completions: IntTensor, prefixLength: Int) throws -> [Double] {
        (0..<completions.shape[0]).map { row in
            Double(completions.row(row).filter { $0 < 3 }.count) / Double(completions.shape[1])
        }
    }
}

@Suite struct SeqGANTests {
    @Test func rolloutNetworkFollowsTheGeneratorWithDelay() {
        let generator = Toy.generator()
        let rollout = RolloutNetwork(tracking: generator, updateRate: 0.8)
        let before = rollout.model.parameterDictionary().mapValues(\.scalars)
        #expect(before == generator.parameterDictionary().mapValues(\.scalars))
        for (_, parameter) in generator.namedParameters() {
            parameter.withMutableScalars { values in for i in values.indices { values[i] += 1 } }
        }
        rollout.update()
        let after = rollout.model.parameterDictionary().mapValues(\.scalars)
        let current = generator.parameterDictionary().mapValues(\.scalars)
        for (name, values) in after {
            if name.hasPrefix("embedding.") {
                #expect(values == current[name]!, "\(name) is copied outright")
            } else {
                for (i, value) in values.enumerated() {
                    #expect(abs(value - (0.8 * before[name]![i] + 0.2 * current[name]![i])) < 1e-6, "\(name)")
                }
            }
        }
        let immediate = RolloutNetwork(tracking: generator, updateRate: 0)
        generator.out.weight.withMutableScalars { values in for i in values.indices { values[i] *= 2 } }
        immediate.update()
        #expect(immediate.model.out.weight.scalars == generator.out.weight.scalars)
    }

    @Test func monteCarloValuesAverageCompletionsOfEachPrefix() throws {
        let sequences = Toy.sequences(3, seed: 7)
        let scorer = FirstTokenScorer()
        let estimator = MonteCarloRewardEstimator(rolloutCount: 5, startToken: 0)
        var random = RandomGenerator(seed: 3)
        let values = try estimator.actionValues(of: sequences, rollout: LSTMSampler(Toy.generator()), scorer: scorer,
                                                generator: &random)
        #expect(values.count == 3 && values.allSatisfy { $0.count == Toy.length })
        for (row, sequence) in sequences.enumerated() {
            for value in values[row] { #expect(abs(value - Double(sequence[0]) / Double(Toy.vocabulary)) < 1e-12) }
        }
        #expect(scorer.calls.map(\.rows) == [15, 15, 15, 15, 15, 3])
        #expect(scorer.calls.map(\.prefixLength) == [1, 2, 3, 4, 5, 6])
    }

    @Test func discriminatorValuesAreProbabilitiesEndingWithTheDiscriminatorsScore() throws {
        let sequences = Toy.sequences(4, seed: 8)
        let discriminator = Toy.discriminator()
        let estimator = MonteCarloRewardEstimator(rolloutCount: 16, startToken: 0)
        var random = RandomGenerator(seed: 5)
        let values = try estimator.actionValues(of: sequences, rollout: LSTMSampler(Toy.generator()),
                                                scorer: DiscriminatorScorer(discriminator), generator: &random)
        #expect(values.allSatisfy { $0.allSatisfy { $0 > 0 && $0 < 1 } })
        discriminator.eval()
        let direct = withNoGrad {
            discriminator.realProbability(IntTensor(sequences.flatMap { $0 }, shape: [4, Toy.length])).scalars
        }
        for row in 0..<4 { #expect(abs(values[row][Toy.length - 1] - Double(direct[row])) < 1e-6) }
    }

    @Test func organRewardMixesAndDividesByRepeats() {
        let keys = [[1], [2], [1], [3]]
        let whole = ORGANReward.mix(discriminator: [0.2, 0.4, 0.6, 0.8], objective: [1, 0, 1, 1], keys: keys, lambda: 0.5)
        for (value, expected) in zip(whole, [0.3, 0.2, 0.4, 0.9]) { #expect(abs(value - expected) < 1e-12) }
        let code = ORGANReward.mix(discriminator: [0.2, 0.4, 0.6, 0.8], objective: [1, 0, 1, 1], keys: keys, lambda: 0.5,
                                   penalty: .objectiveOnly)
        for (value, expected) in zip(code, [0.2875, 0.2, 0.4875, 0.775]) { #expect(abs(value - expected) < 1e-12) }
        let plainRL = ORGANReward.mix(discriminator: [0.9], objective: [0.25], keys: [[4]], lambda: 0)
        #expect(plainRL == [0.25])
    }

    @Test func organScorerCountsRepeatsWithinEachBatchOfCompletions() throws {
        let objective = ClosureReward(name: "one") { samples in samples.map { _ in 1.0 } }
        let tokenizer = SyntheticOracle.numberTokenizer(vocabularySize: Toy.vocabulary)
        let scorer = ObjectiveMixingScorer(discriminator: nil, objective: objective, lambda: 0, tokenizer: tokenizer, endToken: 2)
        try scorer.begin(sequences: IntTensor([5, 6, 7, 5, 6, 7], shape: [2, 3]))
        // Two batches of two completions: rows 0 and 1 are equal (halved), rows 2 and 3 are
        // not; the end token (2) ends a completion, so [5, 2, 9] equals [5, 2, 4].
        let completions = IntTensor([5, 6, 7, 5, 6, 7, 5, 2, 9, 5, 2, 4], shape: [4, 3])
        #expect(try scorer.score(completions: completions, prefixLength: 1) == [0.5, 0.5, 0.5, 0.5])
        let distinct = IntTensor([5, 6, 7, 5, 6, 8, 5, 2, 9, 6, 2, 4], shape: [4, 3])
        #expect(try scorer.score(completions: distinct, prefixLength: 1) == [1, 1, 1, 1])
    }

    @Test func discriminatorTrainerSeparatesRealFromGenerated() {
        let positives = Toy.sequences(256, seed: 1).map { $0.map { $0 % 4 } }
        let negatives = Toy.sequences(256, seed: 2).map { $0.map { 4 + $0 % 8 } }
        var configuration = DiscriminatorTrainingConfiguration()
        configuration.learningRate = 1e-2
        configuration.batchSize = 32
        let trainer = DiscriminatorTrainer(discriminator: Toy.discriminator(), positives: positives,
                                           configuration: configuration, seed: 3)
        let before = trainer.accuracy(positives: positives, negatives: negatives)
        let report = trainer.train(negatives: negatives, epochs: 3)
        #expect(report.updates == 3 * (512 / 32))
        #expect(trainer.accuracy(positives: positives, negatives: negatives) > Swift.max(0.95, before))
    }

    /// With the paper's update (no baseline) and with the per-step batch-mean baseline.
    @Test(arguments: SeqGAN.Baseline.allCases)
    func seqganRaisesTheRewardOfAToyGenerator(baseline: SeqGAN.Baseline) throws {
        let model = Toy.generator(seed: 4)
        let rollout = RolloutNetwork(tracking: model, updateRate: 0.8)
        let reward = MonteCarloDiscriminatorReward(estimator: MonteCarloRewardEstimator(rolloutCount: 4, startToken: 0),
                                                   rollout: rollout, scorer: LowTokenScorer(), trainer: nil,
                                                   sequenceLength: Toy.length, seed: 5)
        let policy = Policy(model: model, tokenizer: SyntheticOracle.numberTokenizer(vocabularySize: Toy.vocabulary),
                            decoding: DecodingConfiguration(maximumNewTokens: Toy.length, stopAtEndToken: false))
        let setup = TrainingSetup(policy: policy, reference: nil, reward: reward,
                                  prompts: PromptSource(prompts: [Prompt(text: "", tokens: [0])]),
                                  optimizer: Adam(learningRate: 0.05), seed: 6)
        var configuration = SeqGAN.Configuration()
        configuration.batchSize = 32
        configuration.baseline = baseline
        let history = MetricsHistory()
        try Trainer(algorithm: SeqGAN(setup: setup, configuration: configuration), callbacks: [history]).run(iterations: 40)
        let rewards = history.series("reward/mean")
        let start = rewards.prefix(3).reduce(0, +) / 3, end = rewards.suffix(5).reduce(0, +) / 5
        #expect(start < 0.4 && end > start + 0.3, "\(baseline): mean reward went from \(start) to \(end)")
        // The rollout network followed the generator (40 delayed updates).
        #expect(rollout.model.out.weight.scalars != Toy.generator(seed: 4).out.weight.scalars)
    }

    @Test func adversarialRoundTrainsTheDiscriminatorOnFreshSamples() throws {
        let model = Toy.generator(seed: 8)
        let discriminator = Toy.discriminator()
        var configuration = DiscriminatorTrainingConfiguration()
        configuration.negativeCount = 64
        configuration.steps = 2
        configuration.epochs = 1
        configuration.batchSize = 32
        let trainer = DiscriminatorTrainer(discriminator: discriminator, positives: Toy.sequences(64, seed: 9),
                                           configuration: configuration, seed: 1)
        let reward = MonteCarloDiscriminatorReward(estimator: MonteCarloRewardEstimator(rolloutCount: 2, startToken: 0),
                                                   rollout: RolloutNetwork(tracking: model), scorer: DiscriminatorScorer(discriminator),
                                                   trainer: trainer, sequenceLength: Toy.length, seed: 2)
        let samples = [Sample(index: 0, completion: "", completionTokens: [1, 2, 3, 4, 5, 6])]
        let scores = try reward.checkedScore(samples)
        #expect(scores.perStep![0].count == 6 && scores.perStep![0][5] == 0)
        let before = discriminator.output.weight.scalars
        let metrics = try reward.update(generated: samples, step: 0)
        #expect(metrics["discriminator/accuracy"] != nil && metrics["discriminator/loss"] != nil)
        #expect(discriminator.output.weight.scalars != before)
        #expect(trainer.optimizer.stepCount == 2 * (128 / 32))
    }

    @Test func knownWordRewardCountsCorpusWords() throws {
        let reward = KnownWordReward(corpus: ["To be, or not to be", "that is the question"])
        let samples = ["To bee or not", "", "question THAT", "zzz!"].enumerated().map { Sample(index: $0.offset, completion: $0.element) }
        #expect(try reward.score(samples).terminal == [0.75, 0, 1, 0])
    }

    @Test func experimentConfigurationKeepsDefaultsAndNamesUnknownKeys() throws {
        let given = #"{"algorithm": "organ", "pretraining": {"learning_rate": 0.5}, "organ": {"penalty": "objectiveOnly"}}"#
        let configuration = try SeqGANExperimentConfiguration.decodeJSON(Data(given.utf8))
        #expect(configuration.algorithm == .organ && configuration.pretraining.learningRate == 0.5)
        #expect(configuration.pretraining.epochs == 120 && configuration.adversarial.rolloutCount == 16)
        #expect(configuration.organ.penalty == .objectiveOnly)
        #expect(configuration.discriminator.training.l2Coefficient == 0.2)
        #expect(throws: (any Error).self) {
            try SeqGANExperimentConfiguration.decodeJSON(Data(#"{"adversarial": {"rollout_cnt": 3}}"#.utf8))
        }
        do {
            _ = try SeqGANExperimentConfiguration.decodeJSON(Data(#"{"adversarial": {"rollout_cnt": 3}}"#.utf8))
        } catch {
            #expect("\(error)".contains("adversarial.rollout_cnt"))
        }
    }

    /// A small experiment on a tiny corpus of repeated lines, in a fresh directory.
    static func tinyCorpusExperiment(_ directory: URL) throws -> SeqGANExperimentConfiguration {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let corpus = directory.appendingPathComponent("lines.txt")
        try (0..<60).map { ["to be or not", "that is it", "the rest is"][$0 % 3] + " \($0 % 7)" }.joined(separator: "\n")
            .write(to: corpus, atomically: true, encoding: .utf8)
        var configuration = SeqGANExperimentConfiguration()
        configuration.data.source = .corpus
        configuration.data.corpusFile = corpus.path
        configuration.data.maximumCharacters = 15
        configuration.generator.hiddenSize = 8
        configuration.pretraining.epochs = 2
        configuration.pretraining.evaluationInterval = 1
        configuration.evaluation.bleuHypotheses = 20
        configuration.evaluation.samplesWritten = 5
        return configuration
    }

    /// `evaluation.temperature` changes what is measured, never what is trained: the same
    /// MLE run at τ = 1 and τ = 0.5 saves the same generator, and reports another NLL-test.
    @Test func evaluationTemperatureMeasuresATemperedCopy() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-temperature-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.tinyCorpusExperiment(directory)
        configuration.algorithm = .mle
        var finals: [[String: Double]] = [], generators: [Data] = []
        for (index, temperature) in [Float(1), 0.5].enumerated() {
            configuration.evaluation.temperature = temperature
            let output = directory.appendingPathComponent("run\(index)")
            finals.append(try SeqGANExperiment(configuration: configuration, outputDirectory: output).run())
            generators.append(try Data(contentsOf: output.appendingPathComponent("generator_final.safetensors")))
        }
        #expect(generators[0] == generators[1])
        #expect(finals[0]["nll_test"]! != finals[1]["nll_test"]!)
        configuration.evaluation.temperature = 0
        #expect(throws: (any Error).self) {
            try SeqGANExperiment(configuration: configuration, outputDirectory: directory.appendingPathComponent("run2")).run()
        }
    }

    @Test func organExperimentRunsEndToEndOnATinyCorpus() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-organ-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = try Self.tinyCorpusExperiment(directory)
        configuration.algorithm = .organ
        configuration.discriminator.embeddingSize = 8
        configuration.discriminator.filterWidths = [1, 2, 3]
        configuration.discriminator.filterCounts = [4, 4, 4]
        configuration.discriminator.training.negativeCount = 32
        configuration.discriminator.training.pretrainingSteps = 1
        configuration.discriminator.training.steps = 1
        configuration.discriminator.training.epochs = 1
        configuration.adversarial.rounds = 2
        configuration.adversarial.batchSize = 8
        configuration.adversarial.rolloutCount = 2
        configuration.adversarial.evaluationInterval = 1
        let output = directory.appendingPathComponent("run")
        let final = try SeqGANExperiment(configuration: configuration, outputDirectory: output).run()
        #expect(final["nll_test"] != nil && final["bleu_2"] != nil && final["objective_mean"] != nil)
        let lines = try String(contentsOf: output.appendingPathComponent("metrics.jsonl"), encoding: .utf8).split(separator: "\n")
        let phases = try lines.map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }.map { $0["phase"] as! String }
        #expect(phases == ["mle", "mle", "mle", "discriminator_pretraining", "adversarial", "adversarial", "final"])
        for file in ["config.json", "generator_mle.safetensors", "generator_final.safetensors", "samples.txt", "data/train.txt"] {
            #expect(FileManager.default.fileExists(atPath: output.appendingPathComponent(file).path), "\(file)")
        }
    }
}
