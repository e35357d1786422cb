import Foundation
import GenRLRuns
import Testing

@Suite("Run configurations")
struct RunConfigurationTests {
    /// A temporary directory holding an empty `model/` directory for path checks.
    static func workspace() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-config-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("model"), withIntermediateDirectories: true)
        return directory
    }

    @Test func writtenTrainingConfigurationReadsBackEqual() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        var config = TrainingRunConfiguration()
        config.policy.model = directory.appendingPathComponent("model").path
        config.runsDirectory = directory.appendingPathComponent("runs").path
        config.algorithm = .grpo
        config.grpo = .init()
        var keywords = KeywordRewardSection()
        keywords.keywords = ["love", "king"]
        config.rewards = [.keywords(keywords), .length(LengthRewardSection())]
        let file = directory.appendingPathComponent("config.toml")
        try ConfigWriter.text(for: config).write(to: file, atomically: true, encoding: .utf8)
        let read = try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: file.path)
        #expect(read == config)
    }

    @Test func aTableForAnotherAlgorithmIsAnErrorWithItsLine() throws {
        let directory = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("config.toml")
        try """
        algorithm = "ppo"

        [policy]
        model = "model"

        [[reward]]
        type = "keywords"
        keywords = ["love"]

        [grpo]
        group_size = 4
        """.write(to: file, atomically: true, encoding: .utf8)
        #expect(throws: ConfigErrors.self) { try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: file.path) }
        do {
            _ = try ConfigReader.readConsistent(TrainingRunConfiguration.self, fromFile: file.path)
        } catch {
            #expect(error.description == "\(file.path):10: table [grpo] is for algorithm \"grpo\", but algorithm is \"ppo\"")
        }
    }
}
