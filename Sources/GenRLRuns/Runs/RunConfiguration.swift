import Foundation

/// A run kind's configuration: where its folder is and how many checkpoints it keeps.
public protocol RunConfiguration: ConsistentConfiguration {
    var name: String { get }
    var runsDirectory: String { get }
    var checkpoints: CheckpointSection { get }
}

extension TrainingRunConfiguration: RunConfiguration {}
extension PretrainingRunConfiguration: RunConfiguration {}

extension RunConfiguration {
    /// `<runs_directory>/<name>`.
    public var runPath: String { (runsDirectory as NSString).appendingPathComponent(name) }
}

/// Opens the run a configuration file describes, and builds what it trains, in the order
/// that never leaves a half-made run behind:
/// - new: the file is read and checked, everything is built (`build`) — a model that
///   does not load fails here — and only then is the folder created, with the resolved
///   configuration (`header` above it);
/// - resume: the folder must exist; its saved configuration is read back and built, and
///   the session starts from the latest checkpoint.
func openRun<Configuration: RunConfiguration, Built>(
    _ type: Configuration.Type, configPath: String, resume: Bool, overwrite: Bool, header: String,
    build: (Configuration) throws -> Built
) throws -> (configuration: Configuration, built: Built, session: RunSession) {
    var configuration = try ConfigReader.readConsistent(type, fromFile: configPath)
    if resume {
        let run = try RunDirectory.open(at: configuration.runPath)
        configuration = try ConfigReader.readConsistent(type, fromFile: run.configPath)
        let built = try build(configuration)
        return (configuration, built, try run.resumeSession(keepLastCheckpoints: configuration.checkpoints.keep))
    }
    let built = try build(configuration)
    let run = try RunDirectory.create(at: configuration.runPath, configText: ConfigWriter.text(for: configuration, header: [header]),
                                      overwrite: overwrite)
    return (configuration, built, try run.startSession(keepLastCheckpoints: configuration.checkpoints.keep))
}
