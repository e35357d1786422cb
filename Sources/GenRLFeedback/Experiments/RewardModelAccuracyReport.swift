import Foundation
import GenRLCharts

/// A reward model's accuracy on held-out pairs, beside the ceiling that the labeller's
/// noise allows.
///
/// The held-out pairs are labelled by a fresh simulated labeller of the same kind (same
/// configuration, another seed), so their labels are as noisy as the training labels.
/// No model can predict noisy labels better than the Bayes-optimal one, which knows the
/// gold reward and the noise model and answers the more likely label: on a pair where the
/// labeller picks the first completion with probability p, it is right with probability
/// max(p, 1 − p). The ceiling is the mean of that over the held-out pairs, computed
/// exactly from the labeller's model (`SimulatedLabeller.choiceProbability`).
public struct RewardModelAccuracyReport: Codable, Sendable, Equatable {
    /// Held-out pairs.
    public var pairs: Int
    /// Accuracy against the held-out (noisy) labels.
    public var labelAccuracy: Double
    /// The most any predictor can expect against those labels: mean max(p, 1 − p).
    public var labelCeiling: Double
    /// Accuracy against the order of the gold reward (pairs with equal gold left out).
    public var goldAccuracy: Double
    /// Calibration of the ensemble's mean probability against the held-out labels.
    public var calibration: PreferenceCalibration

    /// A report from its numbers.
    public init(pairs: Int, labelAccuracy: Double, labelCeiling: Double, goldAccuracy: Double, calibration: PreferenceCalibration) {
        self.pairs = pairs
        self.labelAccuracy = labelAccuracy
        self.labelCeiling = labelCeiling
        self.goldAccuracy = goldAccuracy
        self.calibration = calibration
    }

    /// Labels `heldOut` with a fresh labeller of `labeller`'s configuration (seed + 1000)
    /// and compares the ensemble's predictions with the labels and with the gold order.
    public static func evaluate(ensemble: RewardModelEnsemble, heldOut: [PreferenceQuery], task: PreferenceTask,
                                labeller configuration: SimulatedLabellerConfiguration) throws -> RewardModelAccuracyReport {
        var fresh = configuration
        fresh.seed = configuration.seed &+ 1000
        fresh.answer = .choice
        let labeller = SimulatedLabeller(name: "held-out", gold: task.gold, configuration: fresh)
        let labels = try labeller.label(heldOut)
        let outcomes = labels.map { $0?.preference(of: 0, over: 1) ?? 0.5 }
        let perceived = try labeller.perceivedRewards(heldOut)
        let agreement = perceived.map { u in
            let p = labeller.choiceProbability(perceivedFirst: u[0], second: u[1])
            return max(p, 1 - p)
        }
        let probabilities = ensemble.meanPreferenceProbabilities(heldOut)
        let calibration = PreferenceCalibration(probabilities: probabilities, outcomes: outcomes)
        let gold = try task.goldScores(heldOut)
        return RewardModelAccuracyReport(
            pairs: heldOut.count, labelAccuracy: calibration.accuracy,
            labelCeiling: zip(agreement, outcomes).filter { $0.1 != 0.5 }.map(\.0).reduce(0, +)
                / Double(max(calibration.decidedPairs, 1)),
            goldAccuracy: goldOrderAccuracy(probabilities: probabilities, gold: gold), calibration: calibration)
    }

    /// The fraction of pairs with unequal gold rewards on which p > ½ picks the gold winner.
    public static func goldOrderAccuracy(probabilities: [Double], gold: [[Double]]) -> Double {
        var correct = 0.0, counted = 0.0
        for (p, g) in zip(probabilities, gold) where g[0] != g[1] {
            counted += 1
            if p == 0.5 { correct += 0.5 } else if (p > 0.5) == (g[0] > g[1]) { correct += 1 }
        }
        return counted > 0 ? correct / counted : 0
    }
}

/// Writing experiment results.
public enum ExperimentFiles {
    /// Pretty-printed JSON with sorted keys.
    public static func writeJSON(_ value: some Encodable, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(value).write(to: url, options: .atomic)
    }

    /// One JSON object per line.
    public static func writeJSONLines<T: Encodable>(_ values: [T], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for value in values {
            data.append(try encoder.encode(value))
            data.append(0x0A)
        }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url, options: .atomic)
    }

    /// Several runs on one chart: the gold reward of their evaluation rollouts against the
    /// KL they reached, one line per run (`runs`: name and metrics rows).
    public static func goldVersusKLChart(_ runs: [(name: String, rows: [[String: Double]])], title: String) -> LineChart {
        let colors = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#7f7f7f"]
        let series = runs.enumerated().map { i, run in
            ChartSeries(name: run.name, points: run.rows.compactMap { row in
                guard let kl = row["eval/kl"], let gold = row["eval/gold_mean"] else { return nil }
                return (kl, gold)
            }, color: colors[i % colors.count], dotRadius: 2.5)
        }
        return LineChart(title: title, xLabel: "KL(π ‖ π_ref) per sequence, nats", yLabel: "gold reward on held-out prompts",
                         series: series)
    }

    /// The over-optimisation chart of a run: gold and learned reward of the evaluation
    /// rollouts against the KL to the reference they reached (the axes of Gao et al. 2023).
    public static func overOptimizationChart(_ log: MetricsLog, title: String) -> LineChart {
        let rows = log.rows.filter { $0["eval/kl"] != nil }
        func series(_ key: String) -> [(x: Double, y: Double)] {
            rows.compactMap { row in row[key].map { (row["eval/kl"]!, $0) } }
        }
        var lines = [ChartSeries(name: "gold reward (hidden)", points: series("eval/gold_mean"), color: "#d62728", dotRadius: 2.5)]
        let learned = series("eval/learned_mean")
        if !learned.isEmpty {
            lines.append(ChartSeries(name: "learned reward (normalised)", points: learned, color: "#1f77b4", dashed: true, dotRadius: 2.5))
        }
        return LineChart(title: title, xLabel: "KL(π ‖ π_ref) per sequence, nats", yLabel: "reward on held-out prompts", series: lines)
    }
}
