import Foundation
import GenRLRL

/// Runs `genrl train`: reads and checks the configuration before anything is written,
/// creates the run folder (or reopens it to resume), trains with metrics, samples,
/// progress and checkpoints, and writes the report.
public enum TrainingLauncher {
    /// What happened, for the command to print.
    public struct Outcome: Sendable {
        /// The run folder.
        public let runPath: String
        /// The report written at the end.
        public let reportPath: String
        /// The step training started from (0, or the checkpoint's on resume).
        public let startStep: Int
        /// The last iteration's metrics (empty if none ran).
        public let finalMetrics: [String: Double]
    }

    /// Trains the run described by the configuration file at `configPath`. With `resume`,
    /// the run folder must exist; training continues from its latest checkpoint with the
    /// configuration saved in the folder.
    public static func run(configPath: String, resume: Bool, overwrite: Bool = false,
                           progressOutput: any ProgressOutput = StandardStreamOutput.standardError) throws -> Outcome {
        let (configuration, training, session) = try openRun(
            TrainingRunConfiguration.self, configPath: configPath, resume: resume, overwrite: overwrite,
            header: "genrl train: the resolved configuration of this run.", build: TrainingRun.init)
        let runPath = configuration.runPath
        var startStep = 0
        if let checkpoint = session.checkpoint { startStep = try training.restore(from: checkpoint) }

        let total = configuration.iterations
        let progress = ProgressReporter(totalSteps: total, startStep: startStep, output: progressOutput)
        let recorder = RunRecorder(session: session, progress: progress, totalSteps: total,
                                   samplesEvery: configuration.logging.sampleInterval,
                                   samplesPerStep: configuration.logging.samplesPerLog)
        let history = MetricsHistory()
        let checkpoints = CheckpointCallback(session: session, interval: configuration.checkpoints.interval, totalSteps: total,
                                             files: training.checkpointFiles)
        let trainer = Trainer(algorithm: training.algorithm, callbacks: [recorder, history, checkpoints], step: startStep)
        try trainer.run(iterations: total)
        let report = try session.writeReport()
        return Outcome(runPath: runPath, reportPath: report, startStep: startStep, finalMetrics: history.rows.last ?? [:])
    }
}
