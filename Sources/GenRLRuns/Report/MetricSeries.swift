import Foundation

/// One metric over the run: its key and its (step, value) points in step order.
struct MetricSeries {
    /// The full key (`reward/mean`).
    let key: String
    /// Steps and values; non-finite values are kept (charts leave gaps there).
    let points: [(step: Int, value: Double)]

    /// The family (the key before its first `/`, or `other` without one).
    var family: String { key.firstIndex(of: "/").map { String(key[..<$0]) } ?? "other" }
    /// The key after the family (`mean` for `reward/mean`; the key itself without a `/`).
    var shortName: String { key.firstIndex(of: "/").map { String(key[key.index(after: $0)...]) } ?? key }

    var finiteValues: [Double] { points.map(\.value).filter(\.isFinite) }

    /// Exponentially smoothed values as TensorBoard draws them, with the start-up bias
    /// removed: s̃ₜ = w·s̃ₜ₋₁ + (1−w)·xₜ, sₜ = s̃ₜ / (1 − wᵗ) (counting finite points only;
    /// non-finite points stay non-finite and do not enter the average).
    func smoothed(weight: Double) -> [Double] {
        var accumulator = 0.0, count = 0
        return points.map { point in
            guard point.value.isFinite else { return point.value }
            count += 1
            accumulator = weight * accumulator + (1 - weight) * point.value
            let debias = 1 - Foundation.pow(weight, Double(count))
            return debias > 0 ? accumulator / debias : point.value
        }
    }

    /// The smoothing weight for this series: none for a handful of points or for a
    /// series that is already smooth (its steps add up to less than three times its range, as
    /// for a schedule or a controller's coefficient), else 1 − 8/n up to 0.9 for
    /// hundreds of points (about the last 10 points carry most of the weight).
    var automaticSmoothing: Double {
        let values = finiteValues
        guard values.count > 1 else { return 0 }
        // The range between the 1st and 99th percentiles, so that one spike does not make
        // a noisy series look smooth.
        let sorted = values.sorted()
        let low = sorted[Int(Double(sorted.count - 1) * 0.01)]
        let high = sorted[Int((Double(sorted.count - 1) * 0.99).rounded(.up))]
        guard high > low else { return 0 }
        let pathLength = zip(values, values.dropFirst()).reduce(0) { $0 + abs($1.1 - $1.0) }
        if pathLength < 3 * (high - low) { return 0 }
        return min(0.9, max(0, 1 - 8 / Double(values.count)))
    }

    /// The mean of the first (or last) `count` finite values.
    func edgeMean(count: Int, fromEnd: Bool) -> Double? {
        let values = finiteValues
        guard !values.isEmpty else { return nil }
        let slice = fromEnd ? values.suffix(count) : values.prefix(count)
        return slice.reduce(0, +) / Double(slice.count)
    }
}

/// The metrics of a run grouped by family, in the order a reader looks for them.
struct MetricFamily {
    /// `reward`, `kl`, `losses`, …
    let name: String
    /// The family's series, `mean` first, then by name.
    let series: [MetricSeries]

    /// The section title (`Reward`, `KL`, `Losses`).
    var title: String {
        switch name {
        case "kl": "KL"
        case "other": "Other"
        case "samples": "Sample statistics"
        default: name.prefix(1).uppercased() + name.dropFirst().replacingOccurrences(of: "_", with: " ")
        }
    }

    /// The series named `shortName`, if present.
    func series(named shortName: String) -> MetricSeries? { series.first { $0.shortName == shortName } }

    /// Families come in this order; the rest follow alphabetically, `other` last.
    /// `gold`, `learned` and `eval` (gold reward, learned reward, and both on held-out
    /// prompts with the KL, as RLHF logs them) follow the reward so that over-optimisation
    /// shows on one screen.
    static let preferredOrder = ["reward", "rewards", "gold", "learned", "eval", "kl", "losses", "policy", "values", "samples",
                                 "gradients"]

    /// Splits `records` into series by key and groups them by family.
    static func families(from records: [MetricsRecord]) -> [MetricFamily] {
        var pointsByKey: [String: [(step: Int, value: Double)]] = [:]
        for record in records.sorted(by: { $0.step < $1.step }) {
            for (key, value) in record.values { pointsByKey[key, default: []].append((record.step, value)) }
        }
        let allSeries = pointsByKey.map { MetricSeries(key: $0.key, points: $0.value) }
        let grouped = Dictionary(grouping: allSeries, by: \.family)
        let names = grouped.keys.sorted { left, right in
            rank(left) != rank(right) ? rank(left) < rank(right) : left < right
        }
        return names.map { name in
            MetricFamily(name: name, series: grouped[name]!.sorted { left, right in
                let leftFirst = left.shortName == "mean", rightFirst = right.shortName == "mean"
                return leftFirst != rightFirst ? leftFirst : left.shortName < right.shortName
            })
        }
    }

    private static func rank(_ name: String) -> Int {
        if name == "other" { return Int.max }
        return preferredOrder.firstIndex(of: name) ?? preferredOrder.count
    }
}
