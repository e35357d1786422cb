import ArgumentParser
import Foundation
import GenRLModels
import GenRLNN
import GenRLRuns
import GenRLTensor

/// `genrl demo`: RL changing a generator toward a visible goal, on what the repository
/// ships. The character-level LSTM in models/shakespeare-char (pretrained on the Tiny
/// Shakespeare lines of Data/corpora) is fine-tuned with PPO to write lines about love —
/// the reward is 1 for a line containing the word, plus a bonus for lines near 40
/// characters (without it, PPO finds that "My love." is the cheapest winner) — under a KL
/// penalty that keeps it Shakespearean. Prints samples before and after, the reward and
/// the exact KL, and the path of the report.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Fine-tune the shipped Shakespeare model with PPO to write about love (a few minutes).")

    @Option(help: "The pretrained model directory.")
    var model = "models/shakespeare-char"

    @Option(help: "PPO iterations.")
    var iterations = 150

    @Option(help: "Where the run folder is created.")
    var runsDirectory = "runs"

    @Option(help: "Seed of the run.")
    var seed: UInt64 = 0

    static let keyword = "love"

    func validate() throws {
        if !FileManager.default.fileExists(atPath: (model as NSString).appendingPathComponent("config.json")) {
            throw ValidationError("no model at \(model): run `genrl demo` from the repository's root, or pass --model")
        }
    }

    func run() throws {
        try reportingFailures {
            let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-demo-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: workspace) }
            let configPath = workspace.appendingPathComponent("demo.toml").path
            try configurationText().write(toFile: configPath, atomically: true, encoding: .utf8)

            say("GenRL demo: PPO teaches a character-level Shakespeare model to write about \(Self.keyword).")
            say("The reward is 1 for a line containing \"\(Self.keyword)\", plus up to 1 for a length near 40 characters;")
            say("a KL penalty (β = 0.2, adapted toward 6 nats per line) keeps the policy close to the pretrained model.\n")
            let (before, _, tokenizer) = try ModelDirectory.load(from: URL(fileURLWithPath: model))
            before.eval()
            report("Before", try samples(from: before, tokenizer: tokenizer))

            let outcome = try TrainingLauncher.run(configPath: configPath, resume: false, overwrite: true)
            let (after, _, _) = try ModelDirectory.load(from: URL(fileURLWithPath: model))
            try after.load(try latestWeights(runPath: outcome.runPath), strict: false)
            after.eval()
            say("")
            report("After \(iterations) PPO iterations", try samples(from: after, tokenizer: tokenizer))
            let metrics = outcome.finalMetrics
            say(String(format: "last batch: reward %.3f, exact KL to the pretrained model %.2f nats per line (β = %.4f)",
                       metrics["reward/mean"] ?? .nan, metrics["kl/mean"] ?? .nan, metrics["kl/coefficient"] ?? .nan))
            say("run: \(outcome.runPath)")
            say("report: \(outcome.reportPath)  (open it in a browser)")
        }
    }

    /// The run's configuration as TOML (the same file a user would write).
    func configurationText() -> String {
        let absoluteModel = URL(fileURLWithPath: model).standardizedFileURL.path
        let absoluteRuns = URL(fileURLWithPath: runsDirectory).standardizedFileURL.path
        return """
        name = "demo"
        algorithm = "ppo"
        seed = \(seed)
        iterations = \(iterations)
        runs_directory = "\(absoluteRuns)"

        [policy]
        model = "\(absoluteModel)"

        [decoding]
        maximum_new_tokens = 60

        [optimizer]
        type = "adam"
        learning_rate = 3e-5

        [[reward]]
        type = "keywords"
        keywords = ["\(Self.keyword)"]

        [[reward]]
        type = "length"
        weight = 1.0
        target = 40.0
        unit = "characters"
        gaussian_width = 10.0

        [ppo]
        batch_size = 32
        minibatch_size = 8
        epochs = 4
        kl_coefficient = 0.2
        target_kl = 6.0
        kl_horizon = 10000.0
        kl_placement = "loss"

        [checkpoints]
        interval = 40
        keep = 1

        [logging]
        sample_interval = 20
        samples_per_log = 8
        """
    }

    /// 64 samples at the demo's seed.
    func samples(from languageModel: any LanguageModel, tokenizer: any Tokenizer) throws -> [String] {
        var generator = RandomGenerator(seed: seed &+ 1000)
        let batch = Generation.sample(model: languageModel, count: 64, configuration: DecodingConfiguration(maximumNewTokens: 60),
                                      generator: &generator)
        return (0..<64).map { tokenizer.decode(batch.completion($0)) }
    }

    func report(_ title: String, _ lines: [String]) {
        let hits = lines.filter { $0.lowercased().split(whereSeparator: { !$0.isLetter }).contains(Substring(Self.keyword)) }
        say("\(title): \(hits.count) of \(lines.count) lines mention \"\(Self.keyword)\". A few of them:")
        for line in lines.prefix(6) { say("    \(line)") }
    }

    /// The policy weights of the run's latest checkpoint.
    func latestWeights(runPath: String) throws -> [String: Tensor] {
        guard let checkpoint = try RunDirectory.open(at: runPath).checkpointStore(keepLast: nil).latest() else {
            throw ValidationError("the demo run has no checkpoint")
        }
        return try SafeTensors.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "model.safetensors"))).tensors
    }
}
