import Foundation

/// Turns labels from labellers of unequal reliability into reward-model examples, using
/// the reliabilities Dawid–Skene estimates from their agreement.
///
/// Pairwise records are canonicalised (completions sorted), so that labels of the same
/// comparison by different labellers line up; each comparison is an item whose category
/// is "first wins", "second wins" or (when any label is a tie) "tie". Records with more
/// than two completions are passed through unweighted.
public enum ReliabilityWeighting {
    /// How the estimates are used.
    public enum Mode: String, Codable, Sendable, CaseIterable {
        /// One example per comparison whose target is the posterior probability that the
        /// first completion is better (a tie counting half): every label of it, weighted
        /// by its labeller's estimated reliability, folded into one soft label.
        case posteriorTargets = "posterior_targets"
        /// One example per label, weighted by its labeller's log-odds of being right,
        /// |log(aⱼ/(1 − aⱼ))| (the optimal weight of a vote; Nitzan & Paroush 1982), with
        /// the label reversed when aⱼ < ½.
        case logOddsWeights = "log_odds_weights"
        /// Every label as it is, weight 1 (the baseline).
        case unweighted
    }

    /// What the estimate says about the labellers, and the examples to train on.
    public struct Outcome: Sendable {
        /// Estimated accuracy of each labeller (by name).
        public var labellerAccuracies: [String: Double]
        /// The reward-model examples.
        public var examples: [PreferenceExample]
        /// Number of distinct pairwise comparisons.
        public var comparisons: Int
        /// EM iterations used.
        public var iterations: Int
    }

    /// Estimates reliabilities from `records` and builds examples by `mode`.
    public static func examples(from records: [PreferenceRecord], mode: Mode,
                                configuration: DawidSkene.Configuration = .init()) -> Outcome {
        let pairs = records.filter { $0.completions.count == 2 }.map { $0.canonicalized() }
        let others = records.filter { $0.completions.count != 2 }.map(PreferenceExample.init)
        let labellers = Array(Set(pairs.map(\.labeller))).sorted()
        let labellerIndex = Dictionary(uniqueKeysWithValues: labellers.enumerated().map { ($1, $0) })
        var itemIndex: [ComparisonKey: Int] = [:]
        var items: [PreferenceRecord] = []
        for record in pairs where itemIndex[record.comparisonKey] == nil {
            itemIndex[record.comparisonKey] = items.count
            items.append(record)
        }
        let hasTies = pairs.contains { $0.label.preference(of: 0, over: 1) == 0.5 }
        let categories = hasTies ? 3 : 2
        func category(_ label: PreferenceLabel) -> Int {
            switch label.preference(of: 0, over: 1) {
            case 1: 0
            case 0: 1
            default: 2
            }
        }
        let annotations = pairs.map {
            DawidSkene.Annotation(item: itemIndex[$0.comparisonKey]!, labeller: labellerIndex[$0.labeller]!, category: category($0.label))
        }
        let result = DawidSkene.fit(annotations, itemCount: items.count, labellerCount: labellers.count,
                                    categoryCount: categories, configuration: configuration)
        let accuracies = Dictionary(uniqueKeysWithValues: labellers.enumerated().map { ($1, result.accuracies[$0]) })

        var examples: [PreferenceExample] = []
        switch mode {
        case .posteriorTargets:
            for (i, item) in items.enumerated() {
                let posterior = result.posteriors[i]
                let target = posterior[0] + (categories == 3 ? 0.5 * posterior[2] : 0)
                examples.append(PreferenceExample(prompt: item.prompt, completions: item.completions, label: .choice(0),
                                                  targetProbability: target))
            }
        case .logOddsWeights:
            for record in pairs {
                let accuracy = min(max(accuracies[record.labeller]!, 1e-3), 1 - 1e-3)
                let logOdds = log(accuracy / (1 - accuracy))
                var label = record.label
                if logOdds < 0, case .choice(let chosen) = label { label = .choice(1 - chosen) }
                examples.append(PreferenceExample(prompt: record.prompt, completions: record.completions, label: label,
                                                  weight: abs(logOdds)))
            }
        case .unweighted:
            examples = pairs.map(PreferenceExample.init)
        }
        return Outcome(labellerAccuracies: accuracies, examples: examples + others, comparisons: items.count,
                       iterations: result.iterations)
    }
}
