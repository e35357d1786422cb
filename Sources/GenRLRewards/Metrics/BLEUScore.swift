/// BLEU's sufficient statistics for one segment or, summed, for a corpus.
///
/// Corpus BLEU is computed from the sum of the segments' statistics, never from an
/// average of sentence scores: `bleu.score(segments.reduce(.zero(order: 4), +))`.
public struct BLEUStatistics: Sendable, Equatable {
    /// Number of hypothesis tokens (`hyp_len`).
    public var hypothesisLength: Int
    /// Length of the reference closest in length to the hypothesis, the shorter one on a
    /// tie (`ref_len`).
    public var referenceLength: Int
    /// `matches[n-1]`: hypothesis n-grams also in a reference, each clipped to the
    /// largest count it has in any one reference.
    public var matches: [Int]
    /// `totals[n-1]`: hypothesis n-grams of order n.
    public var totals: [Int]

    /// Statistics with the given fields; `matches` and `totals` must have equal length.
    public init(hypothesisLength: Int, referenceLength: Int, matches: [Int], totals: [Int]) {
        precondition(matches.count == totals.count, "matches and totals must cover the same orders")
        self.hypothesisLength = hypothesisLength
        self.referenceLength = referenceLength
        self.matches = matches
        self.totals = totals
    }

    /// All-zero statistics for n-gram orders 1…`order`, the start of a sum.
    public static func zero(order: Int) -> BLEUStatistics {
        BLEUStatistics(hypothesisLength: 0, referenceLength: 0,
                       matches: Array(repeating: 0, count: order),
                       totals: Array(repeating: 0, count: order))
    }

    /// Field-by-field sum (both operands must cover the same n-gram orders).
    public static func + (lhs: BLEUStatistics, rhs: BLEUStatistics) -> BLEUStatistics {
        precondition(lhs.matches.count == rhs.matches.count, "BLEU statistics of different orders")
        return BLEUStatistics(
            hypothesisLength: lhs.hypothesisLength + rhs.hypothesisLength,
            referenceLength: lhs.referenceLength + rhs.referenceLength,
            matches: zip(lhs.matches, rhs.matches).map(+),
            totals: zip(lhs.totals, rhs.totals).map(+))
    }
}

/// A BLEU score with the figures sacreBLEU prints beside it.
public struct BLEUScore: Sendable, Equatable {
    /// BLEU on sacreBLEU's 0–100 scale.
    public var score: Double
    /// The statistics the score was computed from (unsmoothed counts).
    public var statistics: BLEUStatistics
    /// Modified n-gram precisions on the 0–100 scale, after smoothing; orders after the
    /// first with no hypothesis n-grams are 0, as in sacreBLEU.
    public var precisions: [Double]
    /// Brevity penalty `BP = 1` if `c ≥ r`, else `exp(1 − r/c)` (0 when `c = 0`), with
    /// `c` the hypothesis length and `r` the reference length.
    public var brevityPenalty: Double

    /// Hypothesis length `c` (`hyp_len`).
    public var hypothesisLength: Int { statistics.hypothesisLength }
    /// Reference length `r` (`ref_len`).
    public var referenceLength: Int { statistics.referenceLength }
    /// `c / r`, or 0 when `r = 0`.
    public var lengthRatio: Double {
        referenceLength == 0 ? 0 : Double(hypothesisLength) / Double(referenceLength)
    }
}
