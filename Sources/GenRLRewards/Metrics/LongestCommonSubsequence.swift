/// ROUGE-L and ROUGE-Lsum from token sequences, following rouge-score's `_score_lcs`
/// and `_summary_level_lcs` (including which of several longest common subsequences its
/// backtracking picks, which decides the summary-level union).
enum LongestCommonSubsequence {
    /// The DP table `T[i][j]` = LCS length of `target[..<i]` and `prediction[..<j]`,
    /// stored row-major with `prediction.count + 1` columns.
    private static func table(_ target: [String], _ prediction: [String]) -> [Int] {
        let columns = prediction.count + 1
        var table = Array(repeating: 0, count: (target.count + 1) * columns)
        guard !target.isEmpty, !prediction.isEmpty else { return table }
        for i in 1...target.count {
            for j in 1...prediction.count {
                table[i * columns + j] = target[i - 1] == prediction[j - 1]
                    ? table[(i - 1) * columns + j - 1] + 1
                    : max(table[(i - 1) * columns + j], table[i * columns + j - 1])
            }
        }
        return table
    }

    /// ROUGE-L: `P = LCS / |prediction|`, `R = LCS / |target|`; zero if either is empty.
    static func score(target: [String], prediction: [String]) -> ROUGEScore {
        guard !target.isEmpty, !prediction.isEmpty else { return .zero }
        let length = table(target, prediction).last!
        return ROUGEScore(precision: Double(length) / Double(prediction.count),
                          recall: Double(length) / Double(target.count))
    }

    /// Positions in `target` of one LCS with `prediction`: from the table's corner, a
    /// match steps diagonally; otherwise the step goes left when `T[i][j-1] > T[i-1][j]`,
    /// else up (rouge-score's `_backtrack_norec`).
    static func targetIndices(target: [String], prediction: [String]) -> [Int] {
        let table = table(target, prediction)
        let columns = prediction.count + 1
        var i = target.count
        var j = prediction.count
        var indices: [Int] = []
        while i > 0 && j > 0 {
            if target[i - 1] == prediction[j - 1] {
                indices.append(i - 1)
                i -= 1
                j -= 1
            } else if table[i * columns + j - 1] > table[(i - 1) * columns + j] {
                j -= 1
            } else {
                i -= 1
            }
        }
        return indices.reversed()
    }

    /// ROUGE-Lsum over sentence-split token sequences. For each target sentence, the
    /// union (in target order) of its LCS positions with each prediction sentence gives
    /// candidate tokens; a token is a hit while it still has unused occurrences in both
    /// the whole target and the whole prediction. `P = hits / prediction tokens`,
    /// `R = hits / target tokens`.
    static func summaryScore(target: [[String]], prediction: [[String]]) -> ROUGEScore {
        guard !target.isEmpty, !prediction.isEmpty else { return .zero }
        let targetTotal = target.reduce(0) { $0 + $1.count }
        let predictionTotal = prediction.reduce(0) { $0 + $1.count }
        guard targetTotal > 0, predictionTotal > 0 else { return .zero }

        var targetRemaining: [String: Int] = [:]
        var predictionRemaining: [String: Int] = [:]
        for sentence in target { for token in sentence { targetRemaining[token, default: 0] += 1 } }
        for sentence in prediction { for token in sentence { predictionRemaining[token, default: 0] += 1 } }

        var hits = 0
        for sentence in target {
            var union = Set<Int>()
            for candidate in prediction {
                union.formUnion(targetIndices(target: sentence, prediction: candidate))
            }
            for index in union.sorted() {
                let token = sentence[index]
                if (predictionRemaining[token] ?? 0) > 0 && (targetRemaining[token] ?? 0) > 0 {
                    hits += 1
                    predictionRemaining[token]! -= 1
                    targetRemaining[token]! -= 1
                }
            }
        }
        return ROUGEScore(precision: Double(hits) / Double(predictionTotal),
                          recall: Double(hits) / Double(targetTotal))
    }
}
