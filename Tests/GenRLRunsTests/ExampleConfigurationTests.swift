import Foundation
import GenRLRuns
import Testing

/// Every example configuration under examples/ reads without a problem (paths resolved
/// against the file, every key known, every value in range).
@Suite("Example configurations")
struct ExampleConfigurationTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples").standardizedFileURL

    static func files(in directory: String) -> [String] {
        let url = examples.appendingPathComponent(directory)
        return ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? [])
            .filter { $0.hasSuffix(".toml") }.sorted().map { url.appendingPathComponent($0).path }
    }

    static let trainingExamples = ["ppo", "grpo", "rloo", "reinforce", "scst", "mixer", "nlpo"].flatMap(files)

    @Test(arguments: trainingExamples)
    func trainingExampleReads(_ path: String) throws {
        let config = try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: path)
        #expect(!config.rewards.isEmpty)
    }

    @Test(arguments: files(in: "pretrain"))
    func pretrainingExampleReads(_ path: String) throws {
        _ = try ConfigReader.readConsistent(PretrainingRunConfiguration.self, fromFile: path)
    }

    @Test func everyAlgorithmHasAnExample() {
        #expect(Self.trainingExamples.count >= 7)
    }
}
