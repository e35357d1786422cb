import ArgumentParser
import Foundation
import GenRLFeedback
import GenRLModels
import GenRLTensor

/// The data side of `genrl preferences`: labelling at the terminal, moving preference
/// stores to and from JSON lines, sampling a model with its gold reward, and the chart of
/// gold reward against KL over several runs.
extension PreferencesCommand {
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
            for (query, scores) in zip(pairs, try task.goldScores(pairs)) {
                for (completion, gold) in zip(query.completions, scores) {
                    golds.append(gold)
                    say(String(format: "%6.2f  %@|%@", gold, query.prompt, completion))
                }
            }
            say(String(format: "mean gold %.3f", golds.reduce(0, +) / Double(golds.count)))
        }
    }

    struct Plot: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "plot",
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
}
