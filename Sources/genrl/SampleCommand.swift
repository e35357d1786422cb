import ArgumentParser
import Foundation
import GenRLModels
import GenRLTensor

/// `genrl sample --model DIR`: completions from a model, one per line.
struct SampleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sample", abstract: "Sample from a model directory (temperature, top-k, top-p or greedy).")

    @Option(help: "A model directory (a run's model/ or checkpoint export).")
    var model: String

    @Option(help: "Samples per prompt.")
    var count = 8

    @Option(help: "Prompt text; repeat for several prompts (default: unconditional).")
    var prompt: [String] = []

    @Option(help: "Most tokens generated per sample.")
    var maxNewTokens = 100

    @Option(help: "Softmax temperature.")
    var temperature: Float = 1

    @Option(help: "Keep the k most likely tokens.")
    var topK: Int?

    @Option(help: "Keep the most likely tokens up to this probability mass.")
    var topP: Float?

    @Flag(help: "Take the most likely token at each step.")
    var greedy = false

    @Option(help: "Seed of the draws.")
    var seed: UInt64 = 0

    func validate() throws {
        if count < 1 { throw ValidationError("--count must be at least 1") }
        if temperature <= 0 { throw ValidationError("--temperature must be positive") }
        if let topP, !(topP > 0 && topP <= 1) { throw ValidationError("--top-p must be in (0, 1]") }
        if let topK, topK < 1 { throw ValidationError("--top-k must be at least 1") }
    }

    func run() throws {
        try reportingFailures {
            let (languageModel, _, tokenizer) = try ModelDirectory.load(from: URL(fileURLWithPath: model))
            languageModel.eval()
            let decoding = DecodingConfiguration(maximumNewTokens: maxNewTokens, temperature: temperature, topK: topK,
                                                 topP: topP, greedy: greedy)
            var generator = RandomGenerator(seed: seed)
            let texts = prompt.isEmpty ? [""] : prompt
            let prompts = texts.flatMap { text in Array(repeating: [Vocabulary.beginID] + tokenizer.encode(text), count: count) }
            let batch = Generation.sample(model: languageModel, prompts: prompts, configuration: decoding, generator: &generator)
            for i in 0..<batch.batchSize {
                say(texts[i / count] + tokenizer.decode(batch.completion(i)))
            }
        }
    }
}
