import Foundation

/// One line of `metrics.jsonl`: the step, the seconds since the run started, and the
/// metrics of that step.
public struct MetricsRecord: Equatable, Sendable {
    /// Completed iterations (1 after the first).
    public var step: Int
    /// Seconds of training since the run started (time spent stopped before a resume
    /// does not count).
    public var time: Double
    /// The metrics by key (`reward/mean`, `kl/mean`, `losses/policy`, …).
    public var values: [String: Double]

    /// Creates a record.
    public init(step: Int, time: Double, values: [String: Double]) {
        self.step = step
        self.time = time
        self.values = values
    }

    /// The line's object: `step`, `time`, then the metrics in key order. Metrics named
    /// `step` or `time` are left out (those keys belong to the line).
    public var jsonValue: JSONValue {
        var members: [(key: String, value: JSONValue)] = [("step", .integer(step)), ("time", .number(time))]
        for key in values.keys.sorted() where key != "step" && key != "time" {
            members.append((key, .number(values[key]!)))
        }
        return .object(members)
    }

    /// Reads a line's object: an integer `step`, a numeric `time` (0 if absent), and
    /// every other numeric member as a metric (other members are ignored).
    public init?(_ object: JSONValue) {
        guard let members = object.objectMembers, let step = object["step"]?.integerValue else { return nil }
        self.step = step
        time = object["time"]?.doubleValue ?? 0
        values = [:]
        for (key, value) in members where key != "step" && key != "time" {
            if let number = value.doubleValue { values[key] = number }
        }
    }
}

/// The run's `metrics.jsonl`: one line per step, appended as training goes.
///
/// ```json
/// {"step":12,"time":3.52,"kl/mean":0.0413,"losses/policy":-0.0021,"reward/mean":0.61}
/// ```
///
/// `time` counts from the run's start and continues across resumes: opening an existing
/// log (or truncating it) starts the clock at the last remaining line's time.
public final class MetricsLog {
    /// The file.
    public let file: JSONLinesFile
    /// The file's path.
    public var path: String { file.path }
    private let clock: @Sendable () -> Double
    private var clockStart: Double
    private var timeOffset: Double

    /// Opens (or creates) the log at `path` for appending; `clock` gives monotonic
    /// seconds (injected by tests).
    public init(path: String, clock: @escaping @Sendable () -> Double = MetricsLog.monotonicSeconds) throws {
        file = try JSONLinesFile(path: path)
        self.clock = clock
        clockStart = clock()
        let lines = try JSONLinesFile.read(path: path, malformed: { _ in })
        timeOffset = lines.last.flatMap { MetricsRecord($0.object)?.time } ?? 0
    }

    /// Seconds since the process started (monotonic: not changed by setting the clock).
    @Sendable public static func monotonicSeconds() -> Double { ProcessInfo.processInfo.systemUptime }

    /// Seconds since the run started, by this log's clock.
    public var elapsedTime: Double { timeOffset + (clock() - clockStart) }

    /// Appends the line of `step`; `time` defaults to `elapsedTime`.
    public func append(step: Int, metrics: [String: Double], time: Double? = nil) throws {
        try file.append(MetricsRecord(step: step, time: time ?? elapsedTime, values: metrics).jsonValue)
    }

    /// Removes the lines after `step` (and a torn last line) so that a run resumed from
    /// the checkpoint of `step` writes them again; the clock continues from the last
    /// remaining line's time.
    @discardableResult
    public func truncate(afterStep step: Int) throws -> [MetricsRecord] {
        let kept = try file.truncate(afterStep: step).compactMap(MetricsRecord.init)
        timeOffset = kept.last?.time ?? 0
        clockStart = clock()
        return kept
    }

    /// fsyncs the file.
    public func synchronize() throws { try file.synchronize() }

    /// The records of the log at `path` (a torn last line is ignored); a malformed line
    /// is passed to `malformed`, which by default throws it.
    public static func read(path: String, malformed: (RunError) throws -> Void = { throw $0 }) throws -> [MetricsRecord] {
        try JSONLinesFile.read(path: path, malformed: malformed).compactMap { MetricsRecord($0.object) }
    }
}
