import Foundation

/// A run folder, as `DESIGN.md` lays it out:
///
/// ```text
/// runs/<name>/
///   config.toml          the resolved configuration, every default written out
///   metrics.jsonl        one line per step (MetricsLog)
///   samples.jsonl        samples with their rewards, every few steps (SamplesLog)
///   checkpoints/<step>/  model.safetensors, optimizer.safetensors, state.json, …
///   report.html          curves and sample tables (RunReport)
/// ```
///
/// `create` makes a new run (never over an existing one unless told to); `open` finds an
/// existing one to resume or report on. `startSession()` / `resumeSession()` open its
/// logs and checkpoints for training.
public struct RunDirectory: Equatable, Sendable {
    /// The run's directory.
    public let path: String

    /// `config.toml`: the resolved configuration.
    public static let configFileName = "config.toml"
    /// `metrics.jsonl`: one line per step.
    public static let metricsFileName = "metrics.jsonl"
    /// `samples.jsonl`: samples with their rewards.
    public static let samplesFileName = "samples.jsonl"
    /// `checkpoints`: one directory per kept checkpoint.
    public static let checkpointsDirectoryName = "checkpoints"
    /// `report.html`: the self-contained report.
    public static let reportFileName = "report.html"

    /// A value for the run at `path`; nothing is checked or created (see `create`/`open`).
    public init(path: String) {
        self.path = path
    }

    /// The run's name: its directory's last path component.
    public var name: String { (path as NSString).lastPathComponent }
    /// `config.toml`.
    public var configPath: String { file(Self.configFileName) }
    /// `metrics.jsonl`.
    public var metricsPath: String { file(Self.metricsFileName) }
    /// `samples.jsonl`.
    public var samplesPath: String { file(Self.samplesFileName) }
    /// `checkpoints/`.
    public var checkpointsPath: String { file(Self.checkpointsDirectoryName) }
    /// `report.html`.
    public var reportPath: String { file(Self.reportFileName) }

    private func file(_ name: String) -> String { (path as NSString).appendingPathComponent(name) }

    /// Whether a run (a directory with `config.toml`) exists at `path`.
    public static func exists(at path: String) -> Bool {
        FileSystem.isDirectory(path) && FileSystem.exists(RunDirectory(path: path).configPath)
    }

    // MARK: - Creating and opening

    /// Creates the run at `path` (parent directories included) with `configText` as its
    /// `config.toml`, empty logs and an empty `checkpoints/`.
    ///
    /// The run is assembled in a hidden directory beside `path` and renamed into place,
    /// so a failure leaves no half-made run. An empty directory at `path` is taken over.
    ///
    /// - Parameter overwrite: replace a non-empty directory at `path` (the old one is
    ///   removed only once the new one is in place); without it that is an error.
    /// - Throws: `RunError.runExists` when `path` is taken and `overwrite` is false, or a
    ///   `RunError` for a failed file operation.
    @discardableResult
    public static func create(at path: String, configText: String, overwrite: Bool = false) throws -> RunDirectory {
        let run = RunDirectory(path: path)
        let existing = FileSystem.exists(path)
        let existingIsEmpty = try existing && FileSystem.isDirectory(path) && FileSystem.contents(of: path).isEmpty
        if existing && !existingIsEmpty && !overwrite { throw RunError.runExists(path: path) }

        let parent = (path as NSString).deletingLastPathComponent.isEmpty ? "." : (path as NSString).deletingLastPathComponent
        try FileSystem.makeDirectories(parent)
        let suffix = FileSystem.temporarySuffix()
        let staging = (parent as NSString).appendingPathComponent(".\(run.name).creating-\(suffix)")
        do {
            try FileSystem.makeDirectory(staging)
            let staged = RunDirectory(path: staging)
            try FileSystem.writeFile(Data(configText.utf8), to: staged.configPath, durable: true)
            try FileSystem.writeFile(Data(), to: staged.metricsPath, durable: true)
            try FileSystem.writeFile(Data(), to: staged.samplesPath, durable: true)
            try FileSystem.makeDirectory(staged.checkpointsPath)
            try FileSystem.syncPath(staging)
        } catch {
            try? FileSystem.removeTree(staging)
            throw error
        }

        var replaced: String?
        if existingIsEmpty {
            try FileSystem.removeTree(path)
        } else if existing {
            replaced = (parent as NSString).appendingPathComponent(".\(run.name).replaced-\(suffix)")
            try FileSystem.renameItem(path, to: replaced!)
        }
        try FileSystem.renameItem(staging, to: path)
        try FileSystem.syncPath(parent)
        if let replaced { try FileSystem.removeTree(replaced) }
        return run
    }

    /// The existing run at `path`.
    /// - Throws: `RunError.runNotFound` if `path` is not a directory with `config.toml`.
    public static func open(at path: String) throws -> RunDirectory {
        guard exists(at: path) else { throw RunError.runNotFound(path: path) }
        return RunDirectory(path: path)
    }

    /// An existing folder to read logs from (`genrl report`): a run, or a folder another
    /// experiment wrote its `metrics.jsonl` into without a `config.toml` (the RLHF and DPO
    /// experiments of `genrl preferences`).
    /// - Throws: `RunError.runNotFound` if `path` has neither `config.toml` nor `metrics.jsonl`.
    public static func openForReading(at path: String) throws -> RunDirectory {
        let run = RunDirectory(path: path)
        guard exists(at: path) || (FileSystem.isDirectory(path) && FileSystem.exists(run.metricsPath)) else {
            throw RunError.runNotFound(path: path)
        }
        return run
    }

    // MARK: - Contents

    /// The text of `config.toml`.
    public func configText() throws -> String {
        String(decoding: try FileSystem.readFile(configPath), as: UTF8.self)
    }

    /// Replaces `config.toml` atomically (temporary file, fsync, rename).
    public func writeConfig(_ text: String) throws {
        try FileSystem.replaceFile(at: configPath, with: Data(text.utf8))
    }

    /// The run's checkpoint store, keeping the last `keepLast` checkpoints (nil: all).
    public func checkpointStore(keepLast: Int? = 3) -> CheckpointStore {
        CheckpointStore(directory: checkpointsPath, keepLast: keepLast)
    }

    /// Every line of `metrics.jsonl` (an absent file reads as empty).
    public func metrics() throws -> [MetricsRecord] {
        FileSystem.exists(metricsPath) ? try MetricsLog.read(path: metricsPath) : []
    }

    /// Every line of `samples.jsonl` (an absent file reads as empty).
    public func samples() throws -> [SampleRecord] {
        FileSystem.exists(samplesPath) ? try SamplesLog.read(path: samplesPath) : []
    }

    // MARK: - Training sessions

    /// Opens the logs and checkpoints of a run just made by `create`, for training from
    /// step 0.
    public func startSession(keepLastCheckpoints: Int? = 3,
                             clock: @escaping @Sendable () -> Double = MetricsLog.monotonicSeconds) throws -> RunSession {
        try RunSession(run: self, checkpoints: checkpointStore(keepLast: keepLastCheckpoints), resumingFrom: nil, clock: clock)
    }

    /// Opens the run for resuming: cleans up interrupted checkpoint writes, finds the
    /// latest complete checkpoint, and truncates both logs after its step (after step 0
    /// when there is none), so the resumed run writes the following lines again exactly
    /// where an uninterrupted run would have. Load the session's `checkpoint` (nil: start
    /// from scratch) and continue at `session.startStep + 1`.
    public func resumeSession(keepLastCheckpoints: Int? = 3,
                              clock: @escaping @Sendable () -> Double = MetricsLog.monotonicSeconds) throws -> RunSession {
        let store = checkpointStore(keepLast: keepLastCheckpoints)
        try store.recoverInterruptedWrites()
        return try RunSession(run: self, checkpoints: store, resumingFrom: try store.latest(), clock: clock)
    }
}
