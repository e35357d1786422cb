import Foundation
import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLTensor

/// Runs a SeqGAN, ORGAN or MLE experiment end to end and writes it to a directory:
///
/// ```
/// <output>/
///   config.json                      the resolved configuration, every default written out
///   metrics.jsonl                    one JSON object per evaluation or round (see below)
///   data/train.txt, data/test.txt    the real sequences (token ids, one per line)
///   generator_mle.safetensors        the generator after MLE pretraining
///   discriminator_pretrained.safetensors
///   generator_final.safetensors      the generator at the end
///   samples.txt                      generated samples at the end
/// ```
///
/// Every line of `metrics.jsonl` has `phase` (`mle`, `discriminator_pretraining`,
/// `adversarial`, `final`), `step` (epoch, d-step or round), `seconds` since the start
/// and the measurements of that moment: `nll_oracle`, `nll_test`, `train_loss`,
/// `discriminator_loss`, `discriminator_accuracy`, `reward_mean` (mean reward of the
/// batch's finished sequences: D(Y) for SeqGAN), `action_value_mean`, `policy_loss`,
/// `objective_mean` (text data: the objective over freshly generated lines),
/// `batch_objective_mean` (ORGAN: over the batch), and at the end `bleu_n`,
/// `self_bleu_n` and `objective_test_mean` (the objective over the held-out lines).
///
/// The schedule is LantaoYu/SeqGAN's: MLE epochs (evaluated every 5), discriminator
/// pretraining d-steps, then rounds of g-steps, the rollout network's delayed update and
/// d-steps (evaluated every 5 rounds). The generator is an LSTM language model; its
/// rollouts, NLL-oracle and negatives use `LSTMSampler`.
public final class SeqGANExperiment {
    /// The experiment's settings, written to `config.json`.
    public let configuration: SeqGANExperimentConfiguration
    /// Where the files above are written (created by `run()`).
    public let outputDirectory: URL
    /// Called with every line written to `metrics.jsonl` (progress display).
    public var onMetrics: (([String: Double], String) -> Void)?

    private var log: MetricsLog?
    private let started = Date()
    /// Draws the samples of every measurement (kept apart from training's draws).
    private var evaluationRandom = RandomGenerator(seed: 0)

    /// An experiment that writes to `outputDirectory`; nothing runs or is written until `run()`.
    public init(configuration: SeqGANExperimentConfiguration, outputDirectory: URL) {
        self.configuration = configuration
        self.outputDirectory = outputDirectory
    }

    /// Runs every phase; returns the final measurements.
    @discardableResult
    public func run() throws -> [String: Double] {
        let config = configuration
        guard config.evaluation.temperature > 0, config.evaluation.temperature.isFinite else {
            throw ExperimentError.invalid("evaluation.temperature must be a positive number, got \(config.evaluation.temperature)")
        }
        let fileManager = FileManager.default
        try fileManager.createDirectory(at: outputDirectory.appendingPathComponent("data"), withIntermediateDirectories: true)
        try config.writeJSON(to: outputDirectory.appendingPathComponent("config.json"))
        log = try MetricsLog(url: outputDirectory.appendingPathComponent("metrics.jsonl"))
        var random = RandomGenerator(seed: config.seed)

        // Data.
        let data = try loadData()
        try OracleDataset.write(data.training, to: outputDirectory.appendingPathComponent("data/train.txt"))
        try OracleDataset.write(data.test, to: outputDirectory.appendingPathComponent("data/test.txt"))
        let evaluation = GeneratorEvaluation(data: data)

        // Generator and MLE pretraining.
        let generatorConfiguration = RecurrentLanguageModelConfiguration(
            vocabularySize: data.vocabularySize, cell: .lstm, embeddingSize: config.generator.embeddingSize,
            hiddenSize: config.generator.hiddenSize, layers: config.generator.layers)
        var initGenerator = random.split()
        let model = RecurrentLanguageModel(generatorConfiguration, generator: &initGenerator)
        if config.generator.initialStandardDeviation > 0 {
            for (_, parameter) in model.namedParameters() {
                parameter.assign(Tensor.randomNormal(parameter.shape, standardDeviation: config.generator.initialStandardDeviation,
                                                     using: &initGenerator))
            }
        }
        let sampler = LSTMSampler(model)
        evaluationRandom = random.split()
        if !config.generator.checkpoint.isEmpty {
            try model.load(SafeTensors.read(contentsOf: URL(fileURLWithPath: config.generator.checkpoint)).tensors)
            try record("mle", step: 0, measure(model, sampler, evaluation))
        } else {
            try pretrainGenerator(model, sampler: sampler, data: data, evaluation: evaluation)
        }
        try SafeTensors.write(model.parameterDictionary(), to: outputDirectory.appendingPathComponent("generator_mle.safetensors"))

        if config.algorithm != .mle {
            try trainAdversarially(model, data: data, evaluation: evaluation, random: &random)
        }
        try SafeTensors.write(model.parameterDictionary(), to: outputDirectory.appendingPathComponent("generator_final.safetensors"))

        // Final measurements and samples.
        var final = try measure(model, sampler, evaluation, nllOracleSamples: config.evaluation.finalNllOracleSamples)
        let generated = evaluation.samples(measured(model, sampler).sampler, count: Swift.max(config.evaluation.bleuHypotheses, 500), generator: &evaluationRandom)
        final.merge(evaluation.bleu(generated: generated, hypothesisCount: config.evaluation.bleuHypotheses,
                                    orders: config.evaluation.bleuOrders)) { _, new in new }
        if data.oracle == nil, let objective = try? makeObjective(data) {
            final["objective_mean"] = try objectiveMean(objective, generated, data)
            final["objective_test_mean"] = try objectiveMean(objective, data.test, data)
        }
        try record("final", step: 0, final)
        let lines = generated.prefix(config.evaluation.samplesWritten).map { data.oracle == nil ? data.text($0) : $0.map(String.init).joined(separator: " ") }
        try (lines.joined(separator: "\n") + "\n").write(to: outputDirectory.appendingPathComponent("samples.txt"), atomically: true, encoding: .utf8)
        return final
    }

    // MARK: - Phases

    private func loadData() throws -> ExperimentData {
        let config = configuration
        switch config.data.source {
        case .oracle:
            let oracle: SyntheticOracle
            if !config.data.oracleFile.isEmpty {
                oracle = try SyntheticOracle(contentsOf: URL(fileURLWithPath: config.data.oracleFile))
            } else if let shared = SyntheticOracle.sharedFile() {
                oracle = try SyntheticOracle(contentsOf: shared)
            } else {
                oracle = SyntheticOracle(seed: config.data.oracleSeed)
            }
            return ExperimentData.oracle(oracle, trainingCount: config.data.trainingCount, testCount: config.data.testCount,
                                         seed: config.seed)
        case .corpus:
            guard !config.data.corpusFile.isEmpty else { throw ExperimentError.invalid("data.corpus_file is empty") }
            return try ExperimentData.corpus(URL(fileURLWithPath: config.data.corpusFile),
                                             maximumCharacters: config.data.maximumCharacters,
                                             testFraction: config.data.testFraction, seed: config.seed)
        }
    }

    private func pretrainGenerator(_ model: RecurrentLanguageModel, sampler: LSTMSampler, data: ExperimentData,
                                   evaluation: GeneratorEvaluation) throws {
        let settings = configuration.pretraining
        var pretraining = PretrainingConfiguration()
        pretraining.epochs = settings.epochs
        pretraining.batchSize = settings.batchSize
        pretraining.learningRate = settings.learningRate
        pretraining.maxGradientNorm = settings.maxGradientNorm
        pretraining.earlyStoppingPatience = nil
        let batches = try data.batches(data.training, batchSize: settings.batchSize, seed: configuration.seed)
        let trainer = Pretrainer(model: model, optimizer: Adam(learningRate: settings.learningRate), training: batches,
                                 validation: [], configuration: pretraining)
        try record("mle", step: 0, measure(model, sampler, evaluation))
        for epoch in 1...Swift.max(settings.epochs, 1) where settings.epochs > 0 {
            var loss = 0.0
            for _ in 0..<batches.batchesPerEpoch { loss += trainer.trainStep()["train/loss"]! }
            if epoch % settings.evaluationInterval == 0 || epoch == settings.epochs {
                var metrics = try measure(model, sampler, evaluation)
                metrics["train_loss"] = loss / Double(batches.batchesPerEpoch)
                try record("mle", step: epoch, metrics)
            }
        }
    }

    private func trainAdversarially(_ model: RecurrentLanguageModel, data: ExperimentData, evaluation: GeneratorEvaluation,
                                    random: inout RandomGenerator) throws {
        let config = configuration
        let sampler = LSTMSampler(model)
        let organ = config.algorithm == .organ
        let needsDiscriminator = !organ || config.organ.lambda > 0

        // The discriminator, pretrained on real versus generated sequences.
        var discriminatorRandom = random.split()
        let discriminator = try CNNDiscriminator(
            CNNDiscriminatorConfiguration(vocabularySize: data.vocabularySize, sequenceLength: data.sequenceLength,
                                          embeddingSize: config.discriminator.embeddingSize,
                                          filterWidths: config.discriminator.filterWidths,
                                          filterCounts: config.discriminator.filterCounts,
                                          dropoutProbability: config.discriminator.dropoutProbability),
            generator: &discriminatorRandom, dropoutSeed: discriminatorRandom.next())
        let positives = data.training.map { padded($0, to: data.sequenceLength) }
        let trainer = needsDiscriminator
            ? DiscriminatorTrainer(discriminator: discriminator, positives: positives, configuration: config.discriminator.training,
                                   seed: random.next())
            : nil
        let rollout = RolloutNetwork(tracking: model, updateRate: config.adversarial.rolloutUpdateRate)
        let estimator = MonteCarloRewardEstimator(rolloutCount: config.adversarial.rolloutCount, startToken: data.startToken,
                                                  endToken: data.endToken)
        let discriminatorScorer = needsDiscriminator ? DiscriminatorScorer(discriminator) : nil
        let scorer: any CompletionScorer
        var mixing: ObjectiveMixingScorer?
        if organ {
            mixing = ObjectiveMixingScorer(discriminator: discriminatorScorer, objective: try makeObjective(data),
                                           lambda: config.organ.lambda, penalty: config.organ.penalty,
                                           tokenizer: data.tokenizer, endToken: data.endToken)
            scorer = mixing!
        } else {
            scorer = discriminatorScorer!
        }
        let reward = MonteCarloDiscriminatorReward(name: organ ? "organ" : "seqgan_discriminator", estimator: estimator,
                                                   rollout: rollout, scorer: scorer, trainer: trainer,
                                                   sequenceLength: data.sequenceLength, seed: random.next())
        if let trainer {
            if !config.discriminator.checkpoint.isEmpty {
                try discriminator.load(SafeTensors.read(contentsOf: URL(fileURLWithPath: config.discriminator.checkpoint)).tensors)
            } else {
                for step in 1...Swift.max(config.discriminator.training.pretrainingSteps, 1)
                where config.discriminator.training.pretrainingSteps > 0 {
                    let report = trainer.train(negatives: reward.sampleGenerated(count: config.discriminator.training.negativeCount))
                    try record("discriminator_pretraining", step: step,
                               ["discriminator_loss": report.loss, "discriminator_accuracy": report.accuracy])
                }
            }
            try SafeTensors.write(discriminator.parameterDictionary(),
                                  to: outputDirectory.appendingPathComponent("discriminator_pretrained.safetensors"))
        }

        // Adversarial rounds: SeqGAN's generator update inside GenRL's trainer loop.
        let policy = Policy(model: model, tokenizer: data.tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: data.sequenceLength,
                                                            stopAtEndToken: data.endToken != nil,
                                                            endToken: data.endToken ?? Vocabulary.endID))
        let setup = TrainingSetup(policy: policy, reference: nil, reward: reward,
                                  prompts: PromptSource(prompts: [Prompt(text: "", tokens: [data.startToken])]),
                                  optimizer: Adam(learningRate: config.adversarial.learningRate), seed: random.next())
        var algorithmConfiguration = SeqGAN.Configuration()
        algorithmConfiguration.batchSize = config.adversarial.batchSize
        algorithmConfiguration.generatorSteps = config.adversarial.generatorSteps
        algorithmConfiguration.maxGradientNorm = config.adversarial.maxGradientNorm
        algorithmConfiguration.baseline = config.adversarial.baseline
        let algorithm = SeqGAN(setup: setup, configuration: algorithmConfiguration)
        let progress = RoundLogger { [unowned self] step, report in
            var metrics: [String: Double] = [
                "reward_mean": report.metrics["reward/mean"] ?? .nan,
                "action_value_mean": report.metrics["reward/action_value_mean"] ?? .nan,
                "policy_loss": report.metrics["losses/policy"] ?? .nan,
            ]
            if let loss = report.metrics["discriminator/loss"] { metrics["discriminator_loss"] = loss }
            if let accuracy = report.metrics["discriminator/accuracy"] { metrics["discriminator_accuracy"] = accuracy }
            if let mixing { metrics["batch_objective_mean"] = mixing.lastObjectiveMean }
            if step % config.adversarial.evaluationInterval == 0 || step == config.adversarial.rounds {
                metrics.merge(try self.measure(model, sampler, evaluation)) { _, new in new }
            }
            try self.record("adversarial", step: step, metrics)
        }
        model.train()
        try Trainer(algorithm: algorithm, callbacks: [progress]).run(iterations: config.adversarial.rounds)
    }

    // MARK: - Measurements

    /// NLL-oracle (oracle data), NLL-test, and on text the objective's mean over
    /// `evaluation.objective_samples` generated lines, of the generator at
    /// `evaluation.temperature`.
    private func measure(_ trained: RecurrentLanguageModel, _ trainedSampler: LSTMSampler, _ evaluation: GeneratorEvaluation,
                         nllOracleSamples: Int? = nil) throws -> [String: Double] {
        let (model, sampler) = measured(trained, trainedSampler)
        var metrics = ["nll_test": try evaluation.nllTest(model)]
        if evaluation.data.oracle == nil, configuration.evaluation.objectiveSamples > 0, let objective = try? makeObjective(evaluation.data) {
            let generated = evaluation.samples(sampler, count: configuration.evaluation.objectiveSamples, generator: &evaluationRandom)
            metrics["objective_mean"] = try objectiveMean(objective, generated, evaluation.data)
        }
        if let nll = evaluation.nllOracle(sampler, samples: nllOracleSamples ?? configuration.evaluation.nllOracleSamples,
                                          generator: &evaluationRandom) {
            metrics["nll_oracle"] = nll
        }
        return metrics
    }

    /// The generator as measured at `evaluation.temperature` τ: `model` itself at τ = 1,
    /// otherwise its tempered copy (logits z/τ) with a sampler of its own.
    private func measured(_ model: RecurrentLanguageModel, _ sampler: LSTMSampler)
        -> (model: RecurrentLanguageModel, sampler: LSTMSampler) {
        let temperature = configuration.evaluation.temperature
        guard temperature != 1 else { return (model, sampler) }
        let tempered = model.tempered(by: temperature)
        return (tempered, LSTMSampler(tempered))
    }

    private func makeObjective(_ data: ExperimentData) throws -> any RewardFunction {
        switch configuration.organ.objective {
        case "known_words":
            guard !data.trainingLines.isEmpty else { throw ExperimentError.invalid("organ.objective known_words needs corpus data") }
            return KnownWordReward(corpus: data.trainingLines)
        default:
            throw ExperimentError.invalid("organ.objective: unknown objective \"\(configuration.organ.objective)\" (known: known_words)")
        }
    }

    private func objectiveMean(_ objective: any RewardFunction, _ sequences: [[Int]], _ data: ExperimentData) throws -> Double {
        let samples = sequences.enumerated().map { Sample(index: $0.offset, completion: data.text($0.element)) }
        let scores = try objective.checkedScore(samples).terminal.map { $0 ?? 0 }
        return scores.reduce(0, +) / Double(Swift.max(scores.count, 1))
    }

    private func record(_ phase: String, step: Int, _ metrics: [String: Double]) throws {
        var line = metrics
        line["step"] = Double(step)
        line["seconds"] = Date().timeIntervalSince(started)
        try log?.write(phase: phase, line)
        onMetrics?(line, phase)
    }
}

/// Calls `body` after every trainer iteration.
private final class RoundLogger: TrainingCallback {
    let body: (Int, IterationReport) throws -> Void
    init(_ body: @escaping (Int, IterationReport) throws -> Void) { self.body = body }
    func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {
        try body(step, report)
    }
}

/// Appends JSON lines to a file, keys sorted, `phase` as a string.
final class MetricsLog {
    let handle: FileHandle

    init(url: URL) throws {
        guard FileManager.default.createFile(atPath: url.path, contents: nil) else {
            throw ExperimentError.invalid("\(url.path): cannot create the metrics file")
        }
        handle = try FileHandle(forWritingTo: url)
    }

    func write(phase: String, _ metrics: [String: Double]) throws {
        var object: [String: Any] = ["phase": phase]
        for (key, value) in metrics { object[key] = value.isFinite ? (key == "step" ? Int(value) as Any : value as Any) : NSNull() }
        var data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
        data.append(0x0A)
        try handle.write(contentsOf: data)
    }

    deinit { try? handle.close() }
}
