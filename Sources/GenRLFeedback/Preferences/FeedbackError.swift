/// Why preference data could not be stored, read or collected. Each case names the file,
/// line, record or labeller at fault.
public enum FeedbackError: Error, CustomStringConvertible {
    /// A record's label does not fit its completions; `index` is its position in the batch
    /// being appended (nothing of the batch was written).
    case invalidRecord(index: Int, reason: String)
    /// A line of a JSON-lines file could not be read as a preference record.
    case invalidJSONLine(path: String, line: Int, reason: String)
    /// The SQLite database failed.
    case database(path: String, reason: String)
    /// A labeller could not answer.
    case labellerFailed(labeller: String, reason: String)
    /// A labeller answered with the wrong number of labels, or a label that does not fit.
    case invalidAnswer(labeller: String, query: Int, reason: String)
    /// The terminal could not be used (not a terminal, closed, ...).
    case terminal(reason: String)
    /// The person at the terminal asked to stop.
    case labellingStopped(labelled: Int)
    /// A configuration value is out of range.
    case invalidConfiguration(String)
    /// An experiment summary cannot be combined with the others; `name` says which (its
    /// file, for the command).
    case incompatibleSummary(name: String, reason: String)

    /// A message naming what is at fault.
    public var description: String {
        switch self {
        case .invalidRecord(let index, let reason): "preference record \(index) of the batch: \(reason) (nothing was written)"
        case .invalidJSONLine(let path, let line, let reason): "\(path):\(line): \(reason)"
        case .database(let path, let reason): "preference store \(path): \(reason)"
        case .labellerFailed(let labeller, let reason): "labeller \(labeller): \(reason)"
        case .invalidAnswer(let labeller, let query, let reason): "labeller \(labeller), query \(query): \(reason)"
        case .terminal(let reason): "terminal: \(reason)"
        case .labellingStopped(let labelled): "labelling stopped at the labeller's request after \(labelled) labels"
        case .invalidConfiguration(let reason): "invalid configuration: \(reason)"
        case .incompatibleSummary(let name, let reason): "\(name): \(reason)"
        }
    }
}
