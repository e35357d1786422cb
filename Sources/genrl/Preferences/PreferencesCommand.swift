import ArgumentParser
import Foundation
import GenRLFeedback
import GenRLModels
import GenRLRuns
import GenRLTensor

/// `genrl preferences`: the preference-learning experiments of GenRL (RLHF with PPO, DPO
/// and IPO, reward models, active querying, labeller reliability). Each experiment reads
/// a TOML configuration whose keys are the snake_case fields of the library's
/// configuration types (see examples/rlhf/); the labelling and data commands are in
/// PreferenceDataCommands.swift.
struct PreferencesCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "preferences",
        abstract: "Learning from preferences: reward models, RLHF, DPO/IPO, active querying, labeller reliability.",
        discussion: "Every experiment takes -c CONFIG.toml (examples/rlhf/); `genrl preferences defaults <experiment>` prints its keys and defaults. Start with `genrl preferences pretrain`: the experiments fine-tune the character-level model it writes.",
        subcommands: [Pretrain.self, RLHF.self, DirectPreference.self, RewardModel.self, ActiveQuerying.self, Reliability.self,
                      Label.self, Export.self, Import.self, Sample.self, Plot.self, Defaults.self])
}

/// The option every experiment takes.
struct ConfigOption: ParsableArguments {
    @Option(name: .shortAndLong, help: "TOML configuration (keys: snake_case fields; omitted keys keep their defaults).")
    var config: String?
}

extension CharacterModelPretrainingConfiguration: DefaultConstructible {}
extension RLHFConfiguration: DefaultConstructible {}
extension DPOExperimentConfiguration: DefaultConstructible {}
extension RewardModelExperimentConfiguration: DefaultConstructible {}
extension ActiveQueryingConfiguration: DefaultConstructible {}
extension ReliabilityExperimentConfiguration: DefaultConstructible {}

extension PreferencesCommand {
    struct Pretrain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Pretrain the character-level model the preference experiments start from (runs/preferences/pretrained).")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try ConfigurationFile.load(CharacterModelPretrainingConfiguration.self, from: options.config)
            let (loss, steps) = try CharacterModelPretraining.run(configuration, log: say)
            say(String(format: "best validation loss %.4f nats/char after %d steps; saved to %@", loss, steps, configuration.output))
        }
    }

    struct RLHF: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "rlhf", abstract: "RLHF: simulated labels, a reward-model ensemble, PPO with a KL penalty (offline or online).",
            discussion: "Writes metrics.jsonl (gold reward beside the learned reward and the KL), curves.svg, summary.json and report.html into the configuration's output folder.")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try ConfigurationFile.load(RLHFConfiguration.self, from: options.config)
            let summary = try RLHFExperiment.run(configuration, log: say)
            say(String(format: "gold reward %.3f -> %.3f at KL %.2f nats; learned %.3f -> %.3f; %d labels; %.0f s",
                         summary.initialGold, summary.finalGold, summary.finalKL, summary.initialLearned, summary.finalLearned,
                         summary.labels, summary.seconds))
            say("report: " + (try RunReport.write(for: RunDirectory(path: configuration.output))))
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
            say("report: " + (try RunReport.write(for: RunDirectory(path: configuration.output))))
        }
    }

    struct RewardModel: ParsableCommand {
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

    struct ActiveQuerying: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "active", abstract: "Active versus random querying: reward-model accuracy against the number of labels.")
        @OptionGroup var options: ConfigOption
        @Option(parsing: .upToNextOption,
                help: "Instead of running, combine the summary.json files (or run directories) of runs that each made some of the repeats of one comparison.")
        var combine: [String] = []
        @Option(help: "With --combine: the directory for the combined summary.json and curve.svg.")
        var output: String?

        func validate() throws {
            if !combine.isEmpty && (options.config != nil || output == nil) {
                throw ValidationError("--combine takes --output and no --config")
            }
            if combine.isEmpty && output != nil { throw ValidationError("--output goes with --combine (a run writes to the configuration's output)") }
        }

        func run() throws {
            let summary: ActiveQueryingSummary
            if let output, !combine.isEmpty {
                let parts = try combine.map { path in
                    let file = path.hasSuffix(".json") ? path : (path as NSString).appendingPathComponent("summary.json")
                    guard let data = FileManager.default.contents(atPath: file) else {
                        throw FeedbackError.incompatibleSummary(name: file, reason: "cannot be read (no such file?)")
                    }
                    do {
                        return (name: file, summary: try JSONDecoder().decode(ActiveQueryingSummary.self, from: data))
                    } catch {
                        throw FeedbackError.incompatibleSummary(name: file, reason: "not an active-querying summary: \(error)")
                    }
                }
                summary = try ActiveQueryingSummary.combining(parts)
                try ActiveQueryingExperiment.write(summary, to: URL(fileURLWithPath: output))
                say("\(summary.curves.first?.goldAccuracyByRepeat.count ?? 0) repeats from \(parts.count) runs, written to \(output)")
            } else {
                let configuration = try ConfigurationFile.load(ActiveQueryingConfiguration.self, from: options.config)
                summary = try ActiveQueryingExperiment.run(configuration, log: say)
            }
            for curve in summary.curves {
                say("\(curve.strategy.rawValue): " + zip(curve.labels, curve.goldAccuracy).map { String(format: "%d:%.3f", $0, $1) }
                    .joined(separator: " "))
            }
            say(String(format: "pairs with unequal gold rewards: %.1f%% of the pool; of the labels each round adds:", 100 * summary.poolInformativeShare))
            for curve in summary.curves {
                say("  \(curve.strategy.rawValue): " + curve.informativeShareOfNewLabels.map { String(format: "%.0f%%", 100 * $0) }
                    .joined(separator: " "))
            }
            for (strategy, labels) in summary.labelsToMatchBaseline {
                say("\(strategy) reaches the final accuracy of \(summary.curves[0].strategy.rawValue) with "
                    + (labels.map { String(format: "%.0f labels", $0) } ?? "more labels than tried"))
            }
            for gain in summary.pairedGains {
                say(String(format: "%@ minus %@, paired within repeats: %+.4f ± %.4f (repeats: %@)", gain.strategy.rawValue,
                           summary.curves[0].strategy.rawValue, gain.meanGain, gain.standardError,
                           gain.gainByRepeat.map { String(format: "%+.3f", $0) }.joined(separator: " ")))
            }
        }
    }

    struct Reliability: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reliability", abstract: "Adversarial labellers, and Dawid–Skene reliability weighting against them.")
        @OptionGroup var options: ConfigOption

        func run() throws {
            let configuration = try ConfigurationFile.load(ReliabilityExperimentConfiguration.self, from: options.config)
            let summary = try ReliabilityExperiment.run(configuration, log: say)
            for labeller in summary.labellers {
                say(String(format: "%@: agreement with the gold order %.3f, Dawid–Skene estimate %.3f", labeller.name,
                           labeller.agreementWithGold, labeller.estimatedAccuracy))
            }
            for (mode, share) in summary.recovered.sorted(by: { $0.key < $1.key }) {
                say(String(format: "%@ recovers %.0f%% of the accuracy lost", mode, share * 100))
            }
        }
    }

    struct Defaults: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print an experiment's configuration — the defaults, or a file resolved over them — as JSON with the TOML keys.")
        @Argument(help: "pretrain, rlhf, dpo, reward-model, active or reliability.") var experiment: String
        @OptionGroup var options: ConfigOption

        func run() throws {
            let encoder = JSONEncoder()
            encoder.keyEncodingStrategy = .convertToSnakeCase
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            let data: Data
            switch experiment {
            case "pretrain": data = try encoder.encode(ConfigurationFile.load(CharacterModelPretrainingConfiguration.self, from: options.config))
            case "rlhf": data = try encoder.encode(ConfigurationFile.load(RLHFConfiguration.self, from: options.config))
            case "dpo": data = try encoder.encode(ConfigurationFile.load(DPOExperimentConfiguration.self, from: options.config))
            case "reward-model": data = try encoder.encode(ConfigurationFile.load(RewardModelExperimentConfiguration.self, from: options.config))
            case "active": data = try encoder.encode(ConfigurationFile.load(ActiveQueryingConfiguration.self, from: options.config))
            case "reliability": data = try encoder.encode(ConfigurationFile.load(ReliabilityExperimentConfiguration.self, from: options.config))
            default: throw ValidationError("unknown experiment \(experiment)")
            }
            say(String(decoding: data, as: UTF8.self))
        }
    }
}
