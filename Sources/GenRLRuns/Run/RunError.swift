/// A problem with a run folder, its logs or its checkpoints. Every case names the path at
/// fault (and the line, for a log), so the one-line `description` tells the user what to
/// look at.
public enum RunError: Error, Equatable, Sendable, CustomStringConvertible {
    /// `create` found a run at `path` and was not told to overwrite it.
    case runExists(path: String)
    /// `open` found no run at `path` (no directory, or no `config.toml` in it), or
    /// `openForReading` (the report) found neither `config.toml` nor `metrics.jsonl`.
    case runNotFound(path: String)
    /// A system call on `path` failed; `operation` says which (`open`, `write`, `fsync`,
    /// `rename`, …) and `reason` is the system's message.
    case fileSystem(path: String, operation: String, reason: String)
    /// A complete line of a JSON-lines log that is not a JSON object with an integer
    /// `step` (a line cut short by a crash is not an error: it is dropped).
    case malformedLine(path: String, line: Int, reason: String)
    /// A checkpoint directory lacks a file the caller asked for.
    case missingCheckpointFile(path: String)
    /// Two files of one checkpoint have the same name, or a name that is not a plain
    /// file name (empty, `.`/`..`, containing `/`, or starting with `.`).
    case invalidCheckpointFileName(String)

    /// The problem as one line.
    public var description: String {
        switch self {
        case .runExists(let path):
            "\(path): a run already exists here (choose another name, resume it, or allow overwriting)"
        case .runNotFound(let path):
            "\(path): no run here (expected a directory with config.toml; a report also accepts one with only metrics.jsonl)"
        case .fileSystem(let path, let operation, let reason):
            "\(path): \(operation) failed: \(reason)"
        case .malformedLine(let path, let line, let reason):
            "\(path):\(line): \(reason)"
        case .missingCheckpointFile(let path):
            "\(path): checkpoint file is missing"
        case .invalidCheckpointFileName(let name):
            "invalid checkpoint file name \"\(name)\" (a plain name, unique within the checkpoint, not starting with \".\")"
        }
    }
}
