/// Several runs of one active-querying configuration as one: repeats are independent, so
/// a long comparison can run as several processes (each with its own `seed`, taking
/// different repeats of the seed scheme), and their summaries are combined here as if one
/// process had run all the repeats.
///
/// The gold-order curves are kept per repeat, so their means, standard errors, the paired
/// gains and the labels to match the baseline are computed afresh over all repeats. The
/// rows kept only as means (label accuracy, the informative shares, the label ceiling) are
/// averaged with each part weighted by its number of repeats, which is what one process
/// would have reported. `seconds` is the parts' sum: the compute the comparison took.
extension ActiveQueryingSummary {
    /// The summary of all the repeats of `parts` (`name`: where the part came from, for
    /// errors), in the parts' order.
    ///
    /// - Throws: `FeedbackError.incompatibleSummary` naming the first part whose strategies
    ///   or label counts differ from the first part's, that has no repeats, or that repeats
    ///   a repeat already given (the same run passed twice would shrink the standard errors
    ///   without adding information; two independent repeats with the same baseline curve to
    ///   the last digit do not happen).
    public static func combining(_ parts: [(name: String, summary: ActiveQueryingSummary)]) throws(FeedbackError) -> ActiveQueryingSummary {
        guard let first = parts.first?.summary else {
            throw .incompatibleSummary(name: "(none)", reason: "there are no summaries to combine")
        }
        var repeatCounts: [Int] = []
        var baselineCurves: [[Double]: String] = [:]
        for (name, summary) in parts {
            if summary.curves.map(\.strategy) != first.curves.map(\.strategy) {
                throw .incompatibleSummary(name: name, reason: "its strategies \(summary.curves.map(\.strategy.rawValue)) "
                                                               + "differ from \(first.curves.map(\.strategy.rawValue))")
            }
            if summary.curves.map(\.labels) != first.curves.map(\.labels) {
                throw .incompatibleSummary(name: name, reason: "its label counts \(summary.curves.first?.labels ?? []) "
                                                               + "differ from \(first.curves.first?.labels ?? [])")
            }
            let repeats = summary.curves.first?.goldAccuracyByRepeat.count ?? 0
            if repeats == 0 || summary.curves.contains(where: { $0.goldAccuracyByRepeat.count != repeats }) {
                throw .incompatibleSummary(name: name, reason: "its curves do not all have the same, positive number of repeats")
            }
            for (index, curve) in summary.curves[0].goldAccuracyByRepeat.enumerated() {
                if let earlier = baselineCurves[curve] {
                    throw .incompatibleSummary(name: name, reason: "its repeat \(index) is a repeat of \(earlier) (the same run given twice?)")
                }
                baselineCurves[curve] = name
            }
            repeatCounts.append(repeats)
        }
        let weights = repeatCounts.map { Double($0) / Double(repeatCounts.reduce(0, +)) }
        func weightedMean(_ value: (ActiveQueryingSummary) -> Double) -> Double {
            zip(parts, weights).map { value($0.summary) * $1 }.reduce(0, +)
        }
        func weightedMeanRow(_ row: (ActiveQueryingSummary) -> [Double]) -> [Double] {
            row(first).indices.map { i in weightedMean { row($0)[i] } }
        }
        let curves = first.curves.indices.map { s in
            ActiveQueryingCurve(strategy: first.curves[s].strategy, labels: first.curves[s].labels,
                                goldAccuracyByRepeat: parts.flatMap { $0.summary.curves[s].goldAccuracyByRepeat },
                                labelAccuracy: weightedMeanRow { $0.curves[s].labelAccuracy },
                                informativeShareOfNewLabels: weightedMeanRow { $0.curves[s].informativeShareOfNewLabels })
        }
        return ActiveQueryingSummary(curves: curves, labelCeiling: weightedMean(\.labelCeiling),
                                     poolInformativeShare: weightedMean(\.poolInformativeShare),
                                     seconds: parts.map(\.summary.seconds).reduce(0, +))
    }
}
