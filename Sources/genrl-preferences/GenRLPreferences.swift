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
        subcommands: [Pretrain.self, RLHF.self, DirectPreference.self, RewardModelCommand.self, ActiveQuerying.self,
                      Reliability.self, Label.self, Export.self, Import.self, Sample.self, Defaults.self, Chart.self])
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

extension ActiveQueryingConfiguration: DefaultConstructible {}
extension ReliabilityExperimentConfiguration: DefaultConstructible {}

struct ActiveQuerying: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "active", abstract: "Active versus random querying: reward-model accuracy against the number of labels.")
    @OptionGroup var options: ConfigOption

    func run() throws {
        let configuration = try ConfigurationFile.load(ActiveQueryingConfiguration.self, from: options.config)
        let summary = try ActiveQueryingExperiment.run(configuration, log: say)
        for curve in summary.curves {
            say("\(curve.strategy.rawValue): " + zip(curve.labels, curve.goldAccuracy).map { String(format: "%d:%.3f", $0, $1) }
                .joined(separator: " "))
        }
        for (strategy, labels) in summary.labelsToMatchBaseline {
            say("\(strategy) reaches the final accuracy of \(summary.curves[0].strategy.rawValue) with "
                + (labels.map { String(format: "%.0f labels", $0) } ?? "more labels than tried"))
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

struct Label: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Label comparisons at the terminal: one key per comparison (1-9 best, t tie, s skip, q quit).")
    @Option(help: "The SQLite preference store the labels are appended to (created if needed).") var store: String
    @Option(help: "JSON lines of comparisons to label: {\"prompt\": ..., \"completions\": [...]}.") var queries: String?
    @Option(help: "Or: a model directory to sample pairs from (for the shipped corpus's held-out prompts).") var model: String?
    @Option(help: "Pairs to sample with --model.") var count = 10
    @Option(help: "Your name, recorded as the labeller terminal:<name>.") var person = NSUserName()
    @Option(help: "Seed of the sampled pairs.") var seed: UInt64 = 0

    func validate() throws {
        guard (queries == nil) != (model == nil) else { throw ValidationError("give either --queries or --model") }
    }

    func run() throws {
        let toLabel: [PreferenceQuery]
        if let queries {
            toLabel = try Data(contentsOf: URL(fileURLWithPath: queries)).split(separator: 0x0A).enumerated().compactMap { index, line in
                guard !line.allSatisfy({ $0 == 0x20 }) else { return nil }
                struct Line: Decodable { var prompt: String; var completions: [String] }
                do {
                    let decoded = try JSONDecoder().decode(Line.self, from: Data(line))
                    return PreferenceQuery(prompt: decoded.prompt, completions: decoded.completions)
                } catch {
                    throw ValidationError("\(queries):\(index + 1): expected {\"prompt\": ..., \"completions\": [...]}")
                }
            }
        } else {
            let task = try PreferenceTask(configuration: PreferenceTaskConfiguration())
            let (model, _, tokenizer) = try ModelDirectory.load(from: URL(fileURLWithPath: self.model!))
            var generator = RandomGenerator(seed: seed)
            toLabel = task.samplePairs(model: model, tokenizer: tokenizer, promptTexts: task.evaluationPromptTexts, count: count,
                                       generator: &generator)
        }
        let labeller = TerminalLabeller(person: person)
        let records = try labeller.records(for: toLabel)
        let stored = try PreferenceStore(path: store)
        try stored.append(records)
        say("\n\(records.count) labels appended to \(store) (\(try stored.count()) in all)")
    }
}

struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Write every record of a preference store as JSON lines.")
    @Argument(help: "The SQLite preference store.") var store: String
    @Argument(help: "The JSON-lines file to write.") var output: String

    func run() throws {
        let count = try PreferenceStore(path: store).exportJSONLines(to: URL(fileURLWithPath: output))
        say("\(count) records written to \(output)")
    }
}

struct Import: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Append the records of a JSON-lines file (GenRL's layout or TRL's prompt/chosen/rejected) to a store, in one transaction.")
    @Argument(help: "The JSON-lines file to read.") var input: String
    @Argument(help: "The SQLite preference store (created if needed).") var store: String
    @Option(help: "Labeller of lines that name none.") var labeller = "import"

    func run() throws {
        let count = try PreferenceStore(path: store).importJSONLines(from: URL(fileURLWithPath: input), defaultLabeller: labeller)
        say("\(count) records appended to \(store)")
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

struct Chart: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Draw the gold reward against the KL of several runs (their metrics.jsonl) as one SVG chart.")
    @Option(help: "The SVG file to write.") var output: String
    @Option(help: "The chart's title.") var title = "Gold reward against KL to the reference"
    @Argument(help: "Run directories, each as name=directory or directory.") var runs: [String]

    func run() throws {
        let loaded = try runs.map { argument -> (name: String, rows: [[String: Double]]) in
            let parts = argument.split(separator: "=", maxSplits: 1).map(String.init)
            let directory = URL(fileURLWithPath: parts.last!)
            let name = parts.count == 2 ? parts[0] : directory.lastPathComponent
            return (name, try MetricsLog.read(contentsOf: directory.appendingPathComponent("metrics.jsonl")))
        }
        try ExperimentFiles.goldVersusKLChart(loaded, title: title).write(to: URL(fileURLWithPath: output))
        say("wrote \(output)")
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
