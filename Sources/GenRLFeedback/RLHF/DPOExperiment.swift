import Foundation
import GenRLModels
import GenRLNN
import GenRLRL
import GenRLRewards
import GenRLTensor

/// Which direct preference objective to train with.
public enum DirectPreferenceLoss: String, Codable, Sendable, CaseIterable {
    case dpo, ipo
}

/// The DPO/IPO experiment of the docs: the same simulated labeller and the same kind of
/// pairs as `RLHFConfiguration`, learned from directly against the pretrained model as
/// reference, with the gold reward and the KL watched on held-out prompts.
public struct DPOExperimentConfiguration: Codable, Sendable, Equatable {
    /// Prompts and the gold reward.
    public var task = PreferenceTaskConfiguration()
    /// The pretrained model directory (policy start and reference).
    public var pretrained = "runs/preferences/pretrained"
    /// Where the run writes preferences.sqlite, metrics.jsonl, summary.json, curves.svg.
    public var output = "runs/preferences/dpo"
    /// The simulated labeller.
    public var labeller = SimulatedLabellerConfiguration(temperature: 0.5, seed: 1)
    /// Labelled pairs (sampled from the pretrained model, as in Rafailov et al. 2023).
    public var comparisons = 2000
    /// DPO or IPO.
    public var loss = DirectPreferenceLoss.dpo
    /// DPO's settings (used when `loss` is dpo).
    public var dpo: DPO.Configuration = {
        var configuration = DPO.Configuration()
        configuration.batchSize = 32
        return configuration
    }()
    /// IPO's settings (used when `loss` is ipo).
    public var ipo: IPO.Configuration = {
        var configuration = IPO.Configuration()
        configuration.batchSize = 32
        return configuration
    }()
    /// Adam's learning rate (Rafailov et al. 2023: 1e-6 for billion-parameter models).
    public var learningRate: Float = 3e-4
    /// Optimizer steps.
    public var iterations = 150
    /// Held-out prompts for the evaluation rollouts.
    public var evaluationPrompts = 256
    /// Steps between evaluation rollouts.
    public var evaluationInterval = 25
    /// Seed of sampling, the pairs and the batch order.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// What a DPO or IPO run reached.
public struct DPOSummary: Codable, Sendable {
    /// "dpo" or "ipo".
    public var loss: String
    /// Gold reward of the pretrained model on the evaluation prompts.
    public var initialGold: Double
    /// Gold reward after training.
    public var finalGold: Double
    /// Exact KL(π ‖ π_ref) per sequence after training, nats.
    public var finalKL: Double
    /// Preference pairs trained on.
    public var pairs: Int
    /// Share of training pairs whose implicit reward orders them as labelled, last 10 steps.
    public var finalImplicitRewardAccuracy: Double
    /// Wall-clock seconds of the run.
    public var seconds: Double
}

/// Runs the DPO/IPO experiment.
public enum DPOExperiment {
    /// Runs the experiment described by `configuration`, writes its files and returns the
    /// summary; `log` receives progress lines.
    public static func run(_ configuration: DPOExperimentConfiguration, log: @escaping (String) -> Void = { print($0) }) throws -> DPOSummary {
        let start = Date()
        let output = URL(fileURLWithPath: configuration.output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let task = try PreferenceTask(configuration: configuration.task)
        let pretrained = URL(fileURLWithPath: configuration.pretrained)
        let (policyModel, _, tokenizer) = try ModelDirectory.load(from: pretrained, valueHead: false)
        let (reference, _, _) = try ModelDirectory.load(from: pretrained, valueHead: false)
        var generator = RandomGenerator(seed: configuration.seed)

        // 1. The same kind of labels as the RLHF run: pairs from the pretrained model.
        let storeURL = output.appendingPathComponent("preferences.sqlite")
        try? FileManager.default.removeItem(at: storeURL)
        let store = try PreferenceStore(path: storeURL.path)
        let labeller = SimulatedLabeller(name: "simulated", gold: task.gold, configuration: configuration.labeller)
        let queries = task.samplePairs(model: reference, tokenizer: tokenizer, promptTexts: task.trainingPromptTexts,
                                       count: configuration.comparisons, generator: &generator)
        try store.append(try labeller.records(for: queries))
        let pairs = PreferencePairs(records: try store.records(), tokenizer: tokenizer, reference: reference)
        log("labelled \(try store.count()) comparisons: \(pairs.count) preference pairs")

        // 2. DPO or IPO against the pretrained model, watched by the gold reward.
        let policy = Policy(model: policyModel, tokenizer: tokenizer, decoding: task.decoding)
        let unused = ClosureReward(name: "unused") { $0.map { _ in 0 } }  // DPO and IPO never sample during training
        let setup = TrainingSetup(policy: policy, reference: reference, reward: unused,
                                  prompts: PromptSource(prompts: task.prompts(task.trainingPromptTexts, tokenizer: tokenizer)),
                                  optimizer: Adam(learningRate: configuration.learningRate), seed: configuration.seed &+ 1)
        let algorithm: any PolicyGradientAlgorithm = switch configuration.loss {
        case .dpo: DPO(setup: setup, data: pairs, configuration: configuration.dpo)
        case .ipo: IPO(setup: setup, data: pairs, configuration: configuration.ipo)
        }
        let evaluationPrompts = task.prompts(Array(task.evaluationPromptTexts.prefix(configuration.evaluationPrompts)),
                                             tokenizer: tokenizer)
        let watch = GoldRewardWatch(algorithm, gold: task.gold, evaluationPrompts: evaluationPrompts,
                                    evaluationInterval: configuration.evaluationInterval, seed: configuration.seed &+ 2)
        let metrics = try MetricsLog(url: output.appendingPathComponent("metrics.jsonl"),
                                     printInterval: configuration.evaluationInterval,
                                     printedKeys: ["losses/\(configuration.loss.rawValue)", "rewards/accuracy", "eval/gold_mean", "eval/kl"], printer: log)
        let initial = try watch.evaluate()
        let initialSamples = watch.lastEvaluation
        try metrics.log(step: 0, metrics: initial)
        let trainer = Trainer(algorithm: watch, callbacks: [metrics])
        try trainer.run(iterations: configuration.iterations)
        let final = try watch.evaluate()
        try metrics.log(step: trainer.step, metrics: final)
        try EvaluationSamplesFile.write([(0, initialSamples), (trainer.step, watch.lastEvaluation)], in: output)
        try ModelDirectory.save(model: policyModel, configuration: try ModelDirectory.configuration(in: pretrained),
                                tokenizer: tokenizer, to: output.appendingPathComponent("policy"))

        let accuracy = metrics.series("rewards/accuracy").suffix(10).map(\.value)
        let summary = DPOSummary(loss: configuration.loss.rawValue, initialGold: initial["eval/gold_mean"] ?? 0,
                                 finalGold: final["eval/gold_mean"] ?? 0, finalKL: final["eval/kl"] ?? 0, pairs: pairs.count,
                                 finalImplicitRewardAccuracy: accuracy.reduce(0, +) / Double(max(accuracy.count, 1)),
                                 seconds: Date().timeIntervalSince(start))
        try ExperimentFiles.writeJSON(summary, to: output.appendingPathComponent("summary.json"))
        try ExperimentFiles.overOptimizationChart(metrics, title: "\(configuration.loss.rawValue.uppercased()): gold reward and KL")
            .write(to: output.appendingPathComponent("curves.svg"))
        return summary
    }
}
