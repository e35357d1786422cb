import Foundation
import GenRLRewards
import Testing

// Built-in rewards on examples that can be checked by hand. The metric rewards are
// checked against the metric types themselves, which MetricsTests checks against
// sacreBLEU and rouge-score fixtures.

private let testsDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

private func sample(_ index: Int, _ completion: String, references: [String] = [], tokens: [Int] = []) -> Sample {
    Sample(index: index, completion: completion, completionTokens: tokens, references: references)
}

private func texts(_ completions: [String]) -> [Sample] {
    completions.enumerated().map { sample($0, $1) }
}

private func rewardError(_ body: () throws -> Void) -> RewardError? {
    do {
        try body()
        return nil
    } catch let error as RewardError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}

private func isInvalidConfiguration(_ error: RewardError?, mentioning text: String) -> Bool {
    guard case let .invalidConfiguration(_, reason)? = error else { return false }
    return reason.contains(text)
}

private let translationPairs: [(hypothesis: String, references: [String])] = [
    ("The cat sat on the mat.", ["The cat is sitting on the mat.", "A cat sat on the mat."]),
    ("It is raining heavily today", ["Today it rains heavily."]),
    ("the the the", ["The cat is on the mat."]),
    ("Completely different words here", ["The cat is on the mat."]),
]

// MARK: - Reference metrics

@Suite("Reference metric rewards")
struct ReferenceMetricRewardTests {
    private var batch: [Sample] {
        translationPairs.enumerated().map { sample($0, $1.hypothesis, references: $1.references) }
    }

    @Test("the BLEU reward is sentence BLEU / 100, or BLEU itself on the percent scale")
    func bleu() throws {
        let expected = try translationPairs.map { try BLEU().sentenceScore(hypothesis: $0.hypothesis, references: $0.references).score }
        let reward = BLEUReward()
        #expect(reward.name == "bleu")
        #expect(try reward.score(batch).terminal == expected.map { $0 / 100 })
        // Second call: references come from the cache and must give the same numbers.
        #expect(try reward.score(batch).terminal == expected.map { $0 / 100 })
        #expect(try BLEUReward(scale: .percent).score(batch).terminal == expected)
        let exact = sample(0, "the quick brown fox jumps", references: ["the quick brown fox jumps"])
        let perfect = try #require(try reward.score([exact]).terminal[0])
        #expect(abs(perfect - 1) < 1e-12)
    }

    @Test("the chrF reward is sentence chrF / 100; chrF++ settings are passed through")
    func chrf() throws {
        for settings in [CHRF(), CHRF.chrFPlusPlus] {
            let expected = try translationPairs.map {
                try settings.sentenceScore(hypothesis: $0.hypothesis, references: $0.references).score / 100
            }
            let reward = CHRFReward(chrf: settings)
            #expect(try reward.score(batch).terminal == expected)
            #expect(try reward.score(batch).terminal == expected)
        }
        #expect(try CHRFReward(scale: .percent).score([sample(0, "same text", references: ["same text"])]).terminal == [100])
    }

    @Test("ROUGE-L F1 by default; other types and measures by hand")
    func rouge() throws {
        let example = [sample(0, "the cat on the mat", references: ["the cat sat on the mat"])]
        // LCS "the cat on the mat" = 5 tokens: P = 5/5, R = 5/6, F = 10/11.
        let rougeL = try ROUGEReward()
        #expect(rougeL.name == "rougeL")
        let f = try #require(try rougeL.score(example).terminal[0])
        #expect(abs(f - 10.0 / 11) < 1e-12)
        #expect(try ROUGEReward(measure: .recall).score(example).terminal == [5.0 / 6])
        // Bigrams: prediction has 4, reference 5, shared "the cat", "on the", "the mat".
        #expect(try ROUGEReward(type: .rouge2, measure: .precision).score(example).terminal == [0.75])
        #expect(try ROUGEReward(type: .rouge2, measure: .recall).score(example).terminal == [0.6])
        let expected = try translationPairs.map {
            try ROUGE(types: [.rouge1]).scoreMulti(targets: $0.references, prediction: $0.hypothesis)[.rouge1]!.fmeasure
        }
        #expect(try ROUGEReward(type: .rouge1).score(batch).terminal == expected)
        #expect(isInvalidConfiguration(rewardError { _ = try ROUGEReward(type: .ngram(0)) }, mentioning: "n ≥ 1"))
    }

    @Test("a sample without references throws missingReferences naming the reward and the sample")
    func missingReferences() throws {
        let batch = [sample(6, "fine", references: ["fine"]), sample(7, "no references here")]
        let rewards: [any RewardFunction] = [BLEUReward(), CHRFReward(), try ROUGEReward()]
        for reward in rewards {
            let error = rewardError { _ = try reward.score(batch) }
            #expect(error == .missingReferences(reward: reward.name, sample: 7))
            #expect(error?.description.contains("sample 7") == true)
        }
    }
}

// MARK: - Repetition

@Suite("n-gram repetition reward")
struct NGramRepetitionRewardTests {
    @Test("seq-rep-n counts the share of repeated n-grams")
    func sequenceRepetition() {
        // Bigrams 12 23 31 12 23 31 12: 7 in all, 3 distinct.
        #expect(NGramRepetitionReward.sequenceRepetition([1, 2, 3, 1, 2, 3, 1, 2], n: 2) == 1 - 3.0 / 7)
        #expect(NGramRepetitionReward.sequenceRepetition([1, 2, 3, 4, 5], n: 4) == 0)
        #expect(NGramRepetitionReward.sequenceRepetition([7, 7, 7, 7], n: 1) == 0.75)
        #expect(NGramRepetitionReward.sequenceRepetition([1, 2, 3], n: 4) == nil)
        #expect(NGramRepetitionReward.uniqueShare([1, 2, 3, 1, 2, 3, 1, 2], n: 2) == 3.0 / 7)
    }

    @Test("the reward is 1 − seq-rep-4 over token ids by default (Lagutin et al.)")
    func defaultReward() throws {
        let reward = try NGramRepetitionReward()
        let batch = [sample(0, "", tokens: [1, 2, 3, 4, 5]), sample(1, "", tokens: [1, 2, 3, 4, 1, 2, 3, 4]),
                     sample(2, "", tokens: [9, 9, 9, 9, 9, 9])]
        // Sample 1: 5 four-grams, 4 distinct (1234 repeats). Sample 2: 3 four-grams, 1 distinct.
        #expect(try reward.score(batch).terminal == [1, 0.8, 1.0 / 3])
    }

    @Test("whitespace tokenization, the negative form and short completions")
    func options() throws {
        let text = [sample(0, "a b a b a b")]   // bigrams ab ba ab ba ab: 5, 2 distinct
        #expect(try NGramRepetitionReward(n: 2, tokenization: .whitespace).score(text).terminal == [0.4])
        #expect(try NGramRepetitionReward(n: 2, tokenization: .whitespace, form: .negative).score(text).terminal == [-0.6])
        let short = [sample(0, "", tokens: [1, 2])]
        #expect(try NGramRepetitionReward().score(short).terminal == [0])
        #expect(try NGramRepetitionReward(shortCompletions: .noRepetition).score(short).terminal == [1])
        #expect(try NGramRepetitionReward(shortCompletions: .noScore).score(short).terminal == [nil])
        #expect(isInvalidConfiguration(rewardError { _ = try NGramRepetitionReward(n: 0) }, mentioning: "≥ 1"))
    }
}

// MARK: - Length, regex, keywords

@Suite("Length, pattern and keyword rewards")
struct SimpleRewardTests {
    @Test("linear length reward −|len − target| / target in words")
    func linearLength() throws {
        let reward = try LengthReward(targetLength: 4)
        #expect(try reward.score(texts(["a b c d", "a  b", "a b c d e f", ""])).terminal == [0, -0.5, -0.5, -1])
    }

    @Test("characters are code points, tokens are completion tokens; Gaussian shape")
    func unitsAndGaussian() throws {
        let characters = try LengthReward(targetLength: 5, unit: .characters)
        // Precomposed é is one code point; e + combining acute is two (as Python's len).
        #expect(try characters.score(texts(["h\u{E9}llo", "he\u{301}llo"])).terminal == [0, -0.2])
        let tokens = try LengthReward(targetLength: 2, unit: .tokens)
        #expect(try tokens.score([sample(0, "whatever text", tokens: [1, 2, 3])]).terminal == [-0.5])
        let gaussian = try LengthReward(targetLength: 4, shape: .gaussian(width: 2))
        #expect(try gaussian.score(texts(["a b c d", "a b c d e f"])).terminal == [1, exp(-0.5)])
        #expect(isInvalidConfiguration(rewardError { _ = try LengthReward(targetLength: 0) }, mentioning: "targetLength"))
        #expect(isInvalidConfiguration(rewardError { _ = try LengthReward(targetLength: 3, shape: .gaussian(width: 0)) },
                                       mentioning: "width"))
    }

    @Test("regex reward: 1/0 for one pattern, the fraction matched for several")
    func regex() throws {
        let format = try RegexReward(pattern: "^<think>.*</think>")
        #expect(try format.score(texts(["<think>a\nb</think> 42", "42 <think>x</think>"])).terminal == [1, 0])
        let several = try RegexReward(patterns: ["\\d+", "foo", "bar"])
        #expect(try several.score(texts(["foo 42", "nothing"])).terminal == [2.0 / 3, 0])
        let insensitive = try RegexReward(pattern: "answer", caseInsensitive: true)
        #expect(try insensitive.score(texts(["The ANSWER"])).terminal == [1])
    }

    @Test("a whole-completion match backtracks like Python's re.fullmatch")
    func wholeCompletion() throws {
        #expect(try RegexReward(pattern: "a|ab", matchWholeCompletion: true).score(texts(["ab", "abc"])).terminal == [1, 0])
        #expect(try RegexReward(pattern: "ab").score(texts(["abc"])).terminal == [1])
    }

    @Test("an invalid pattern is an invalid configuration naming the pattern")
    func invalidPattern() {
        let error = rewardError { _ = try RegexReward(patterns: ["fine", "(unclosed"], name: "format") }
        guard case let .invalidConfiguration(reward, reason)? = error else {
            Issue.record("expected invalidConfiguration, got \(String(describing: error))")
            return
        }
        #expect(reward == "format")
        #expect(reason.contains("'(unclosed'"))
        #expect(isInvalidConfiguration(rewardError { _ = try RegexReward(patterns: []) }, mentioning: "at least one"))
    }

    @Test("keywords count as whole words, case-insensitively by default")
    func keywords() throws {
        let text = texts(["The Cat likes c++ and hotdogs in New York."])
        let keywords = ["cat", "dog", "C++", "new york"]
        #expect(try KeywordReward(keywords: keywords).score(text).terminal == [0.75])
        #expect(try KeywordReward(keywords: keywords, caseSensitive: true).score(text).terminal == [0])
        #expect(try KeywordReward(keywords: keywords, wholeWord: false).score(text).terminal == [1])
        #expect(try KeywordReward(keywords: ["cat"]).score(texts(["concatenate", "cat_food", "cat."])).terminal == [0, 0, 1])
        // The first occurrence of "x-x" is glued to "a"; the overlapping one at the end is a word.
        #expect(try KeywordReward(keywords: ["x-x"]).score(texts(["ax-x-x", "ax-x-xb"])).terminal == [1, 0])
        #expect(isInvalidConfiguration(rewardError { _ = try KeywordReward(keywords: ["a", ""]) }, mentioning: "keyword 1 is empty"))
    }
}

// MARK: - External process

@Suite("External process reward")
struct ExternalProcessRewardTests {
    @Test("scores come from the process; null stays nil")
    func externalScores() throws {
        let configuration = ExternalScorerConfiguration(
            executablePath: testsDirectory.appendingPathComponent("Fixtures/external/length_scorer.sh").path,
            timeoutPerBatch: 10, terminationGracePeriod: 0.3)
        let reward = try ExternalProcessReward(configuration: configuration)
        defer { reward.close() }
        #expect(reward.name == "length_scorer.sh")
        let batch = [Sample(index: 0, prompt: "p", completion: "ab"), Sample(index: 1, prompt: "q", completion: ""),
                     Sample(index: 2, prompt: "r", completion: "cde")]
        #expect(try reward.checkedScore(batch).terminal == [2, nil, 3])
    }
}
