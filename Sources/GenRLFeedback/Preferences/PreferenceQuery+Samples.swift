import GenRLRewards

extension PreferenceQuery {
    /// Every completion of every query as a reward reads it, with its prompt, in order
    /// (query by query, completion by completion), indexed from 0: one batch to score all
    /// of them in one call.
    static func completionSamples(_ queries: [PreferenceQuery]) -> [Sample] {
        queries.flatMap { query in query.completions.map { (query.prompt, $0) } }.enumerated().map {
            Sample(index: $0.offset, prompt: $0.element.0, completion: $0.element.1)
        }
    }

    /// `flat`, one value per completion in the order of `completionSamples`, cut back into
    /// one row per query: [query][completion].
    static func grouped<Value>(_ flat: [Value], like queries: [PreferenceQuery]) -> [[Value]] {
        var rows: [[Value]] = [], start = 0
        for query in queries {
            rows.append(Array(flat[start..<(start + query.completions.count)]))
            start += query.completions.count
        }
        return rows
    }
}
