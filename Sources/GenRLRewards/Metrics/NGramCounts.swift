/// An n-gram as a key: its code points, with word n-grams' words joined by one space
/// (words never contain whitespace, so the key is unambiguous). Keys compare code point
/// by code point, like Python strings and tuples of strings.
typealias NGramKey = CodePoints

/// Counting of word and character n-grams as sacreBLEU's `helpers.py` does it.
enum NGramCounts {
    /// Counts of the n-grams of exactly `order` consecutive words.
    static func words(_ words: [CodePoints], order: Int) -> [NGramKey: Int] {
        var counts: [NGramKey: Int] = [:]
        guard order >= 1, words.count >= order else { return counts }
        for start in 0...(words.count - order) {
            var key: NGramKey = words[start]
            for offset in 1..<order {
                key.append(" ")
                key.append(contentsOf: words[start + offset])
            }
            counts[key, default: 0] += 1
        }
        return counts
    }

    /// Counts of the n-grams of exactly `order` consecutive code points.
    static func characters(_ text: CodePoints, order: Int) -> [NGramKey: Int] {
        var counts: [NGramKey: Int] = [:]
        guard order >= 1, text.count >= order else { return counts }
        for start in 0...(text.count - order) {
            counts[Array(text[start..<(start + order)]), default: 0] += 1
        }
        return counts
    }

    /// The clipped overlap `Σ_g min(hypothesis[g], reference[g])`.
    static func clippedMatches(_ hypothesis: [NGramKey: Int], _ reference: [NGramKey: Int]) -> Int {
        var matches = 0
        for (key, count) in hypothesis {
            if let referenceCount = reference[key] { matches += min(count, referenceCount) }
        }
        return matches
    }
}
