import GenRLRL

/// A training callback that records a run into its folder: the metrics of every step in
/// `metrics.jsonl`, the rollout's samples every `samplesEvery` steps (and at the first
/// and the last step) in `samples.jsonl`, and the progress line. Checkpoints are the
/// caller's (they need the model and optimizer): `session.saveCheckpoint`.
public final class RunRecorder: TrainingCallback {
    /// The run's open logs and checkpoints.
    public let session: RunSession
    /// The progress display, if any.
    public let progress: ProgressReporter?
    /// The last step of training (samples are always logged there); nil if unknown.
    public let totalSteps: Int?
    /// Log samples every this many steps (0: only at the first and last step).
    public let samplesEvery: Int
    /// Samples logged per logged step (the rollout's first ones).
    public let samplesPerStep: Int

    /// A recorder writing to `session`.
    public init(session: RunSession, progress: ProgressReporter? = nil, totalSteps: Int? = nil,
                samplesEvery: Int = 10, samplesPerStep: Int = 8) {
        self.session = session
        self.progress = progress
        self.totalSteps = totalSteps ?? progress?.totalSteps
        self.samplesEvery = samplesEvery
        self.samplesPerStep = samplesPerStep
    }

    /// Whether `step`'s samples are logged: the first step, every `samplesEvery`-th, the last.
    public func logsSamples(atStep step: Int) -> Bool {
        step == 1 || step == totalSteps || (samplesEvery > 0 && step % samplesEvery == 0)
    }

    /// Logs the step's metrics (and samples, when due) and updates the progress line.
    public func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {
        try session.logMetrics(step: step, report.metrics)
        if logsSamples(atStep: step), let rollout = report.rollout {
            try session.logSamples(Self.sampleRecords(step: step, rollout: rollout, limit: samplesPerStep))
        }
        progress?.update(step: step, metrics: report.metrics)
    }

    /// Ends the progress line.
    public func trainingDidEnd(step: Int, algorithm: any PolicyGradientAlgorithm) throws {
        progress?.finish()
    }

    /// The first `limit` samples of `rollout` as records: prompt, completion, terminal
    /// reward (nil when missing), and `kl` (the sequence's KL to the reference) and
    /// `tokens` (completion length) when known.
    public static func sampleRecords(step: Int, rollout: Rollout, limit: Int) -> [SampleRecord] {
        let sequenceKL = rollout.klPerToken != nil ? rollout.sequenceKL.scalars : nil
        return rollout.samples.prefix(limit).enumerated().map { index, sample in
            var fields: [String: JSONValue] = ["tokens": .integer(sample.completionTokens.count)]
            if let sequenceKL { fields["kl"] = .number(Double(sequenceKL[index])) }
            let reward = index < rollout.scores.terminal.count ? rollout.scores.terminal[index] : nil
            return SampleRecord(step: step, prompt: sample.prompt, completion: sample.completion, reward: reward, fields: fields)
        }
    }
}
