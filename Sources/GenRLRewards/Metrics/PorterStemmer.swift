/// The Porter stemmer (Porter, 1980) as NLTK's `PorterStemmer` implements it in its
/// default `NLTK_EXTENSIONS` mode, the stemmer rouge-score uses.
///
/// NLTK's extensions to the published algorithm: a table of irregular forms (`skies` →
/// `sky`, `dying` → `die`, `news` → `news`, …); words of at most two characters are
/// returned as they are; step 1a maps four-letter `-ies` words to `-ie`; step 1b maps
/// `-ied` to `-ie` (four letters) or `-i`; step 1c turns `y` into `i` only after a
/// consonant that is not the first letter; step 2 reduces `-alli` recursively and adds
/// `-fulli` → `-ful` and `-logi` → `-log`, and uses `-bli` → `-ble` in place of
/// `-abli` → `-able`; the `*o` condition also holds for a two-letter vowel–consonant
/// stem. Words are lowercased first (Python `str.lower()`).
public struct PorterStemmer: Sendable {
    /// The stemmer.
    public init() {}

    /// The stem of `word`.
    public func stem(_ word: String) -> String {
        let original = PythonText.codePoints(word)
        let lowered = PythonText.lowercased(original)
        if let irregular = Self.irregularForms[PythonText.string(lowered)] { return irregular }
        if original.count <= 2 { return PythonText.string(lowered) }
        var stem = lowered
        stem = step1a(stem)
        stem = step1b(stem)
        stem = step1c(stem)
        stem = step2(stem)
        stem = step3(stem)
        stem = step4(stem)
        stem = step5a(stem)
        stem = step5b(stem)
        return PythonText.string(stem)
    }

    private typealias Word = CodePoints

    /// NLTK's irregular forms, keyed by the inflected form.
    private static let irregularForms: [String: String] = [
        "sky": "sky", "skies": "sky", "dying": "die", "lying": "lie", "tying": "tie",
        "news": "news", "innings": "inning", "inning": "inning", "outings": "outing",
        "outing": "outing", "cannings": "canning", "canning": "canning", "howe": "howe",
        "proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
    ]

    // MARK: - Letter classes and conditions

    private static func isVowelLetter(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "a" || scalar == "e" || scalar == "i" || scalar == "o" || scalar == "u"
    }

    /// Consonant flags: a letter other than a, e, i, o, u is a consonant, except a `y`
    /// that follows a consonant.
    private func consonantFlags(_ word: some Collection<Unicode.Scalar>) -> [Bool] {
        var flags: [Bool] = []
        flags.reserveCapacity(word.count)
        for scalar in word {
            if Self.isVowelLetter(scalar) {
                flags.append(false)
            } else if scalar == "y" {
                flags.append(flags.isEmpty ? true : !flags[flags.count - 1])
            } else {
                flags.append(true)
            }
        }
        return flags
    }

    private func isConsonant(_ word: Word, _ index: Int) -> Bool {
        consonantFlags(word[...index]).last!
    }

    /// The measure m in `[C](VC)^m[V]`: the number of vowel-to-consonant transitions.
    private func measure(_ word: some Collection<Unicode.Scalar>) -> Int {
        let flags = consonantFlags(word)
        var count = 0
        for index in flags.indices.dropFirst() where !flags[index - 1] && flags[index] { count += 1 }
        return count
    }

    private func containsVowel(_ word: Word) -> Bool {
        consonantFlags(word).contains(false)
    }

    /// `*d`: ends with a double consonant.
    private func endsDoubleConsonant(_ word: Word) -> Bool {
        word.count >= 2 && word[word.count - 1] == word[word.count - 2] && isConsonant(word, word.count - 1)
    }

    /// `*o`: ends consonant–vowel–consonant, the last not w, x or y; or (NLTK) is a
    /// two-letter vowel–consonant word.
    private func endsCVC(_ word: Word) -> Bool {
        let n = word.count
        if n >= 3, isConsonant(word, n - 3), !isConsonant(word, n - 2), isConsonant(word, n - 1),
           !["w", "x", "y"].contains(word[n - 1]) {
            return true
        }
        return n == 2 && !isConsonant(word, 0) && isConsonant(word, 1)
    }

    private func hasSuffix(_ word: Word, _ suffix: String) -> Bool {
        let scalars = Array(suffix.unicodeScalars)
        return word.count >= scalars.count && word.suffix(scalars.count).elementsEqual(scalars)
    }

    private func removingSuffix(_ word: Word, _ suffix: String) -> Word {
        Array(word.dropLast(suffix.unicodeScalars.count))
    }

    /// One suffix rule: replace `suffix` by `replacement` if `condition(stem)` holds.
    private struct Rule {
        let suffix: String
        let replacement: String
        let condition: ((Word) -> Bool)?
    }

    /// NLTK's `_apply_rule_list`: the first rule whose suffix the word has decides; if
    /// its condition fails, the word is returned unchanged.
    private func applyFirstRule(_ word: Word, _ rules: [Rule]) -> Word {
        for rule in rules where hasSuffix(word, rule.suffix) {
            let stem = removingSuffix(word, rule.suffix)
            if rule.condition?(stem) ?? true { return stem + Array(rule.replacement.unicodeScalars) }
            return word
        }
        return word
    }

    private func positiveMeasure(_ stem: Word) -> Bool { measure(stem) > 0 }

    // MARK: - Steps

    private func step1a(_ word: Word) -> Word {
        if hasSuffix(word, "ies") && word.count == 4 { return removingSuffix(word, "ies") + ["i", "e"] }
        return applyFirstRule(word, [
            Rule(suffix: "sses", replacement: "ss", condition: nil),
            Rule(suffix: "ies", replacement: "i", condition: nil),
            Rule(suffix: "ss", replacement: "ss", condition: nil),
            Rule(suffix: "s", replacement: "", condition: nil),
        ])
    }

    private func step1b(_ word: Word) -> Word {
        if hasSuffix(word, "ied") {
            return removingSuffix(word, "ied") + (word.count == 4 ? ["i", "e"] : ["i"])
        }
        if hasSuffix(word, "eed") {
            let stem = removingSuffix(word, "eed")
            return measure(stem) > 0 ? stem + ["e", "e"] : word
        }
        var intermediate: Word?
        for suffix in ["ed", "ing"] where hasSuffix(word, suffix) {
            let stem = removingSuffix(word, suffix)
            if containsVowel(stem) {
                intermediate = stem
                break
            }
        }
        guard let stem = intermediate else { return word }
        for (suffix, replacement) in [("at", "ate"), ("bl", "ble"), ("iz", "ize")] where hasSuffix(stem, suffix) {
            return removingSuffix(stem, suffix) + Array(replacement.unicodeScalars)
        }
        if endsDoubleConsonant(stem) {
            let last = stem[stem.count - 1]
            return ["l", "s", "z"].contains(last) ? stem : Array(stem.dropLast())
        }
        if measure(stem) == 1 && endsCVC(stem) { return stem + ["e"] }
        return stem
    }

    private func step1c(_ word: Word) -> Word {
        applyFirstRule(word, [
            Rule(suffix: "y", replacement: "i",
                 condition: { stem in stem.count > 1 && self.isConsonant(stem, stem.count - 1) }),
        ])
    }

    private func step2(_ word: Word) -> Word {
        if hasSuffix(word, "alli"), positiveMeasure(removingSuffix(word, "alli")) {
            return step2(removingSuffix(word, "alli") + ["a", "l"])
        }
        let positive: (Word) -> Bool = { self.positiveMeasure($0) }
        let pairs: [(String, String)] = [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"),
            ("izer", "ize"), ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"),
            ("ousli", "ous"), ("ization", "ize"), ("ation", "ate"), ("ator", "ate"),
            ("alism", "al"), ("iveness", "ive"), ("fulness", "ful"), ("ousness", "ous"),
            ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"), ("fulli", "ful"),
        ]
        var rules = pairs.map { Rule(suffix: $0.0, replacement: $0.1, condition: positive) }
        // NLTK measures the word without "ogi" (the "l" kept) for -logi.
        rules.append(Rule(suffix: "logi", replacement: "log",
                          condition: { _ in self.positiveMeasure(Array(word.dropLast(3))) }))
        return applyFirstRule(word, rules)
    }

    private func step3(_ word: Word) -> Word {
        let positive: (Word) -> Bool = { self.positiveMeasure($0) }
        return applyFirstRule(word, [
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
            ("ful", ""), ("ness", ""),
        ].map { Rule(suffix: $0.0, replacement: $0.1, condition: positive) })
    }

    private func step4(_ word: Word) -> Word {
        let measureAboveOne: (Word) -> Bool = { self.measure($0) > 1 }
        var rules: [Rule] = []
        for suffix in ["al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent"] {
            rules.append(Rule(suffix: suffix, replacement: "", condition: measureAboveOne))
        }
        rules.append(Rule(suffix: "ion", replacement: "", condition: { stem in
            self.measure(stem) > 1 && (stem.last == "s" || stem.last == "t")
        }))
        for suffix in ["ou", "ism", "ate", "iti", "ous", "ive", "ize"] {
            rules.append(Rule(suffix: suffix, replacement: "", condition: measureAboveOne))
        }
        return applyFirstRule(word, rules)
    }

    private func step5a(_ word: Word) -> Word {
        guard hasSuffix(word, "e") else { return word }
        let stem = removingSuffix(word, "e")
        let m = measure(stem)
        if m > 1 || (m == 1 && !endsCVC(stem)) { return stem }
        return word
    }

    private func step5b(_ word: Word) -> Word {
        applyFirstRule(word, [
            Rule(suffix: "ll", replacement: "l", condition: { _ in self.measure(word.dropLast()) > 1 }),
        ])
    }
}
