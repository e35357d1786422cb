/// A run open for training: its two logs and its checkpoint store, positioned at the
/// step training starts from (0 for a new run, the latest checkpoint's step on resume).
///
/// ```swift
/// let session = try RunDirectory.open(at: "runs/ppo-demo").resumeSession()
/// if let checkpoint = session.checkpoint { /* load model, optimizer, RNG from it */ }
/// for step in (session.startStep + 1)...total {
///     try session.logMetrics(step: step, metrics)
///     if step % 100 == 0 { try session.saveCheckpoint(step: step, files: [...]) }
/// }
/// ```
public final class RunSession {
    /// The run.
    public let run: RunDirectory
    /// `metrics.jsonl`, open for appending.
    public let metrics: MetricsLog
    /// `samples.jsonl`, open for appending.
    public let samples: SamplesLog
    /// `checkpoints/`.
    public let checkpoints: CheckpointStore
    /// The checkpoint training resumes from (nil for a new run, or a resumed run that had
    /// none yet).
    public let checkpoint: Checkpoint?
    /// The last step already done: `checkpoint?.step ?? 0`. Training continues with
    /// step `startStep + 1`.
    public var startStep: Int { checkpoint?.step ?? 0 }

    /// Opens the logs; with `checkpoint`, truncates them after its step, otherwise (a
    /// fresh start or a resume without checkpoints) empties them.
    init(run: RunDirectory, checkpoints: CheckpointStore, resumingFrom checkpoint: Checkpoint?,
         clock: @escaping @Sendable () -> Double) throws {
        self.run = run
        self.checkpoints = checkpoints
        self.checkpoint = checkpoint
        metrics = try MetricsLog(path: run.metricsPath, clock: clock)
        samples = try SamplesLog(path: run.samplesPath)
        let step = checkpoint?.step ?? 0
        try metrics.truncate(afterStep: step)
        try samples.truncate(afterStep: step)
    }

    /// Appends the metrics of `step` (time: seconds since the run started).
    public func logMetrics(step: Int, _ values: [String: Double]) throws {
        try metrics.append(step: step, metrics: values)
    }

    /// Appends samples.
    public func logSamples(_ records: [SampleRecord]) throws {
        try samples.append(contentsOf: records)
    }

    /// fsyncs both logs, then writes the checkpoint of `step` (atomically, keeping the
    /// store's last K). The logs go first so that a checkpoint never refers to lines a
    /// power loss could take away.
    @discardableResult
    public func saveCheckpoint(step: Int, files: [CheckpointFile]) throws -> Checkpoint {
        try metrics.synchronize()
        try samples.synchronize()
        return try checkpoints.write(step: step, files: files)
    }

    /// Writes `report.html` from the logs as they are now; returns its path.
    @discardableResult
    public func writeReport(options: RunReport.Options = .init()) throws -> String {
        try RunReport.write(for: run, options: options)
    }
}
