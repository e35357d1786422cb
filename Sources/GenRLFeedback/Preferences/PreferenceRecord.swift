import Foundation

/// One labelled comparison: a prompt, two or more completions of it, what the labeller
/// said about them, who said it and when.
public struct PreferenceRecord: Sendable, Equatable, Codable {
    /// The row id in a `PreferenceStore` (nil before the record is stored).
    public var id: Int64?
    /// The prompt the completions answer (empty for unconditional generation).
    public var prompt: String
    /// The completions compared, at least two.
    public var completions: [String]
    /// The choice, tie or ranking.
    public var label: PreferenceLabel
    /// Who labelled: a labeller's `name` ("simulated-bt-1.0", "terminal:alice", ...).
    public var labeller: String
    /// When the label was given (stored to the millisecond).
    public var labelledAt: Date
    /// Free-form annotations: the query round, the strategy that chose the query, ...
    public var metadata: [String: String]

    /// A record; `id` is set by the store.
    public init(id: Int64? = nil, prompt: String, completions: [String], label: PreferenceLabel, labeller: String,
                labelledAt: Date, metadata: [String: String] = [:]) {
        self.id = id
        self.prompt = prompt
        self.completions = completions
        self.label = label
        self.labeller = labeller
        self.labelledAt = labelledAt
        self.metadata = metadata
    }

    /// Checks that the label fits the completions and that a labeller is named.
    public func validate() throws(PreferenceLabelError) {
        try label.validate(completionCount: completions.count)
    }

    /// The comparison being labelled, independent of the order of the completions and of
    /// the labeller: two records with the same key are two labels of the same question
    /// (what Dawid–Skene aggregates).
    public var comparisonKey: ComparisonKey { ComparisonKey(prompt: prompt, completions: completions.sorted()) }

    /// The record with its completions in sorted order and the label reindexed to match,
    /// so that labels of one comparison from different labellers line up.
    public func canonicalized() -> PreferenceRecord {
        let order = completions.indices.sorted { (completions[$0], $0) < (completions[$1], $1) }
        var newIndex = [Int](repeating: 0, count: order.count)
        for (new, old) in order.enumerated() { newIndex[old] = new }
        var copy = self
        copy.completions = order.map { completions[$0] }
        copy.label = label.reindexed(newIndex)
        return copy
    }
}

/// Identifies a comparison: the prompt and the sorted completions.
public struct ComparisonKey: Hashable, Sendable {
    /// The prompt.
    public let prompt: String
    /// The completions, sorted.
    public let completions: [String]
}

/// A comparison to be labelled: the prompt and its completions, in the order the
/// labeller sees them.
public struct PreferenceQuery: Sendable, Equatable {
    /// The prompt.
    public var prompt: String
    /// The completions, in the order shown.
    public var completions: [String]
    /// Carried into the stored record's metadata.
    public var metadata: [String: String]

    /// A query.
    public init(prompt: String, completions: [String], metadata: [String: String] = [:]) {
        self.prompt = prompt
        self.completions = completions
        self.metadata = metadata
    }
}
