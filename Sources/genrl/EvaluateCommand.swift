import ArgumentParser
import Foundation
import GenRLModels
import GenRLRewards
import GenRLTensor

/// `genrl evaluate --model DIR`: perplexity on held-out text, and statistics of samples.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a model: perplexity on a text file, and length, distinct-n and self-BLEU of its samples.")

    @Option(help: "A model directory.")
    var model: String

    @Option(help: "Text to score, one sample per line.")
    var data: String?

    @Option(help: "Unconditional samples to draw for the sample statistics (0: none).")
    var samples = 200

    @Option(help: "Most tokens per sample.")
    var maxNewTokens = 100

    @Option(help: "Seed of the draws.")
    var seed: UInt64 = 0

    func run() throws {
        try reportingFailures {
            let (languageModel, _, tokenizer) = try ModelDirectory.load(from: URL(fileURLWithPath: model))
            languageModel.eval()
            if let data {
                let lines = try LineCorpus(contentsOf: URL(fileURLWithPath: data)).samples
                let batches = try TokenBatches(samples: lines, tokenizer: tokenizer, batchSize: 64, seed: 0,
                                               maximumLength: languageModel.maximumLength, shuffle: false).batches(epoch: 0)
                let (nll, perplexity) = Scoring.perplexity(model: languageModel, batches: batches)
                say(String(format: "NLL = %.4f nats/token  perplexity = %.3f  (%d lines of %@)", nll, perplexity, lines.count, data))
            }
            guard samples > 0 else { return }
            var generator = RandomGenerator(seed: seed)
            let batch = Generation.sample(model: languageModel, count: samples,
                                          configuration: DecodingConfiguration(maximumNewTokens: maxNewTokens), generator: &generator)
            let texts = (0..<samples).map { tokenizer.decode(batch.completion($0)) }
            let lengths = (0..<samples).map { Double(batch.completion($0).count) }
            say(String(format: "samples = %d  mean length = %.1f tokens  ended = %.0f%%", samples, lengths.reduce(0, +) / Double(samples),
                       100 * Double(batch.endedWithEndToken.filter { $0 }.count) / Double(samples)))
            for n in [1, 2] {
                let grams = texts.flatMap { text -> [String] in
                    let words = text.split(separator: " ").map(String.init)
                    return words.count >= n ? (0...(words.count - n)).map { words[$0..<($0 + n)].joined(separator: " ") } : []
                }
                say(String(format: "distinct-%d = %.4f  (%d %d-grams)", n, Double(Set(grams).count) / Double(max(grams.count, 1)), grams.count, n))
            }
            if samples >= 2 { say(MetricReport.line(try SelfBLEU().score(samples: texts))) }
        }
    }
}
