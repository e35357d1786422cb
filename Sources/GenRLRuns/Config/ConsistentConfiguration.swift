import Foundation

/// A configuration whose values must also fit together (a table only for the chosen
/// algorithm, a required table for it). `consistencyProblems()` names each problem by
/// the key path at fault; the reader turns them into line-numbered errors.
public protocol ConsistentConfiguration: ConfigSection {
    /// (key path at fault, message) for every combination that does not fit.
    func consistencyProblems() -> [(path: ConfigKeyPath, message: String)]
}

extension ConfigReader {
    /// Reads the file at `path` like `read(_:fromFile:)`, then checks consistency; every
    /// problem, of either kind, is a line-numbered `ConfigError`.
    public static func readConsistent<Config: ConsistentConfiguration>(
        _ type: Config.Type, fromFile path: String
    ) throws(ConfigErrors) -> Config {
        let config = try read(type, fromFile: path)
        let problems = config.consistencyProblems()
        guard !problems.isEmpty else { return config }
        let locations = TOMLKeyLocations(text: (try? String(contentsOfFile: path, encoding: .utf8)) ?? "")
        throw ConfigErrors(problems.map { problem in
            .inconsistent(ConfigSite(file: path, line: locations.line(of: problem.path), keyPath: problem.path),
                          message: problem.message)
        })
    }
}
