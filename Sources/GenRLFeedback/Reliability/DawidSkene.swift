import Foundation

/// Estimates how reliable each labeller is from their agreement alone, and the most
/// likely true answer of each item: the EM algorithm of Dawid & Skene (1979).
///
/// Each item i has an unknown true category zᵢ ∈ {0, …, K−1} with prior πₖ; labeller j
/// answers category l for an item of category k with probability θʲₖₗ (their confusion
/// matrix). EM alternates
///
///   E-step: Tᵢₖ = P(zᵢ = k | labels) ∝ πₖ · Π_{(i,j,l)} θʲₖₗ
///   M-step: πₖ = mean_i Tᵢₖ,   θʲₖₗ = (Σᵢ Tᵢₖ·nʲᵢₗ + α) / (Σᵢ Tᵢₖ·nʲᵢ + K·α)
///
/// from a majority-vote start, until the log-likelihood improves by less than
/// `tolerance`. α is a small pseudo-count that keeps every θ positive. With `oneCoin`
/// each labeller has a single accuracy aⱼ (θʲₖₖ = aⱼ, θʲₖₗ = (1 − aⱼ)/(K − 1)), the
/// "one-coin" model that suits symmetric questions such as "which of two is better".
/// A labeller who is worse than chance (adversarial) gets aⱼ < ½, and their answers then
/// count as evidence for the opposite — as long as honest labellers are the majority
/// the majority-vote start lands in the right basin.
public enum DawidSkene {
    /// One label: labeller `labeller` put item `item` in `category`.
    public struct Annotation: Sendable, Equatable {
        /// Index of the item.
        public var item: Int
        /// Index of the labeller.
        public var labeller: Int
        /// The category answered.
        public var category: Int

        /// An annotation.
        public init(item: Int, labeller: Int, category: Int) {
            self.item = item
            self.labeller = labeller
            self.category = category
        }
    }

    /// Settings of the EM.
    public struct Configuration: Codable, Sendable, Equatable {
        /// Most EM iterations.
        public var maximumIterations = 100
        /// Stop when the log-likelihood improves by less than this.
        public var tolerance = 1e-7
        /// Pseudo-count α added to every confusion count.
        public var smoothing = 0.01
        /// One accuracy per labeller instead of a full confusion matrix.
        public var oneCoin = true

        /// The defaults (the values above).
        public init() {}
    }

    /// What EM found.
    public struct Result: Sendable {
        /// P(zᵢ = k | labels), [item][category].
        public var posteriors: [[Double]]
        /// θʲₖₗ, [labeller][true category][answered category].
        public var confusions: [[[Double]]]
        /// πₖ.
        public var priors: [Double]
        /// Each labeller's probability of answering the true category, Σₖ πₖ θʲₖₖ.
        public var accuracies: [Double]
        /// Iterations run.
        public var iterations: Int
        /// The final log-likelihood of the labels.
        public var logLikelihood: Double

        /// The most likely category of each item.
        public var mostLikelyCategories: [Int] {
            posteriors.map { row in row.indices.max { row[$0] < row[$1] } ?? 0 }
        }
    }

    /// Runs EM on `annotations` over `itemCount` items, `labellerCount` labellers and
    /// `categoryCount` categories.
    public static func fit(_ annotations: [Annotation], itemCount: Int, labellerCount: Int, categoryCount: Int,
                           configuration: Configuration = .init()) -> Result {
        let K = categoryCount
        precondition(K >= 2, "DawidSkene: at least two categories")
        for a in annotations {
            precondition((0..<itemCount).contains(a.item) && (0..<labellerCount).contains(a.labeller) && (0..<K).contains(a.category),
                         "DawidSkene: annotation \(a) is out of range")
        }
        // Majority-vote start.
        var posteriors = [[Double]](repeating: [Double](repeating: 0, count: K), count: itemCount)
        for a in annotations { posteriors[a.item][a.category] += 1 }
        for i in 0..<itemCount {
            let total = posteriors[i].reduce(0, +)
            posteriors[i] = total > 0 ? posteriors[i].map { $0 / total } : [Double](repeating: 1 / Double(K), count: K)
        }
        var priors = [Double](repeating: 1 / Double(K), count: K)
        var confusions = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 1 / Double(K), count: K), count: K),
                                      count: labellerCount)
        var logLikelihood = -Double.infinity
        var iterations = 0
        while iterations < configuration.maximumIterations {
            iterations += 1
            // M-step.
            priors = (0..<K).map { k in posteriors.map { $0[k] }.reduce(0, +) / Double(max(itemCount, 1)) }
            var counts = [[[Double]]](repeating: [[Double]](repeating: [Double](repeating: 0, count: K), count: K),
                                      count: labellerCount)
            for a in annotations {
                for k in 0..<K { counts[a.labeller][k][a.category] += posteriors[a.item][k] }
            }
            let alpha = configuration.smoothing
            for j in 0..<labellerCount {
                if configuration.oneCoin {
                    var agree = alpha, total = 2 * alpha
                    for k in 0..<K {
                        agree += counts[j][k][k]
                        total += counts[j][k].reduce(0, +)
                    }
                    let accuracy = agree / total
                    confusions[j] = (0..<K).map { k in (0..<K).map { l in k == l ? accuracy : (1 - accuracy) / Double(K - 1) } }
                } else {
                    confusions[j] = counts[j].map { row in
                        let total = row.reduce(0, +) + Double(K) * alpha
                        return row.map { ($0 + alpha) / total }
                    }
                }
            }
            // E-step.
            var logPosteriors = (0..<itemCount).map { _ in priors.map { log(max($0, 1e-300)) } }
            for a in annotations {
                for k in 0..<K { logPosteriors[a.item][k] += log(confusions[a.labeller][k][a.category]) }
            }
            var newLogLikelihood = 0.0
            for i in 0..<itemCount {
                let top = logPosteriors[i].max()!
                let normalizer = top + log(logPosteriors[i].map { exp($0 - top) }.reduce(0, +))
                newLogLikelihood += normalizer
                posteriors[i] = logPosteriors[i].map { exp($0 - normalizer) }
            }
            let improvement = newLogLikelihood - logLikelihood
            logLikelihood = newLogLikelihood
            if improvement.isFinite && abs(improvement) < configuration.tolerance { break }
        }
        let accuracies = confusions.map { theta in (0..<K).map { priors[$0] * theta[$0][$0] }.reduce(0, +) }
        return Result(posteriors: posteriors, confusions: confusions, priors: priors, accuracies: accuracies,
                      iterations: iterations, logLikelihood: logLikelihood)
    }
}
