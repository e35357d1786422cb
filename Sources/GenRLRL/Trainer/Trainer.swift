import GenRLRewards

/// Something that watches a training run: logs metrics, keeps samples, writes
/// checkpoints, draws a progress bar. All methods have empty defaults.
public protocol TrainingCallback: AnyObject {
    /// Before the first iteration of `run` (also after a resume, with `step` > 0).
    func trainingWillStart(step: Int, algorithm: any PolicyGradientAlgorithm) throws
    /// After each iteration; `step` counts completed iterations (1 after the first).
    func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws
    /// After the last iteration.
    func trainingDidEnd(step: Int, algorithm: any PolicyGradientAlgorithm) throws
}

extension TrainingCallback {
    /// Does nothing.
    public func trainingWillStart(step: Int, algorithm: any PolicyGradientAlgorithm) throws {}
    /// Does nothing.
    public func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {}
    /// Does nothing.
    public func trainingDidEnd(step: Int, algorithm: any PolicyGradientAlgorithm) throws {}
}

/// The loop every algorithm runs in: iterate, add the reward's per-component metrics
/// (`rewards/<name>/mean`), let a trainable reward learn from the new samples (a SeqGAN
/// discriminator, a reward model), tell the callbacks.
public final class Trainer {
    /// The algorithm being run.
    public let algorithm: any PolicyGradientAlgorithm
    /// Told of every iteration, in order.
    public var callbacks: [any TrainingCallback]
    /// Completed iterations (restored on resume).
    public var step: Int

    /// A trainer that starts counting at `step` (0, or the step of the checkpoint resumed from).
    public init(algorithm: any PolicyGradientAlgorithm, callbacks: [any TrainingCallback] = [], step: Int = 0) {
        self.algorithm = algorithm
        self.callbacks = callbacks
        self.step = step
    }

    /// Runs until `step == iterations`. A thrown error (a reward that crashed, a callback
    /// that could not write) stops the loop after the callbacks of the last completed
    /// iteration have run, so nothing already done is lost.
    public func run(iterations: Int) throws {
        for callback in callbacks { try callback.trainingWillStart(step: step, algorithm: algorithm) }
        while step < iterations {
            var report = try algorithm.iterate()
            if let components = algorithm.setup.reward as? any ComponentReportingReward {
                report.metrics.merge(components.lastComponentMetrics) { current, _ in current }
            }
            if let trainable = algorithm.setup.reward as? any TrainableReward, let rollout = report.rollout {
                let rewardMetrics = try trainable.update(generated: rollout.samples, step: step)
                report.metrics.merge(rewardMetrics) { _, new in new }
            }
            step += 1
            for callback in callbacks { try callback.iterationDidEnd(step: step, report: report, algorithm: algorithm) }
        }
        for callback in callbacks { try callback.trainingDidEnd(step: step, algorithm: algorithm) }
    }
}

/// Keeps every iteration's metrics in memory (tests, notebooks, reports).
public final class MetricsHistory: TrainingCallback {
    /// Each iteration's metrics, with its `step`.
    public private(set) var rows: [[String: Double]] = []

    public init() {}

    /// Appends the report's metrics with `step`.
    public func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {
        var row = report.metrics
        row["step"] = Double(step)
        rows.append(row)
    }

    /// The values of `key` in order.
    public func series(_ key: String) -> [Double] { rows.compactMap { $0[key] } }
}
