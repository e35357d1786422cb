import ArgumentParser
import Foundation
import GenRLFeedback
import GenRLModels
import GenRLTensor

/// `genrl-preferences`: the preference-learning experiments of GenRL (RLHF with PPO, DPO
/// and IPO, reward models, active querying, labeller reliability, terminal labelling).
/// Each subcommand reads a TOML configuration whose keys are the snake_case fields of
/// the library's configuration types (see examples/rlhf/).
@main
struct GenRLPreferences: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrl-preferences",
        abstract: "Learning from preferences: reward models, RLHF, DPO/IPO, active querying, labeller reliability.",
        subcommands: [Pretrain.self, Sample.self, RLHF.self, DirectPreference.self, RewardModelCommand.self])
}

/// The option every experiment takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "TOML configuration (keys: snake_case fields; omitted keys keep their defaults).")
    var config: String?
}

extension CharacterModelPretrainingConfiguration: DefaultConstructible {}

extension RLHFConfiguration: DefaultConstructible {}
extension DPOExperimentConfiguration: DefaultConstructible {}

struct Sample: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print completions of a model with their gold reward.")
    @Option(help: "Model directory.") var model = "runs/preferences/pretrained"
    @Option(help: "How many completions.") var count = 20
    @Option(help: "Seed.") var seed: UInt64 = 0

    func run() throws {
        let task = try PreferenceTask(configuration: PreferenceTaskConfiguration())
        let (model, _, tokenizer) = try ModelDirectory.load(from: URL(fileURLWithPath: self.model))
        var generator = RandomGenerator(seed: seed)
        let pairs = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts,
                                     count: (count + 1) / 2, generator: &generator)
        var golds: [Double] = []
        for query in pairs {
            for completion in query.completions {
                let gold = task.gold.gold(completion)
                golds.append(gold)
                say(String(format: "%6.2f  %@|%@", gold, query.prompt, completion))
            }
        }
        say(String(format: "mean gold %.3f", golds.reduce(0, +) / Double(golds.count)))
    }
}

struct RLHF: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rlhf", abstract: "RLHF: simulated labels, a reward-model ensemble, PPO with a KL penalty (offline or online).")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try ConfigurationFile.load(RLHFConfiguration.self, from: options.config)
        let summary = try RLHFExperiment.run(configuration, log: say)
        say(String(format: "gold reward %.3f -> %.3f at KL %.2f nats; learned %.3f -> %.3f; %d labels; %.0f s",
                     summary.initialGold, summary.finalGold, summary.finalKL, summary.initialLearned, summary.finalLearned,
                     summary.labels, summary.seconds))
    }
}

struct DirectPreference: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dpo", abstract: "DPO or IPO from simulated labels against the pretrained model.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try ConfigurationFile.load(DPOExperimentConfiguration.self, from: options.config)
        let summary = try DPOExperiment.run(configuration, log: say)
        say(String(format: "%@: gold reward %.3f -> %.3f at KL %.2f nats; %d pairs; %.0f s", summary.loss,
                     summary.initialGold, summary.finalGold, summary.finalKL, summary.pairs, summary.seconds))
    }
}

extension RewardModelExperimentConfiguration: DefaultConstructible {}

struct RewardModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-model", abstract: "Reward-model held-out accuracy beside the labeller's noise ceiling, and calibration.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try ConfigurationFile.load(RewardModelExperimentConfiguration.self, from: options.config)
        let summary = try RewardModelExperiment.run(configuration, log: say)
        let e = summary.ensemble
        say(String(format: "ensemble of %d on %d labels: held-out accuracy %.3f vs labels (ceiling %.3f exact, %.3f simulated), %.3f vs gold order; ECE %.3f, Brier %.3f",
                     summary.members.count, summary.labels, e.labelAccuracy, e.labelCeiling, summary.simulatedCeiling,
                     e.goldAccuracy, e.calibration.expectedCalibrationError, e.calibration.brierScore))
        for (i, m) in summary.members.enumerated() {
            say(String(format: "  member %d: %.3f vs labels, %.3f vs gold order, ECE %.3f", i, m.labelAccuracy, m.goldAccuracy,
                         m.calibration.expectedCalibrationError))
        }
    }
}

struct Pretrain: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pretrain the character-level model the experiments start from.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try ConfigurationFile.load(CharacterModelPretrainingConfiguration.self, from: options.config)
        let (loss, steps) = try CharacterModelPretraining.run(configuration, log: say)
        say(String(format: "best validation loss %.4f nats/char after %d steps; saved to %@", loss, steps, configuration.output))
    }
}

/// Prints a line at once (standard output is unbuffered through FileHandle, so progress
/// shows when the output goes to a file).
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
