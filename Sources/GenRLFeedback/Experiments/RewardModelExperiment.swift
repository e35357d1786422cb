import Foundation
import GenRLModels
import GenRLTensor

/// The reward-model experiment of the docs: train an ensemble on simulated labels of
/// pairs from the pretrained model and report its held-out accuracy beside the ceiling
/// the labeller's noise allows, and its calibration.
public struct RewardModelExperimentConfiguration: Codable, Sendable, Equatable {
    /// Prompts and the gold reward.
    public var task = PreferenceTaskConfiguration()
    /// The pretrained model directory (pairs are sampled from it; backbones start from it).
    public var pretrained = "runs/preferences/pretrained"
    /// Where summary.json and preferences.sqlite are written.
    public var output = "runs/preferences/reward_model"
    /// The simulated labeller.
    public var labeller = SimulatedLabellerConfiguration(temperature: 0.5, seed: 1)
    /// Labelled training pairs.
    public var comparisons = 2000
    /// Held-out pairs (from held-out prompts).
    public var heldOutComparisons = 1000
    /// The reward model.
    public var rewardModel = RewardModelSettings()
    /// Seed of sampling.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// What the reward-model experiment found.
public struct RewardModelExperimentSummary: Codable, Sendable {
    /// Held-out accuracy, ceiling and calibration of the ensemble.
    public var ensemble: RewardModelAccuracyReport
    /// The same for each member alone.
    public var members: [RewardModelAccuracyReport]
    /// The ceiling estimated by simulation: how often a fresh labeller's answer agrees
    /// with the Bayes-optimal prediction on the held-out pairs (checks `labelCeiling`).
    public var simulatedCeiling: Double
    /// Training labels.
    public var labels: Int
    /// Wall-clock seconds of the run.
    public var seconds: Double
}

/// Runs the reward-model accuracy experiment.
public enum RewardModelExperiment {
    /// Runs the experiment described by `configuration`, writes its files and returns the
    /// summary; `log` receives progress lines.
    public static func run(_ configuration: RewardModelExperimentConfiguration,
                           log: (String) -> Void = { print($0) }) throws -> RewardModelExperimentSummary {
        let start = Date()
        let output = URL(fileURLWithPath: configuration.output)
        try FileManager.default.createDirectory(at: output, withIntermediateDirectories: true)
        let task = try PreferenceTask(configuration: configuration.task)
        let pretrained = URL(fileURLWithPath: configuration.pretrained)
        let (model, _, tokenizer) = try ModelDirectory.load(from: pretrained)
        var generator = RandomGenerator(seed: configuration.seed)
        let labeller = SimulatedLabeller(name: "simulated", gold: task.gold, configuration: configuration.labeller)
        let queries = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.trainingPromptTexts,
                                       count: configuration.comparisons, generator: &generator)
        let heldOut = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts,
                                       count: configuration.heldOutComparisons, generator: &generator)
        let storeURL = output.appendingPathComponent("preferences.sqlite")
        try? FileManager.default.removeItem(at: storeURL)
        let store = try PreferenceStore(path: storeURL.path)
        try store.append(try labeller.records(for: queries))
        let examples = try store.records().map(PreferenceExample.init)
        log("labelled \(examples.count) training pairs, \(heldOut.count) held-out pairs")

        let ensemble = try RewardModelEnsemble.loading(from: pretrained, settings: configuration.rewardModel, seed: configuration.seed &+ 100)
        let trainer = RewardModelTrainer(ensemble: ensemble, configuration: configuration.rewardModel.training)
        let metrics = trainer.train(examples)
        log(String(format: "trained: loss %.3f, training accuracy %.3f", metrics["reward_model/loss"] ?? 0,
                   metrics["reward_model/train_accuracy"] ?? 0))
        let report = try RewardModelAccuracyReport.evaluate(ensemble: ensemble, heldOut: heldOut, task: task,
                                                            labeller: configuration.labeller)
        let members = try ensemble.members.map { member in
            try RewardModelAccuracyReport.evaluate(ensemble: RewardModelEnsemble(members: [member]), heldOut: heldOut, task: task,
                                                   labeller: configuration.labeller)
        }
        let simulated = try simulatedCeiling(heldOut: heldOut, task: task, labeller: configuration.labeller, repeats: 20)
        let summary = RewardModelExperimentSummary(ensemble: report, members: members, simulatedCeiling: simulated,
                                                   labels: examples.count, seconds: Date().timeIntervalSince(start))
        try ExperimentFiles.writeJSON(summary, to: output.appendingPathComponent("summary.json"))
        return summary
    }

    /// How often fresh noisy labels agree with the Bayes-optimal prediction (the side the
    /// labeller picks more often), over `repeats` independent labellings of `heldOut`.
    public static func simulatedCeiling(heldOut: [PreferenceQuery], task: PreferenceTask,
                                        labeller configuration: SimulatedLabellerConfiguration, repeats: Int) throws -> Double {
        var agree = 0.0, total = 0.0
        for repeatIndex in 0..<repeats {
            var fresh = configuration
            fresh.seed = configuration.seed &+ 5000 &+ UInt64(repeatIndex)
            fresh.answer = .choice
            let labeller = SimulatedLabeller(name: "ceiling", gold: task.gold, configuration: fresh)
            let perceived = try labeller.perceivedRewards(heldOut)
            for (label, u) in zip(try labeller.label(heldOut), perceived) {
                guard let outcome = label?.preference(of: 0, over: 1), outcome != 0.5 else { continue }
                let p = labeller.choiceProbability(perceivedFirst: u[0], second: u[1])
                total += 1
                if p == 0.5 { agree += 0.5 } else if (p > 0.5) == (outcome == 1) { agree += 1 }
            }
        }
        return total > 0 ? agree / total : 0
    }
}
