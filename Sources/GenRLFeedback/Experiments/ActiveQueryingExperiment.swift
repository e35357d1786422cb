import Foundation
import GenRLCharts
import GenRLModels
import GenRLTensor

/// The active-querying experiment of the docs: from one pool of candidate pairs, label
/// them a round at a time, chosen by a `QuerySelection` (at random, where the reward-model
/// ensemble disagrees most, or where a linear head on its features is most uncertain), and
/// follow the held-out accuracy against the number of labels.
///
/// For a fair comparison, every strategy of one repeat shares the pool, the held-out
/// pairs, the first (random) labels, the labeller's answers (drawn once for the whole
/// pool) and the ensemble's initial weights.
public struct ActiveQueryingConfiguration: Codable, Sendable, Equatable {
    /// Prompts and the gold reward.
    public var task = PreferenceTaskConfiguration()
    /// The pretrained model directory (pairs are sampled from it; backbones start from it).
    public var pretrained = "runs/preferences/pretrained"
    /// Where summary.json and curve.svg are written.
    public var output = "runs/preferences/active_querying"
    /// The simulated labeller.
    public var labeller = SimulatedLabellerConfiguration(temperature: 0.5, seed: 1)
    /// Candidate pairs to choose from.
    public var poolSize = 3000
    /// Sampling temperatures of the candidate pairs, the pool split evenly between them
    /// (held-out pairs are always sampled at 1). `[1]`: the pretrained model as it is.
    /// Several temperatures make a pool whose pairs differ in how informative they are
    /// (the run logs each part's median gold-reward gap).
    public var poolTemperatures: [Double] = [1]
    /// Held-out pairs (from held-out prompts).
    public var heldOutComparisons = 1000
    /// Random labels every strategy starts with.
    public var initialLabels = 100
    /// Labels added per round.
    public var labelsPerRound = 100
    /// Rounds after the first.
    public var rounds = 8
    /// The strategies compared.
    public var strategies: [QuerySelection] = [.random, .ensembleDisagreement]
    /// The linear head of `feature_uncertainty` (prior precision, curvature weighting);
    /// unused by the other strategies.
    public var featureUncertainty = FeatureUncertaintySettings()
    /// The reward-model ensemble; `training.epochs` passes over all labels per round.
    public var rewardModel: RewardModelSettings = {
        var settings = RewardModelSettings()
        settings.training.epochs = 3
        return settings
    }()
    /// Train a fresh ensemble (same initial weights) on all labels each round, so that each
    /// point of a curve is a reward model trained on that label set alone; false: keep
    /// training the same ensemble, which revisits the first labels every round and overfits
    /// them.
    public var retrainEachRound = true
    /// Independent repeats (different pools, labels and initial weights).
    public var repeats = 3
    /// Seed of the first repeat.
    public var seed: UInt64 = 0

    /// The defaults (the values above).
    public init() {}
}

/// One strategy's curve.
public struct ActiveQueryingCurve: Codable, Sendable {
    /// The strategy.
    public var strategy: QuerySelection
    /// Labels at each evaluation.
    public var labels: [Int]
    /// Held-out accuracy against the gold order, mean over repeats, and its standard error.
    public var goldAccuracy: [Double]
    /// Standard error over repeats of `goldAccuracy`.
    public var goldAccuracyStandardError: [Double]
    /// Held-out accuracy against fresh noisy labels, mean over repeats.
    public var labelAccuracy: [Double]
    /// Held-out accuracy against the gold order, [repeat][evaluation].
    public var goldAccuracyByRepeat: [[Double]]
    /// At each evaluation, the share of the labels added since the last one (the first
    /// evaluation: the initial random labels) whose pair has unequal gold rewards, mean
    /// over repeats. Pairs with equal gold say nothing about the gold order, so a strategy
    /// that finds informative pairs shows a share above the pool's.
    public var informativeShareOfNewLabels: [Double]

    /// A curve from each repeat's gold-order accuracies (its mean and standard error
    /// computed here) and the means over repeats of the other two rows.
    public init(strategy: QuerySelection, labels: [Int], goldAccuracyByRepeat: [[Double]], labelAccuracy: [Double],
                informativeShareOfNewLabels: [Double]) {
        self.strategy = strategy
        self.labels = labels
        self.goldAccuracy = ActiveQueryingExperiment.meanOverRepeats(goldAccuracyByRepeat)
        self.goldAccuracyStandardError = ActiveQueryingExperiment.standardErrorOverRepeats(goldAccuracyByRepeat)
        self.labelAccuracy = labelAccuracy
        self.goldAccuracyByRepeat = goldAccuracyByRepeat
        self.informativeShareOfNewLabels = informativeShareOfNewLabels
    }
}

/// A strategy against the baseline (the first strategy), paired within repeats.
///
/// The strategies of one repeat share the pool, the held-out pairs, the labeller's answers,
/// the first labels and the initial weights, so the difference of their curves within a
/// repeat carries much less noise than either curve. The gain of a repeat is the mean over
/// the evaluations after the first (where the strategies start to differ) of
/// accuracy(strategy) − accuracy(baseline), against the gold order; its mean over repeats is
/// reported with the standard error.
public struct ActiveQueryingGain: Codable, Sendable {
    /// The strategy compared with the baseline.
    public var strategy: QuerySelection
    /// The gain of each repeat.
    public var gainByRepeat: [Double]
    /// Mean of `gainByRepeat`.
    public var meanGain: Double
    /// Standard error of `meanGain` over repeats (0 with one repeat).
    public var standardError: Double
}

/// What the experiment found.
public struct ActiveQueryingSummary: Codable, Sendable {
    /// One curve per strategy, in the configuration's order.
    public var curves: [ActiveQueryingCurve]
    /// The mean label ceiling of the held-out pairs.
    public var labelCeiling: Double
    /// The share of the candidate pairs with unequal gold rewards, mean over repeats
    /// (compare with each curve's `informativeShareOfNewLabels`).
    public var poolInformativeShare: Double
    /// For each strategy after the first, the labels it needed to reach the first
    /// strategy's final gold-order accuracy (linear interpolation; nil if never).
    public var labelsToMatchBaseline: [String: Double?]
    /// Each strategy after the first against the first, paired within repeats.
    public var pairedGains: [ActiveQueryingGain]
    /// Wall-clock seconds of the run.
    public var seconds: Double

    /// The summary of `curves` (the first is the baseline): the labels each later strategy
    /// needs to match the baseline's final accuracy and the paired gains are computed here.
    public init(curves: [ActiveQueryingCurve], labelCeiling: Double, poolInformativeShare: Double, seconds: Double) {
        self.curves = curves
        self.labelCeiling = labelCeiling
        self.poolInformativeShare = poolInformativeShare
        self.seconds = seconds
        var toMatch: [String: Double?] = [:]
        if let baseline = curves.first, let target = baseline.goldAccuracy.last {
            for curve in curves.dropFirst() {
                toMatch[curve.strategy.rawValue] = ActiveQueryingExperiment.labelsToReach(target, labels: curve.labels,
                                                                                          accuracy: curve.goldAccuracy)
            }
        }
        labelsToMatchBaseline = toMatch
        pairedGains = curves.dropFirst().map { curve in
            ActiveQueryingExperiment.pairedGain(curve.strategy, curve.goldAccuracyByRepeat, against: curves[0].goldAccuracyByRepeat)
        }
    }
}

/// Runs the active-querying comparison (see `ActiveQueryingConfiguration`).
public enum ActiveQueryingExperiment {
    /// Runs the experiment described by `configuration`, writes its files and returns the
    /// summary; `log` receives progress lines.
    public static func run(_ configuration: ActiveQueryingConfiguration,
                           log: (String) -> Void = { print($0) }) throws -> ActiveQueryingSummary {
        let start = Date()
        guard !configuration.poolTemperatures.isEmpty, configuration.poolTemperatures.allSatisfy({ $0 > 0 }) else {
            throw FeedbackError.invalidConfiguration("pool_temperatures \(configuration.poolTemperatures) must be positive and not empty")
        }
        try configuration.featureUncertainty.validate()
        let output = URL(fileURLWithPath: configuration.output)
        let task = try PreferenceTask(configuration: configuration.task)
        let pretrained = URL(fileURLWithPath: configuration.pretrained)
        let (model, _, tokenizer) = try ModelDirectory.load(from: pretrained)
        let strategies = configuration.strategies
        if let strategy = strategies.first(where: \.usesLinearHeadPosterior), !(model is any ValueHeadFeatures) {
            throw FeedbackError.invalidConfiguration(
                "\(strategy.rawValue) reads the value head's inputs, which the \(model.architectureSummary) backbone does not expose")
        }
        // accuracy[strategy][repeat][round]
        var gold = [[[Double]]](repeating: [], count: strategies.count)
        var labelled = [[[Double]]](repeating: [], count: strategies.count)
        var informative = [[[Double]]](repeating: [], count: strategies.count)
        var ceilings: [Double] = [], poolShares: [Double] = []
        for repeatIndex in 0..<configuration.repeats {
            let seed = configuration.seed &+ UInt64(repeatIndex) &* 7919
            var generator = RandomGenerator(seed: seed)
            // The candidate pairs and their gold-reward gaps |gold₀ − gold₁|, pair by pair.
            var pool: [PreferenceQuery] = [], poolGaps: [Double] = []
            let temperatures = configuration.poolTemperatures
            for (i, temperature) in temperatures.enumerated() {
                let share = configuration.poolSize * (i + 1) / temperatures.count - configuration.poolSize * i / temperatures.count
                let pairs = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.trainingPromptTexts,
                                             count: share, temperature: Float(temperature), generator: &generator)
                let gaps = try task.goldScores(pairs).map { abs($0[0] - $0[1]) }
                let sorted = gaps.sorted()
                log(String(format: "repeat %d: %d candidate pairs at temperature %.2f, median gold gap %.3f", repeatIndex,
                           pairs.count, temperature, sorted.isEmpty ? 0 : sorted[sorted.count / 2]))
                pool += pairs
                poolGaps += gaps
            }
            poolShares.append(informativeShare(pool.indices, gaps: poolGaps))
            log(String(format: "repeat %d: %.1f%% of candidate pairs have unequal gold rewards", repeatIndex, 100 * poolShares[repeatIndex]))
            let heldOut = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts,
                                           count: configuration.heldOutComparisons, generator: &generator)
            var labellerConfiguration = configuration.labeller
            labellerConfiguration.seed = configuration.labeller.seed &+ seed
            let answers = try SimulatedLabeller(gold: task.gold, configuration: labellerConfiguration).label(pool)
            let initial = Array(generator.permutation(pool.count).prefix(configuration.initialLabels))
            for (s, strategy) in strategies.enumerated() {
                var training = configuration.rewardModel.training
                training.seed = seed
                func freshTrainer() throws -> RewardModelTrainer {
                    let ensemble = try RewardModelEnsemble.loading(from: pretrained, settings: configuration.rewardModel, seed: seed &+ 100)
                    return RewardModelTrainer(ensemble: ensemble, configuration: training)
                }
                var trainer = try freshTrainer()
                var chosen = initial, remaining = Set(pool.indices).subtracting(initial)
                var selectionGenerator = RandomGenerator(seed: seed &+ 1)
                var goldCurve: [Double] = [], labelCurve: [Double] = []
                var informativeCurve = [informativeShare(initial, gaps: poolGaps)]
                for round in 0...configuration.rounds {
                    if round > 0 {
                        let candidates = remaining.sorted()
                        let labelledPairs = chosen.filter { answers[$0] != nil }.map { pool[$0] }
                        let picked = try strategy.select(configuration.labelsPerRound, from: candidates.map { pool[$0] },
                                                         labelled: labelledPairs, ensemble: trainer.ensemble,
                                                         featureUncertaintySettings: configuration.featureUncertainty,
                                                         goldGaps: candidates.map { poolGaps[$0] }, generator: &selectionGenerator)
                        let pickedIndices = picked.map { candidates[$0] }
                        for index in pickedIndices {
                            chosen.append(index)
                            remaining.remove(index)
                        }
                        informativeCurve.append(informativeShare(pickedIndices, gaps: poolGaps))
                        log(String(format: "repeat %d, %@, round %d: %.0f%% of the picks have unequal gold rewards",
                                   repeatIndex, strategy.rawValue, round, 100 * informativeCurve[round]))
                    }
                    let examples = chosen.compactMap { index in
                        answers[index].map { PreferenceExample(prompt: pool[index].prompt, completions: pool[index].completions, label: $0) }
                    }
                    if round > 0 && configuration.retrainEachRound { trainer = try freshTrainer() }
                    trainer.train(examples)
                    let report = try RewardModelAccuracyReport.evaluate(ensemble: trainer.ensemble, heldOut: heldOut, task: task,
                                                                        labeller: labellerConfiguration)
                    goldCurve.append(report.goldAccuracy)
                    labelCurve.append(report.labelAccuracy)
                    if s == 0 && round == 0 { ceilings.append(report.labelCeiling) }
                    log(String(format: "repeat %d, %@, %4d labels: accuracy %.3f vs gold order, %.3f vs labels", repeatIndex,
                               strategy.rawValue, chosen.count, report.goldAccuracy, report.labelAccuracy))
                }
                gold[s].append(goldCurve)
                labelled[s].append(labelCurve)
                informative[s].append(informativeCurve)
            }
        }
        let labelCounts = (0...configuration.rounds).map { configuration.initialLabels + $0 * configuration.labelsPerRound }
        let curves = strategies.indices.map { s in
            ActiveQueryingCurve(strategy: strategies[s], labels: labelCounts, goldAccuracyByRepeat: gold[s],
                                labelAccuracy: meanOverRepeats(labelled[s]),
                                informativeShareOfNewLabels: meanOverRepeats(informative[s]))
        }
        let summary = ActiveQueryingSummary(curves: curves, labelCeiling: ceilings.reduce(0, +) / Double(max(ceilings.count, 1)),
                                            poolInformativeShare: poolShares.reduce(0, +) / Double(max(poolShares.count, 1)),
                                            seconds: Date().timeIntervalSince(start))
        try write(summary, to: output)
        return summary
    }

    /// Writes `summary.json` and `curve.svg` into `directory`.
    public static func write(_ summary: ActiveQueryingSummary, to directory: URL) throws {
        try ExperimentFiles.writeJSON(summary, to: directory.appendingPathComponent("summary.json"))
        try chart(summary).write(to: directory.appendingPathComponent("curve.svg"))
    }

    /// Accuracy against the gold order versus labels, one line per strategy.
    public static func chart(_ summary: ActiveQueryingSummary) -> LineChart {
        let colors = ["#7f7f7f", "#d62728", "#1f77b4", "#2ca02c"]
        let series = summary.curves.enumerated().map { i, curve in
            ChartSeries(name: curve.strategy.rawValue.replacingOccurrences(of: "_", with: " "),
                        points: zip(curve.labels, curve.goldAccuracy).map { (Double($0), $1) },
                        color: colors[i % colors.count], dashed: i == 0, dotRadius: 2.5, errors: curve.goldAccuracyStandardError)
        }
        return LineChart(title: "Reward model: held-out accuracy vs labels", xLabel: "labels",
                         yLabel: "accuracy against the gold order", series: series)
    }

    /// The share of the pairs `indices` whose gold rewards differ (`gaps`: |gold₀ − gold₁|
    /// per pool pair); pairs with equal gold carry no information about the gold order.
    public static func informativeShare<C: Collection<Int>>(_ indices: C, gaps: [Double]) -> Double {
        indices.isEmpty ? 0 : Double(indices.filter { gaps[$0] > 0 }.count) / Double(indices.count)
    }

    /// The first (interpolated) label count at which `accuracy` reaches `target`.
    static func labelsToReach(_ target: Double, labels: [Int], accuracy: [Double]) -> Double? {
        for i in accuracy.indices where accuracy[i] >= target {
            guard i > 0 else { return Double(labels[0]) }
            let fraction = (target - accuracy[i - 1]) / (accuracy[i] - accuracy[i - 1])
            return Double(labels[i - 1]) + fraction * Double(labels[i] - labels[i - 1])
        }
        return nil
    }

    /// `strategy`'s gain over `baseline` (curves [repeat][evaluation]), paired within
    /// repeats; see `ActiveQueryingGain`.
    public static func pairedGain(_ strategy: QuerySelection, _ curves: [[Double]], against baseline: [[Double]]) -> ActiveQueryingGain {
        let gains = zip(curves, baseline).map { curve, base in
            let differences = zip(curve, base).dropFirst().map { $0 - $1 }
            return differences.reduce(0, +) / Double(max(differences.count, 1))
        }
        let (mean, standardError) = (meanOverRepeats(gains.map { [$0] }).first ?? 0,
                                     standardErrorOverRepeats(gains.map { [$0] }).first ?? 0)
        return ActiveQueryingGain(strategy: strategy, gainByRepeat: gains, meanGain: mean, standardError: standardError)
    }

    static func meanOverRepeats(_ curves: [[Double]]) -> [Double] {
        guard let first = curves.first else { return [] }
        return first.indices.map { i in curves.map { $0[i] }.reduce(0, +) / Double(curves.count) }
    }

    static func standardErrorOverRepeats(_ curves: [[Double]]) -> [Double] {
        guard curves.count > 1, let first = curves.first else { return curves.first.map { $0.map { _ in 0 } } ?? [] }
        return first.indices.map { i in
            let values = curves.map { $0[i] }
            let mean = values.reduce(0, +) / Double(values.count)
            let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count - 1)
            return (variance / Double(values.count)).squareRoot()
        }
    }
}
