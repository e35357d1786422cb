import ArgumentParser
import GenRLRuns

/// `genrl config show KIND`: every setting of a run kind with its documentation and
/// default, as TOML ready to edit.
struct ConfigCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show configuration defaults.", subcommands: [Show.self])

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the documented defaults of a run kind as TOML.",
            discussion: "Examples: genrl config show train --algorithm grpo; genrl config show pretrain")

        enum Kind: String, ExpressibleByArgument, CaseIterable { case train, pretrain }

        @Argument(help: "train or pretrain.")
        var kind: Kind

        @Option(help: "For train: the algorithm whose table is filled in (\(AlgorithmName.allCases.map(\.rawValue).joined(separator: ", "))).")
        var algorithm: String = "ppo"

        func validate() throws {
            if AlgorithmName(rawValue: algorithm) == nil {
                throw ValidationError("unknown algorithm \"\(algorithm)\"; known: \(AlgorithmName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() throws {
            switch kind {
            case .train:
                var config = TrainingRunConfiguration()
                config.algorithm = AlgorithmName(rawValue: algorithm)!
                config.rewards = [.keywords(KeywordRewardSection())]
                switch config.algorithm {
                case .reinforce: config.reinforce = .init()
                case .scst: config.scst = .init()
                case .mixer: config.mixer = .init()
                case .ppo: config.ppo = .init()
                case .grpo: config.grpo = .init()
                case .rloo: config.rloo = .init()
                case .nlpo: config.nlpo = .init()
                }
                print(ConfigWriter.text(for: config, header: ["genrl train configuration (defaults; set [policy] model and the rewards)."]))
            case .pretrain:
                print(ConfigWriter.defaultsText(for: PretrainingRunConfiguration.self,
                                                header: ["genrl pretrain configuration (defaults; set [data] file)."]))
            }
        }
    }
}
