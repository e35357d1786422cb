/// What a labeller said about the completions of one comparison.
///
/// Completions are referred to by their index in `PreferenceRecord.completions`.
/// As JSON (the `label` field of the JSON-lines format and of the store):
///
///     {"choice": 1}                 completion 1 is the best; the others are not ordered
///     {"tie": true}                 all completions are equally good
///     {"ranking": [[2], [0, 1]]}    tiers, best first; completions within a tier are tied
public enum PreferenceLabel: Sendable, Equatable, Hashable {
    /// This completion is the best one; nothing is said about the order of the others.
    case choice(Int)
    /// Every completion is as good as every other.
    case tie
    /// A complete ranking as tiers, best first. Every completion appears in exactly one
    /// tier; the completions of a tier are tied.
    case ranking([[Int]])

    /// Checks the label against a comparison of `completionCount` completions.
    public func validate(completionCount: Int) throws(PreferenceLabelError) {
        guard completionCount >= 2 else { throw .tooFewCompletions(completionCount) }
        switch self {
        case .choice(let index):
            guard (0..<completionCount).contains(index) else { throw .indexOutOfRange(index, completionCount: completionCount) }
        case .tie:
            break
        case .ranking(let tiers):
            let flat = tiers.flatMap { $0 }
            if let bad = flat.first(where: { !(0..<completionCount).contains($0) }) {
                throw .indexOutOfRange(bad, completionCount: completionCount)
            }
            if tiers.contains(where: \.isEmpty) { throw .emptyTier }
            guard flat.count == completionCount, Set(flat).count == completionCount else {
                throw .incompleteRanking(tiers, completionCount: completionCount)
            }
        }
    }

    /// The probability this label gives to "completion `a` is better than completion `b`":
    /// 1 or 0 when the label orders them, ½ when it ties them, nil when it says nothing
    /// (two completions that a choice did not pick).
    public func preference(of a: Int, over b: Int) -> Double? {
        switch self {
        case .choice(let index):
            if index == a { return 1 }
            if index == b { return 0 }
            return nil
        case .tie:
            return 0.5
        case .ranking(let tiers):
            guard let tierA = tiers.firstIndex(where: { $0.contains(a) }),
                  let tierB = tiers.firstIndex(where: { $0.contains(b) }) else { return nil }
            return tierA < tierB ? 1 : tierA > tierB ? 0 : 0.5
        }
    }

    /// Every (better, worse) pair the label states, ties left out: a choice gives the
    /// chosen completion over each other one; a ranking gives every pair from different
    /// tiers. This is how DPO and IPO read rankings (Rafailov et al. 2023, §5: a
    /// Plackett–Luce ranking implies its pairwise preferences).
    public func orderedPairs(completionCount: Int) -> [(better: Int, worse: Int)] {
        switch self {
        case .choice(let index):
            return (0..<completionCount).filter { $0 != index }.map { (index, $0) }
        case .tie:
            return []
        case .ranking(let tiers):
            var pairs: [(Int, Int)] = []
            for (i, upper) in tiers.enumerated() {
                for lower in tiers[(i + 1)...] {
                    for better in upper { for worse in lower { pairs.append((better, worse)) } }
                }
            }
            return pairs
        }
    }

    /// The label with completion indices renamed by `permutation` (new index of each old
    /// index), as when the completions of a record are reordered.
    public func reindexed(_ permutation: [Int]) -> PreferenceLabel {
        switch self {
        case .choice(let index): .choice(permutation[index])
        case .tie: .tie
        case .ranking(let tiers): .ranking(tiers.map { $0.map { permutation[$0] }.sorted() })
        }
    }
}

extension PreferenceLabel: Codable {
    private enum Keys: String, CodingKey { case choice, tie, ranking }

    /// Reads the JSON form shown above.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        let present = container.allKeys
        guard present.count == 1 else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath,
                debugDescription: "a label has exactly one of \"choice\", \"tie\", \"ranking\" (found \(present.map(\.stringValue)))"))
        }
        switch present[0] {
        case .choice: self = .choice(try container.decode(Int.self, forKey: .choice))
        case .ranking: self = .ranking(try container.decode([[Int]].self, forKey: .ranking))
        case .tie:
            guard try container.decode(Bool.self, forKey: .tie) else {
                throw DecodingError.dataCorruptedError(forKey: .tie, in: container, debugDescription: "\"tie\" must be true")
            }
            self = .tie
        }
    }

    /// Writes the JSON form shown above.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        switch self {
        case .choice(let index): try container.encode(index, forKey: .choice)
        case .tie: try container.encode(true, forKey: .tie)
        case .ranking(let tiers): try container.encode(tiers, forKey: .ranking)
        }
    }
}

/// Why a label does not fit its comparison.
public enum PreferenceLabelError: Error, CustomStringConvertible, Equatable {
    case tooFewCompletions(Int)
    case indexOutOfRange(Int, completionCount: Int)
    case emptyTier
    case incompleteRanking([[Int]], completionCount: Int)

    /// A message naming what is at fault.
    public var description: String {
        switch self {
        case .tooFewCompletions(let count): "a comparison needs at least 2 completions, found \(count)"
        case .indexOutOfRange(let index, let count): "completion index \(index) is outside 0..<\(count)"
        case .emptyTier: "a ranking tier is empty"
        case .incompleteRanking(let tiers, let count):
            "ranking \(tiers) must name each of the \(count) completions exactly once"
        }
    }
}
