import Foundation
import GenRLRL

/// Runs `genrl train`: reads and checks the configuration before anything is written,
/// creates the run folder (or reopens it to resume), trains with metrics, samples,
/// progress and checkpoints, and writes the report.
public enum TrainingLauncher {
    /// What happened, for the command to print.
    public struct Outcome: Sendable {
        public let runPath: String
        public let reportPath: String
        public let startStep: Int
        public let finalMetrics: [String: Double]
    }

    /// Trains the run described by the configuration file at `configPath`. With `resume`,
    /// the run folder must exist; training continues from its latest checkpoint with the
    /// configuration saved in the folder.
    public static func run(configPath: String, resume: Bool, overwrite: Bool = false,
                           progressOutput: any ProgressOutput = StandardStreamOutput.standardError) throws -> Outcome {
        var configuration = try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: configPath)
        let runPath = (configuration.runsDirectory as NSString).appendingPathComponent(configuration.name)
        let session: RunSession
        let training: TrainingRun
        if resume {
            let run = try RunDirectory.open(at: runPath)
            configuration = try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: run.configPath)
            training = try TrainingRun(configuration: configuration)
            session = try run.resumeSession(keepLastCheckpoints: configuration.checkpoints.keep)
        } else {
            // Everything is built before the folder exists: a model that does not load
            // leaves no run folder behind.
            training = try TrainingRun(configuration: configuration)
            let text = ConfigWriter.text(for: configuration, header: ["genrl train: the resolved configuration of this run."])
            let run = try RunDirectory.create(at: runPath, configText: text, overwrite: overwrite)
            session = try run.startSession(keepLastCheckpoints: configuration.checkpoints.keep)
        }
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
