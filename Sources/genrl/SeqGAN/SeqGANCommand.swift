import ArgumentParser
import Foundation
import GenRLRL

/// `genrl seqgan`: SeqGAN / ORGAN / MLE experiments (`SeqGANExperiment`) from a TOML (or,
/// by the `.json` extension, JSON) configuration with snake_case keys — the files under
/// examples/seqgan and examples/organ — and the learning-curve charts of their runs.
struct SeqGANCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "seqgan",
        abstract: "SeqGAN and ORGAN: adversarial training of a generator against a discriminator (examples/seqgan, examples/organ).",
        subcommands: [Run.self, PrintConfig.self, Plot.self])
}

extension SeqGANCommand {
    /// `genrl seqgan run CONFIG OUTPUT_DIRECTORY`.
    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run an experiment; each line of <output-directory>/metrics.jsonl is printed as it is written.",
            discussion: "Absent keys keep LantaoYu/SeqGAN's defaults; relative paths start at the configuration file's directory.")

        @Argument(help: "The experiment's TOML (or .json) configuration.") var config: String
        @Argument(help: "Where metrics.jsonl, samples and checkpoints are written.") var outputDirectory: String

        func run() throws {
            let experiment = SeqGANExperiment(configuration: try SeqGANCommand.loadConfiguration(config),
                                              outputDirectory: URL(fileURLWithPath: outputDirectory))
            experiment.onMetrics = { metrics, phase in
                let shown = metrics.keys.sorted().map { key in String(format: "%@=%.4f", key, metrics[key]!) }.joined(separator: " ")
                say("[\(phase)] \(shown)")
            }
            try reportingFailures { try experiment.run() }
        }
    }

    /// `genrl seqgan print-config CONFIG`.
    struct PrintConfig: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the resolved configuration (every default written out) as JSON.")

        @Argument(help: "The experiment's TOML (or .json) configuration.") var config: String

        func run() throws {
            let resolved = try SeqGANCommand.loadConfiguration(config)
            try reportingFailures {
                let file = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-seqgan-\(getpid()).json")
                defer { try? FileManager.default.removeItem(at: file) }
                try resolved.writeJSON(to: file)
                say(try String(contentsOf: file, encoding: .utf8))
            }
        }
    }

    /// `genrl seqgan plot OUT.svg --metric NAME ... RUN_DIRECTORY[:LABEL]...`.
    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Draw one metric of runs' metrics.jsonl as an SVG learning curve: MLE epochs, then adversarial rounds.")

        @Argument(help: "The SVG file to write.") var output: String
        @Option(help: "The metric to draw (nll_oracle, nll_test, objective_mean, …).") var metric: String
        @Option(help: "The chart's title (default: the metric).") var title: String?
        @Option(help: ArgumentHelp("A horizontal reference line.", valueName: "value:label")) var reference: [String] = []
        @Option(help: "Points left of this x are not drawn (to skip an untrained start).") var xMin: Double?
        @Argument(help: ArgumentHelp("Run directories, each with an optional legend label.", valueName: "run-directory[:label]"))
        var runs: [String]

        func run() throws {
            let references = try reference.map { value in
                let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
                guard parts.count == 2, let number = Double(parts[0]) else {
                    throw ValidationError("--reference \(value): expected VALUE:LABEL")
                }
                return (value: number, label: parts[1])
            }
            try reportingFailures {
                let curves = try runs.map { run in
                    let parts = run.split(separator: ":", maxSplits: 1).map(String.init)
                    return try LearningCurves.run(directory: parts[0], label: parts.count > 1 ? parts[1] : (parts[0] as NSString).lastPathComponent,
                                                  metric: metric)
                }
                let chart = LearningCurves.chart(runs: curves, metric: metric, title: title ?? metric, references: references,
                                                 xMinimum: xMin ?? -Double.infinity)
                try chart.svg().write(toFile: output, atomically: true, encoding: .utf8)
            }
        }
    }

    /// The configuration at `path` (TOML, or JSON by its extension), its relative paths
    /// resolved against its directory.
    static func loadConfiguration(_ path: String) throws -> SeqGANExperimentConfiguration {
        var resolved: SeqGANExperimentConfiguration?
        try reportingFailures {
            let configURL = URL(fileURLWithPath: path)
            let configuration = configURL.pathExtension == "json"
                ? try SeqGANExperimentConfiguration.decodeJSON(Data(contentsOf: configURL), source: configURL.path)
                : try ConfigurationFile.load(SeqGANExperimentConfiguration.self, from: configURL.path)
            resolved = configuration.resolvingPaths(relativeTo: configURL.deletingLastPathComponent())
        }
        return resolved!
    }
}

extension SeqGANExperimentConfiguration: DefaultConstructible {}
