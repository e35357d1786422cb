/// Why a text metric could not be computed. Each case names the sample at fault.
public enum MetricError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `hypotheses` and `references` (one list per hypothesis) differ in length.
    case lengthMismatch(hypotheses: Int, references: Int)
    /// The hypothesis at `hypothesisIndex` has no reference at all.
    case noReferences(hypothesisIndex: Int)
    /// A corpus score was asked for with no hypotheses.
    case emptyCorpus
    /// A sacreBLEU-style reference stream is not as long as the first one.
    case referenceStreamLengthMismatch(stream: Int, expected: Int, found: Int)
    /// Self-BLEU needs every sample to have at least one other sample as a reference.
    case tooFewSamples(count: Int, minimum: Int)
    /// A ROUGE type name other than `rouge1`…`rouge9`, `rougeL` or `rougeLsum`.
    case unknownROUGEType(String)

    /// The message, naming the hypothesis or stream at fault.
    public var description: String {
        switch self {
        case let .lengthMismatch(hypotheses, references):
            return "\(hypotheses) hypotheses but \(references) reference lists; give one list of references per hypothesis"
        case let .noReferences(index):
            return "hypothesis \(index) has no reference"
        case .emptyCorpus:
            return "the corpus has no hypotheses"
        case let .referenceStreamLengthMismatch(stream, expected, found):
            return "reference stream \(stream) has \(found) lines, stream 0 has \(expected)"
        case let .tooFewSamples(count, minimum):
            return "self-BLEU needs at least \(minimum) samples, got \(count)"
        case let .unknownROUGEType(name):
            return "unknown ROUGE type '\(name)'; expected rouge1 … rouge9, rougeL or rougeLsum"
        }
    }
}

/// Conversion from sacreBLEU's reference layout to GenRL's.
///
/// sacreBLEU takes references as *streams*: `streams[k][i]` is the k-th reference of
/// hypothesis i, `nil` where hypothesis i has fewer references. GenRL's metrics take one
/// list per hypothesis instead: `references[i]` holds all references of hypothesis i.
public enum ReferenceStreams {
    /// Per-hypothesis reference lists from sacreBLEU-style streams; `nil` entries are
    /// dropped, as sacreBLEU drops them.
    ///
    /// - Throws: `MetricError.referenceStreamLengthMismatch` when the streams differ in
    ///   length.
    public static func perHypothesis(fromStreams streams: [[String?]]) throws(MetricError) -> [[String]] {
        guard let first = streams.first else { return [] }
        for (index, stream) in streams.enumerated() where stream.count != first.count {
            throw .referenceStreamLengthMismatch(stream: index, expected: first.count, found: stream.count)
        }
        return (0..<first.count).map { line in streams.compactMap { $0[line] } }
    }
}
