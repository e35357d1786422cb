import Foundation
import GenRLTensor

/// Anyone or anything that compares completions: a simulated person with a hidden gold
/// reward, an AI judge, a person at the terminal. Each answers a batch of queries with
/// one label per query, or nil where it abstains (a skipped pair, a judge that cannot
/// decide).
public protocol Labeller: AnyObject {
    /// Recorded as `PreferenceRecord.labeller`.
    var name: String { get }
    /// One label (or nil) per query, in order.
    func label(_ queries: [PreferenceQuery]) throws -> [PreferenceLabel?]
}

extension Labeller {
    /// Asks for labels and returns the records of the queries that got one, each checked
    /// against its query (a label that does not fit is an error naming the labeller and
    /// the query), stamped with `date()` and carrying the query's metadata.
    public func records(for queries: [PreferenceQuery], date: () -> Date = Date.init) throws -> [PreferenceRecord] {
        let labels = try label(queries)
        guard labels.count == queries.count else {
            throw FeedbackError.invalidAnswer(labeller: name, query: min(labels.count, queries.count),
                                              reason: "\(labels.count) labels for \(queries.count) queries")
        }
        var records: [PreferenceRecord] = []
        for (index, (query, label)) in zip(queries, labels).enumerated() {
            guard let label else { continue }
            do { try label.validate(completionCount: query.completions.count) } catch {
                throw FeedbackError.invalidAnswer(labeller: name, query: index, reason: error.description)
            }
            records.append(PreferenceRecord(prompt: query.prompt, completions: query.completions, label: label,
                                            labeller: name, labelledAt: date(), metadata: query.metadata))
        }
        return records
    }
}

/// A crowd of labellers of which each query is shown to `labelsPerQuery` distinct members
/// drawn at random: the redundancy that lets Dawid–Skene estimate each member's
/// reliability from their agreement.
public final class LabellerPanel {
    /// The members.
    public let members: [any Labeller]
    /// How many members label each query.
    public let labelsPerQuery: Int
    private var generator: RandomGenerator

    /// A panel whose members label `labelsPerQuery` of each query, drawn with `seed`.
    public init(members: [any Labeller], labelsPerQuery: Int, seed: UInt64) {
        precondition(!members.isEmpty && (1...members.count).contains(labelsPerQuery),
                     "LabellerPanel: labelsPerQuery must be in 1...\(members.count)")
        self.members = members
        self.labelsPerQuery = labelsPerQuery
        generator = RandomGenerator(seed: seed)
    }

    /// The records of every member's labels, `labelsPerQuery` per query (fewer where a
    /// member abstains), grouped by member.
    public func records(for queries: [PreferenceQuery], date: () -> Date = Date.init) throws -> [PreferenceRecord] {
        var assigned = [[PreferenceQuery]](repeating: [], count: members.count)
        for query in queries {
            let chosen = generator.permutation(members.count).prefix(labelsPerQuery)
            for member in chosen { assigned[member].append(query) }
        }
        var records: [PreferenceRecord] = []
        for (member, queries) in zip(members, assigned) where !queries.isEmpty {
            records += try member.records(for: queries, date: date)
        }
        return records
    }
}
