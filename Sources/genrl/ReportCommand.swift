import ArgumentParser
import GenRLRuns

/// `genrl report RUN`: (re)writes a run's self-contained HTML report.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Write a run's HTML report (curves and sample tables, readable offline).")

    @Argument(help: "The run folder (runs/<name>), or the output folder of `genrl preferences rlhf` or `dpo`.")
    var runFolder: String

    func run() throws {
        try reportingFailures {
            let path = try RunReport.write(for: try RunDirectory.openForReading(at: runFolder))
            say(path)
        }
    }
}
