import Foundation
import GenRLModels
import GenRLNN
import GenRLRewards
import GenRLRL
import GenRLRuns
import Testing

/// Records what the reporter writes (a log file, not a terminal).
private final class LineOutput: ProgressOutput {
    let isTerminal = false
    let columns: Int? = nil
    var text = ""
    func write(_ text: String) { self.text += text }
}

@Suite("Recording a training run")
struct RunRecorderTests {
    @Test("a real training loop writes metrics every step, samples when due, progress lines, and a report")
    func recordsATrainingRun() throws {
        // A bigram model over a–d learning to write "a"s (a few milliseconds per step).
        let tokenizer = try CharacterTokenizer(scalars: ["a", "b", "c", "d"])
        let reward = ClosureReward(name: "fraction_a") { samples in
            samples.map { sample in
                let letters = sample.completion.filter { "abcd".contains($0) }
                return letters.isEmpty ? nil : Double(letters.filter { $0 == "a" }.count) / Double(letters.count)
            }
        }
        let policy = Policy(model: BigramLanguageModel(vocabularySize: tokenizer.vocabularySize), tokenizer: tokenizer,
                            decoding: DecodingConfiguration(maximumNewTokens: 6))
        let setup = TrainingSetup(policy: policy, reference: BigramLanguageModel(vocabularySize: tokenizer.vocabularySize),
                                  reward: reward, prompts: .unconditional, optimizer: Adam(learningRate: 0.1), seed: 3)
        let algorithm = REINFORCE(setup: setup)

        let directory = try ScratchDirectory()
        let run = try RunDirectory.create(at: directory.file("runs/toy"), configText: "algorithm = \"reinforce\"\n")
        let output = LineOutput()
        let progress = ProgressReporter(totalSteps: 12, output: output)
        let recorder = RunRecorder(session: try run.startSession(), progress: progress, samplesEvery: 5, samplesPerStep: 3)
        try Trainer(algorithm: algorithm, callbacks: [recorder]).run(iterations: 12)

        let metrics = try run.metrics()
        #expect(metrics.map(\.step) == Array(1...12))
        #expect(metrics.allSatisfy { $0.values["reward/mean"] != nil && $0.values["kl/mean"] != nil })
        #expect(zip(metrics, metrics.dropFirst()).allSatisfy { $0.time <= $1.time })
        let samples = try run.samples()
        #expect(samples.map(\.step) == [1, 1, 1, 5, 5, 5, 10, 10, 10, 12, 12, 12])
        // Each record is the rollout's sample: its text, its reward (nil exactly when the
        // completion has no letter) and its KL to the reference.
        #expect(samples.allSatisfy { record in
            let hasLetters = record.completion.contains { "abcd".contains($0) }
            return record.fields["kl"]?.doubleValue != nil && (record.reward != nil) == hasLetters
                && (record.reward.map { (0...1).contains($0) } ?? true)
        })
        #expect(output.text.hasPrefix("step 1/12 (8%)") && output.text.contains("step 12/12 (100%)"))

        let html = try RunReport.html(for: run)
        #expect(html.contains("reward/mean") && html.contains("End of training <span class=\"step\">step 12</span>"))
    }
}
