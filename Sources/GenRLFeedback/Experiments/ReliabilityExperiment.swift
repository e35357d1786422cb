import Foundation
import GenRLModels
import GenRLTensor

/// The labeller-reliability experiment of the docs: a panel of simulated labellers, some
/// of them adversarial, labels every pair several times; reward models trained on the
/// raw labels and on labels weighted by Dawid–Skene's reliability estimates are compared
/// with one trained on an all-honest panel's labels.
public struct ReliabilityExperimentConfiguration: Codable, Sendable, Equatable {
    /// Prompts and the gold reward.
    public var task = PreferenceTaskConfiguration()
    /// The pretrained model directory (pairs are sampled from it; backbones start from it).
    public var pretrained = "runs/preferences/pretrained"
    /// Where summary.json is written.
    public var output = "runs/preferences/reliability"
    /// The honest labellers (each panel member gets its own seed).
    public var labeller = SimulatedLabellerConfiguration(temperature: 0.5, seed: 1)
    /// Labellers in the panel.
    public var panelSize = 10
    /// Fraction of the panel that is adversarial (prefers what the gold reward dislikes).
    public var adversarialFraction = 0.2
    /// Distinct pairs labelled.
    public var comparisons = 1000
    /// Panel members labelling each pair (Dawid–Skene needs overlap).
    public var labelsPerComparison = 3
    /// Held-out pairs (from held-out prompts).
    public var heldOutComparisons = 1000
    /// The reward-model ensemble, trained afresh (same initial weights) for each condition.
    public var rewardModel = RewardModelSettings()
    /// The EM.
    public var dawidSkene = DawidSkene.Configuration()
    /// Ways of using the estimates compared with training on the raw labels.
    public var modes: [ReliabilityWeighting.Mode] = [.posteriorTargets, .logOddsWeights]
    /// Independent repeats (pairs, panels and initial weights); accuracies are averaged.
    public var repeats = 3
    /// Seed of the first repeat's sampling, panel and reward models.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// One condition's result.
public struct ReliabilityCondition: Codable, Sendable {
    /// "honest panel", "20% adversarial, unweighted", ...
    public var name: String
    /// Examples the reward model was trained on.
    public var examples: Int
    /// Held-out accuracy against the gold order and against an honest labeller's labels,
    /// mean over repeats, with the standard error of the gold-order accuracy.
    public var goldAccuracy: Double
    /// Mean held-out accuracy against an honest labeller's labels.
    public var labelAccuracy: Double
    /// Standard error over repeats of `goldAccuracy`.
    public var goldAccuracyStandardError: Double
}

/// What the experiment found.
public struct ReliabilitySummary: Codable, Sendable {
    /// Honest panel (raw and aggregated), adversarial panel raw, then one per weighting mode.
    public var conditions: [ReliabilityCondition]
    /// The label ceiling of the held-out pairs (honest labeller).
    public var labelCeiling: Double
    /// Each panel member: adversarial or not, the fraction of its labels that agree with
    /// the gold order, and Dawid–Skene's estimate of its accuracy.
    public var labellers: [LabellerEstimate]
    /// For each weighting mode, (weighted − unweighted) / (honest − unweighted) of the
    /// gold-order accuracy: the share of the accuracy lost to adversaries that weighting
    /// recovers.
    public var recovered: [String: Double]
    /// Wall-clock seconds of the run.
    public var seconds: Double

    /// One panel member of the first repeat.
    public struct LabellerEstimate: Codable, Sendable {
        /// The member's name.
        public var name: String
        /// Whether it was adversarial.
        public var adversarial: Bool
        /// Share of its labels on pairs of unequal gold that agree with the gold order.
        public var agreementWithGold: Double
        /// Dawid–Skene's estimate of its accuracy.
        public var estimatedAccuracy: Double
    }
}

/// Runs the reliability comparison (see `ReliabilityExperimentConfiguration`).
public enum ReliabilityExperiment {
    /// Runs the experiment described by `configuration`, writes its files and returns the
    /// summary; `log` receives progress lines.
    public static func run(_ configuration: ReliabilityExperimentConfiguration,
                           log: (String) -> Void = { print($0) }) throws -> ReliabilitySummary {
        let start = Date()
        let task = try PreferenceTask(configuration: configuration.task)
        let pretrained = URL(fileURLWithPath: configuration.pretrained)
        let (model, _, tokenizer) = try ModelDirectory.load(from: pretrained)
        let percent = Int((configuration.adversarialFraction * 100).rounded())
        let names = ["honest panel, unweighted", "honest panel, posterior targets", "\(percent)% adversarial, unweighted"]
            + configuration.modes.map { "\(percent)% adversarial, \($0.rawValue.replacingOccurrences(of: "_", with: " "))" }
        var gold = [[Double]](repeating: [], count: names.count), labels = gold, examples = [Int](repeating: 0, count: names.count)
        var labellers: [ReliabilitySummary.LabellerEstimate] = []
        var ceilings: [Double] = []
        for repeatIndex in 0..<configuration.repeats {
            let seed = configuration.seed &+ UInt64(repeatIndex) &* 7919
            var generator = RandomGenerator(seed: seed)
            let pairs = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.trainingPromptTexts,
                                         count: configuration.comparisons, generator: &generator)
            let heldOut = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts,
                                           count: configuration.heldOutComparisons, generator: &generator)
            let adversaries = Int((Double(configuration.panelSize) * configuration.adversarialFraction).rounded())
            func panel(adversarial: Int) -> LabellerPanel {
                let members = (0..<configuration.panelSize).map { index -> SimulatedLabeller in
                    var member = configuration.labeller
                    member.seed = configuration.labeller.seed &+ seed &+ UInt64(index) &* 101
                    member.adversarial = index < adversarial
                    return SimulatedLabeller(name: index < adversarial ? "adversary-\(index)" : "honest-\(index)", gold: task.gold,
                                             configuration: member)
                }
                return LabellerPanel(members: members, labelsPerQuery: configuration.labelsPerComparison, seed: seed &+ 1)
            }
            let date = { Date(timeIntervalSince1970: 0) }
            let honestRecords = try panel(adversarial: 0).records(for: pairs, date: date)
            let mixedRecords = try panel(adversarial: adversaries).records(for: pairs, date: date)
            var evaluationLabeller = configuration.labeller
            evaluationLabeller.seed = configuration.labeller.seed &+ seed

            var sets: [[PreferenceExample]] = [
                honestRecords.map(PreferenceExample.init),
                ReliabilityWeighting.examples(from: honestRecords, mode: .posteriorTargets, configuration: configuration.dawidSkene).examples,
                mixedRecords.map(PreferenceExample.init),
            ]
            var estimates: [String: Double] = [:]
            for mode in configuration.modes {
                let outcome = ReliabilityWeighting.examples(from: mixedRecords, mode: mode, configuration: configuration.dawidSkene)
                estimates = outcome.labellerAccuracies
                sets.append(outcome.examples)
            }
            for (index, examplesOfCondition) in sets.enumerated() {
                let ensemble = try RewardModelEnsemble.loading(from: pretrained, settings: configuration.rewardModel, seed: seed &+ 100)
                var training = configuration.rewardModel.training
                training.seed = seed
                RewardModelTrainer(ensemble: ensemble, configuration: training).train(examplesOfCondition)
                let report = try RewardModelAccuracyReport.evaluate(ensemble: ensemble, heldOut: heldOut, task: task,
                                                                    labeller: evaluationLabeller)
                gold[index].append(report.goldAccuracy)
                labels[index].append(report.labelAccuracy)
                examples[index] = examplesOfCondition.count
                if index == 0 { ceilings.append(report.labelCeiling) }
                log(String(format: "repeat %d, %@: %d examples, held-out accuracy %.3f vs gold order, %.3f vs labels", repeatIndex,
                           names[index], examplesOfCondition.count, report.goldAccuracy, report.labelAccuracy))
            }
            if repeatIndex == 0 {
                labellers = try Dictionary(grouping: mixedRecords, by: \.labeller).sorted { $0.key < $1.key }.map { name, records in
                    let scores = try task.goldScores(records.map { PreferenceQuery(prompt: $0.prompt, completions: $0.completions) })
                    let decided = zip(records, scores).filter { $0.1[0] != $0.1[1] }
                    let agree = decided.filter { record, g in record.label == .choice(g[0] > g[1] ? 0 : 1) }.count
                    return ReliabilitySummary.LabellerEstimate(name: name, adversarial: name.hasPrefix("adversary"),
                                                               agreementWithGold: Double(agree) / Double(max(decided.count, 1)),
                                                               estimatedAccuracy: estimates[name] ?? .nan)
                }
            }
        }
        func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(max(values.count, 1)) }
        let conditions = names.indices.map { index in
            ReliabilityCondition(name: names[index], examples: examples[index], goldAccuracy: mean(gold[index]),
                                 labelAccuracy: mean(labels[index]),
                                 goldAccuracyStandardError: ActiveQueryingExperiment.standardErrorOverRepeats(gold[index].map { [$0] }).first ?? 0)
        }
        let honest = conditions[0].goldAccuracy, unweighted = conditions[2].goldAccuracy
        var recovered: [String: Double] = [:]
        for (mode, condition) in zip(configuration.modes, conditions.dropFirst(3)) {
            recovered[mode.rawValue] = (condition.goldAccuracy - unweighted) / (honest - unweighted)
        }
        let summary = ReliabilitySummary(conditions: conditions, labelCeiling: mean(ceilings), labellers: labellers,
                                         recovered: recovered, seconds: Date().timeIntervalSince(start))
        try ExperimentFiles.writeJSON(summary, to: URL(fileURLWithPath: configuration.output).appendingPathComponent("summary.json"))
        return summary
    }
}
