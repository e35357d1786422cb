/// The running mean and variance of every score seen, updated one value at a time with
/// Welford's algorithm (Welford, 1962), which stays accurate where the textbook
/// `E[x²] − E[x]²` loses all its digits.
///
/// For the k-th value `x` (k = `count` after the update):
///
///     δ = x − mean;   mean += δ / k;   m2 += δ · (x − mean)
///
/// `variance = m2 / count` (the population variance: the scores seen are all there is).
/// The state is three numbers, `Codable`, and goes into a checkpoint so that a resumed
/// run normalises exactly as the uninterrupted one would.
public struct RunningMoments: Sendable, Equatable, Codable {
    /// How many values have been seen.
    public var count: Int
    /// Their mean (0 before the first value).
    public var mean: Double
    /// Σ (x − mean)² over the values seen (Welford's `M2`).
    public var sumOfSquaredDeviations: Double

    /// Moments of nothing, or restored from saved numbers.
    public init(count: Int = 0, mean: Double = 0, sumOfSquaredDeviations: Double = 0) {
        self.count = count
        self.mean = mean
        self.sumOfSquaredDeviations = sumOfSquaredDeviations
    }

    /// Population variance `m2 / count`; 0 before the first value.
    public var variance: Double { count > 0 ? sumOfSquaredDeviations / Double(count) : 0 }

    /// Population standard deviation.
    public var standardDeviation: Double { variance.squareRoot() }

    /// Adds one value.
    public mutating func update(with value: Double) {
        count += 1
        let deviation = value - mean
        mean += deviation / Double(count)
        sumOfSquaredDeviations += deviation * (value - mean)
    }

    /// Adds every value, in order.
    public mutating func update(with values: some Sequence<Double>) {
        for value in values { update(with: value) }
    }

    /// `(value − mean) / (standardDeviation + epsilon)`.
    public func normalize(_ value: Double, epsilon: Double) -> Double {
        (value - mean) / (standardDeviation + epsilon)
    }
}
