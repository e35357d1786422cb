import ArgumentParser

/// `genrl`: reinforcement learning for generative models, from the command line.
@main
struct GenRLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "genrl",
        abstract: "Reinforcement learning for generative models: pretrain, fine-tune with RL, sample, evaluate.",
        subcommands: [DemoCommand.self, PretrainCommand.self, TrainCommand.self, SampleCommand.self, EvaluateCommand.self, MetricsCommand.self, ConfigCommand.self, ReportCommand.self, PreferencesCommand.self, SeqGANCommand.self, BenchCommand.self])
}
