import ArgumentParser
import Foundation
import GenRLRuns

/// `genrl train CONFIG`: RL fine-tuning of a generator as the configuration describes.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Fine-tune a generator with RL (PPO, GRPO, RLOO, REINFORCE, SCST, MIXER, NLPO).",
        discussion: "See `genrl config show train --algorithm ppo` for every setting with its default.")

    @Argument(help: "The run's TOML configuration.")
    var config: String

    @Flag(help: "Continue the run from its latest checkpoint (same metrics as if it had not stopped).")
    var resume = false

    @Flag(help: "Replace an existing run folder of the same name.")
    var overwrite = false

    func run() throws {
        try reportingFailures {
            let outcome = try TrainingLauncher.run(configPath: config, resume: resume, overwrite: overwrite)
            say("run: \(outcome.runPath)")
            say("report: \(outcome.reportPath)")
        }
    }
}

/// Runs `body`; a configuration or run error is printed as its one-line message (one
/// line per problem) on standard error and ends the command with exit code 1.
func reportingFailures(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ConfigErrors {
        for problem in error.errors { complain("\(problem)") }
        throw ExitCode.failure
    } catch let error as ExitCode {
        throw error
    } catch {
        complain("error: \(error)")
        throw ExitCode.failure
    }
}

/// Writes a line to standard error.
func complain(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
