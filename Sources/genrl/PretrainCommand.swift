import ArgumentParser
import Foundation
import GenRLRuns

/// `genrl pretrain CONFIG`: maximum-likelihood training of a new language model.
struct PretrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pretrain",
        abstract: "Train a new language model by maximum likelihood on a corpus (one sample per line).",
        discussion: "The best model by validation loss is kept in <run>/model, ready for `genrl train` and `genrl sample`. See `genrl config show pretrain`.")

    @Argument(help: "The run's TOML configuration.")
    var config: String

    @Flag(help: "Continue the run from its latest checkpoint.")
    var resume = false

    @Flag(help: "Replace an existing run folder of the same name.")
    var overwrite = false

    func run() throws {
        try reportingFailures {
            let outcome = try PretrainingLauncher.run(configPath: config, resume: resume, overwrite: overwrite)
            let best = outcome.state.bestValidationLoss.map { String(format: "%.4f nats/token (perplexity %.3f) at step %d", $0, exp($0), outcome.state.bestStep ?? 0) } ?? "no validation"
            say("best validation: \(best)")
            if let unigram = outcome.unigramBaseline {
                say(String(format: "unigram baseline: %.4f nats/token (perplexity %.3f)", unigram, exp(unigram)))
            }
            say("model: \(outcome.modelPath)")
            say("report: \(outcome.reportPath)")
        }
    }
}
