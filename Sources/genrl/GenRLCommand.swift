import ArgumentParser

/// `genrl`: reinforcement learning for generative models, from the command line.
@main
struct GenRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrl",
        abstract: "Reinforcement learning for generative models: pretrain, fine-tune with RL, sample, evaluate.",
        subcommands: [BenchCommand.self])
}
