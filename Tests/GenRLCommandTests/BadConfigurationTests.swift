import Foundation
import Testing

/// Bad configurations stop `genrl train` before anything is written: one line naming
/// the file, line and problem, exit status 1, no run folder.
@Suite("Bad configurations")
struct BadConfigurationTests {
    static let valid = """
    name = "bad"
    algorithm = "ppo"
    runs_directory = "runs"

    [policy]
    model = "model"

    [[reward]]
    type = "keywords"
    keywords = ["a"]

    [ppo]
    batch_size = 8
    """

    struct Case: Sendable, CustomTestStringConvertible {
        let label: String
        let replace: String
        let with: String
        let message: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "unknown key", replace: "batch_size = 8", with: "batch_sise = 8",
             message: "config.toml:13: unknown key \"batch_sise\" in [ppo] (did you mean \"batch_size\"?)"),
        Case(label: "wrong type", replace: "batch_size = 8", with: "batch_size = \"8\"",
             message: "config.toml:13: \"batch_size\" in [ppo] must be an integer >= 1, found string \"8\""),
        Case(label: "out-of-range value", replace: "batch_size = 8", with: "batch_size = 0",
             message: "config.toml:13: \"batch_size\" in [ppo] is 0, must be >= 1"),
        Case(label: "missing file", replace: "model = \"model\"", with: "model = \"no-such-model\"",
             message: "config.toml:6: directory \"no-such-model\" for \"model\" in [policy] does not exist"),
        Case(label: "unknown algorithm", replace: "algorithm = \"ppo\"", with: "algorithm = \"ppp\"",
             message: "config.toml:2: unknown algorithm \"ppp\" at top level (did you mean \"ppo\"?)"),
        Case(label: "unknown reward type", replace: "type = \"keywords\"", with: "type = \"keyword\"",
             message: "config.toml:9: unknown type \"keyword\" in [[reward]] #1 (did you mean \"keywords\"?)"),
        Case(label: "table for another algorithm", replace: "[ppo]\nbatch_size = 8", with: "[grpo]\ngroup_size = 4",
             message: "config.toml:12: table [grpo] is for algorithm \"grpo\", but algorithm is \"ppo\""),
        Case(label: "syntax error", replace: "batch_size = 8", with: "batch_size = = 8",
             message: "config.toml:13:"),
    ]

    @Test(arguments: cases)
    func rejectedBeforeAnythingIsWritten(_ badCase: Case) throws {
        let directory = try workspaceWithModel()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(Self.valid.contains(badCase.replace))
        let text = Self.valid.replacingOccurrences(of: badCase.replace, with: badCase.with)
        try text.write(to: directory.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let result = try runGenRL(["train", "config.toml"], in: directory)
        #expect(result.status == 1)
        let lines = result.standardError.split(separator: "\n")
        #expect(lines.count == 1, "expected one line, got: \(result.standardError)")
        #expect(result.standardError.hasPrefix(badCase.message), "got: \(result.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs").path))
    }

    @Test func theValidConfigurationIsAccepted() throws {
        let directory = try workspaceWithModel()
        defer { try? FileManager.default.removeItem(at: directory) }
        try (Self.valid.replacingOccurrences(of: "algorithm = \"ppo\"", with: "algorithm = \"ppo\"\niterations = 1"))
            .write(to: directory.appendingPathComponent("config.toml"), atomically: true, encoding: .utf8)
        let result = try runGenRL(["train", "config.toml"], in: directory)
        #expect(result.status == 0, "\(result.standardError)")
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("runs/bad/report.html").path))
    }
}
