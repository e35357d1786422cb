import Foundation
import GenRLModels

/// Runs `genrl pretrain`: checks the configuration, creates (or reopens) the run folder,
/// trains with validation, keeps the best model as `<run>/model/`, checkpoints for
/// resume, and writes the report.
public enum PretrainingLauncher {
    /// What happened, for the command to print.
    public struct Outcome: Sendable {
        /// The run folder.
        public let runPath: String
        /// `<run>/model/`: the best model by validation loss (the last one when nothing was validated).
        public let modelPath: String
        /// The report written at the end.
        public let reportPath: String
        /// Where training ended: step, best validation loss, whether it stopped early.
        public let state: PretrainingState
        /// The unigram baseline's validation NLL per token, if there is a validation set.
        public let unigramBaseline: Double?
    }

    /// Pretrains the run described by the configuration file at `configPath`. With `resume`, the run
    /// folder must exist; training continues from its latest checkpoint.
    public static func run(configPath: String, resume: Bool, overwrite: Bool = false,
                           progressOutput: any ProgressOutput = StandardStreamOutput.standardError) throws -> Outcome {
        let (configuration, training, session) = try openRun(
            PretrainingRunConfiguration.self, configPath: configPath, resume: resume, overwrite: overwrite,
            header: "genrl pretrain: the resolved configuration of this run.", build: PretrainingRun.init)
        let runPath = configuration.runPath
        if let checkpoint = session.checkpoint { try training.restore(from: checkpoint) }
        let modelPath = (runPath as NSString).appendingPathComponent("model")
        let pretrainer = training.pretrainer
        let total = pretrainer.totalSteps
        let progress = ProgressReporter(totalSteps: total, startStep: pretrainer.state.step,
                                        shownMetrics: [ProgressMetric("loss", key: "train/loss"),
                                                       ProgressMetric("val", key: "validation/loss")],
                                        output: progressOutput)
        pretrainer.onImprovement = { _, _ in try training.saveModel(to: modelPath) }
        pretrainer.onStep = { step, metrics in
            var metrics = metrics
            if let baseline = training.unigramBaseline, metrics["validation/loss"] != nil {
                metrics["validation/unigram_loss"] = baseline
            }
            try session.logMetrics(step: step, metrics)
            let logging = configuration.logging
            if step == 1 || step % logging.sampleInterval == 0 || step == total {
                try session.logSamples(training.samples(count: logging.samplesPerLog, step: step).map {
                    SampleRecord(step: step, prompt: "", completion: $0, reward: nil)
                })
            }
            progress.update(step: step, metrics: metrics)
            if step % configuration.checkpoints.interval == 0 {
                try session.saveCheckpoint(step: step, files: training.checkpointFiles())
            }
        }
        try pretrainer.run()
        progress.finish()
        let step = pretrainer.state.step
        if step % configuration.checkpoints.interval != 0 {
            try session.saveCheckpoint(step: step, files: training.checkpointFiles())
        }
        if !FileManager.default.fileExists(atPath: modelPath) { try training.saveModel(to: modelPath) }
        let report = try session.writeReport()
        return Outcome(runPath: runPath, modelPath: modelPath, reportPath: report, state: pretrainer.state,
                       unigramBaseline: training.unigramBaseline)
    }
}
