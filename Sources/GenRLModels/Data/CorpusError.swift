/// What can go wrong when reading, splitting or batching a corpus.
public enum CorpusError: Error, CustomStringConvertible, Equatable {
    /// The file could not be read.
    case unreadableFile(path: String, reason: String)
    /// A line is not valid UTF-8; `line` is 1-based, `byteColumn` the 1-based byte
    /// position of the first invalid byte within the line.
    case invalidUTF8(path: String, line: Int, byteColumn: Int)
    /// The file holds no sample: it is empty or every line is blank.
    case emptyFile(path: String)
    /// Every non-blank line is longer than the maximum length.
    case noSampleWithinMaximumLength(path: String, maximumLength: Int, shortestLength: Int)
    /// An argument out of range (a validation fraction, a batch size, an empty sample).
    case invalidArgument(String)

    /// A sentence naming the file and line at fault.
    public var description: String {
        switch self {
        case .unreadableFile(let path, let reason):
            return "\(path): cannot read corpus: \(reason)"
        case .invalidUTF8(let path, let line, let byteColumn):
            return "\(path):\(line): invalid UTF-8 at byte \(byteColumn) of the line"
        case .emptyFile(let path):
            return "\(path): the corpus holds no sample (the file is empty or every line is blank)"
        case .noSampleWithinMaximumLength(let path, let maximumLength, let shortestLength):
            return "\(path): no line is at most \(maximumLength) characters long (the shortest has \(shortestLength))"
        case .invalidArgument(let reason):
            return reason
        }
    }
}
