import Foundation
import GenRLRewards
import Testing

// Fixtures: Tests/Fixtures/metrics/metric_fixtures.json, written by
// make_metric_fixtures.py beside it with sacreBLEU 2.6.0, rouge-score 0.1.2 and NLTK.
// Scores are compared to 1e-6 on the scale the reference reports (0–100 for sacreBLEU,
// 0–1 for rouge-score); the fixture values are rounded to 1e-7 and 1e-9 respectively.

private let tolerance = 1e-6

// MARK: - Fixture file

private struct Fixtures: Decodable {
    struct Pair: Decodable { let hypothesis: String; let references: [String] }

    struct BLEUOptions: Decodable {
        let tokenize: String
        let smoothMethod: String
        let smoothValue: Double?
        let lowercase: Bool
        let effectiveOrder: Bool
        let maxNgramOrder: Int
        enum CodingKeys: String, CodingKey {
            case tokenize, lowercase
            case smoothMethod = "smooth_method", smoothValue = "smooth_value"
            case effectiveOrder = "effective_order", maxNgramOrder = "max_ngram_order"
        }
    }

    struct BLEURecord: Decodable {
        let score: Double
        let counts: [Int]
        let totals: [Int]
        let precisions: [Double]
        let bp: Double
        let sysLen: Int
        let refLen: Int
        let formatted: String
        let options: BLEUOptions?
        let multiReference: Bool?
        let signature: String?
        let pair: Int?
        enum CodingKeys: String, CodingKey {
            case score, counts, totals, precisions, bp, formatted, options, signature, pair
            case sysLen = "sys_len", refLen = "ref_len", multiReference = "multi_reference"
        }
    }

    struct SentenceScores<Options: Decodable>: Decodable { let options: Options; let scores: [Double] }

    struct CHRFOptions: Decodable {
        let charOrder: Int
        let wordOrder: Int
        let beta: Int
        let lowercase: Bool
        let whitespace: Bool
        let epsSmoothing: Bool
        enum CodingKeys: String, CodingKey {
            case beta, lowercase, whitespace
            case charOrder = "char_order", wordOrder = "word_order", epsSmoothing = "eps_smoothing"
        }
    }

    struct CHRFRecord: Decodable {
        let options: CHRFOptions
        let multiReference: Bool
        let score: Double
        let formatted: String
        let signature: String
        enum CodingKeys: String, CodingKey {
            case options, score, formatted, signature
            case multiReference = "multi_reference"
        }
    }

    struct ROUGERecord: Decodable {
        let useStemmer: Bool
        let fmeasure: [String: [Double]]
        let precision: [String: [Double]]?
        let recall: [String: [Double]]?
        let pairs: [Int]?
        enum CodingKeys: String, CodingKey {
            case fmeasure, precision, recall, pairs
            case useStemmer = "use_stemmer"
        }
    }

    struct ROUGESummaryRecord: Decodable {
        let useStemmer: Bool
        let groups: [[Int]]
        let predictionOrder: String
        let scores: [[Double]]
        enum CodingKeys: String, CodingKey {
            case groups, scores
            case useStemmer = "use_stemmer", predictionOrder = "prediction_order"
        }
    }

    struct ROUGETokenizerProbes: Decodable { let inputs: [String]; let plain: [[String]]; let stemmed: [[String]] }
    struct PorterWords: Decodable { let words: [String]; let stems: [String] }

    struct SelfBLEURecord: Decodable {
        let name: String
        let maxNgramOrder: Int
        let perSample: [Double]
        let mean: Double
        let samples: [String]?
        let firstPairHypotheses: Int?
        enum CodingKeys: String, CodingKey {
            case name, mean, samples
            case maxNgramOrder = "max_ngram_order", perSample = "per_sample"
            case firstPairHypotheses = "first_pair_hypotheses"
        }
    }

    struct TokenizerProbes: Decodable {
        let inputs: [String]
        let thirteenA: [String]
        let intl: [String]
        let char: [String]
        let none: [String]
        enum CodingKeys: String, CodingKey {
            case inputs, intl, char, none
            case thirteenA = "13a"
        }
    }

    struct LowercaseProbes: Decodable { let inputs: [String]; let outputs: [String] }

    let pairs: [Pair]
    let bleuCorpus: [BLEURecord]
    let bleuSentence: [SentenceScores<BLEUOptions>]
    let bleuSentenceDetails: [BLEURecord]
    let chrfCorpus: [CHRFRecord]
    let chrfSentence: [SentenceScores<CHRFOptions>]
    let rouge: [ROUGERecord]
    let rougeMulti: [ROUGERecord]
    let rougeLsum: [ROUGESummaryRecord]
    let rougeTokenizer: ROUGETokenizerProbes
    let porter: PorterWords
    let selfBleu: [SelfBLEURecord]
    let bleuTokenizer: TokenizerProbes
    let lowercase: LowercaseProbes

    enum CodingKeys: String, CodingKey {
        case pairs, rouge, porter, lowercase
        case bleuCorpus = "bleu_corpus", bleuSentence = "bleu_sentence"
        case bleuSentenceDetails = "bleu_sentence_details", chrfCorpus = "chrf_corpus"
        case chrfSentence = "chrf_sentence", rougeMulti = "rouge_multi", rougeLsum = "rouge_lsum"
        case rougeTokenizer = "rouge_tokenizer", selfBleu = "self_bleu", bleuTokenizer = "bleu_tokenizer"
    }

    static func load() throws -> Fixtures {
        let url = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/metrics/metric_fixtures.json")
        return try JSONDecoder().decode(Fixtures.self, from: Data(contentsOf: url))
    }

    var hypotheses: [String] { pairs.map(\.hypothesis) }
    func references(multi: Bool) -> [[String]] { pairs.map { multi ? $0.references : [$0.references[0]] } }
}

private func makeBLEU(_ options: Fixtures.BLEUOptions) throws -> BLEU {
    let smoothing: BLEU.Smoothing
    switch options.smoothMethod {
    case "none": smoothing = .noSmoothing
    case "floor": smoothing = .floor(epsilon: options.smoothValue ?? 0.1)
    case "add-k": smoothing = .addK(k: options.smoothValue ?? 1)
    case "exp": smoothing = .exponential
    default: throw FixtureError.unknownOption(options.smoothMethod)
    }
    guard let tokenizer = BLEUTokenizer(rawValue: options.tokenize) else {
        throw FixtureError.unknownOption(options.tokenize)
    }
    return BLEU(tokenizer: tokenizer, smoothing: smoothing, lowercase: options.lowercase,
                maxNgramOrder: options.maxNgramOrder, effectiveOrder: options.effectiveOrder ? .on : .off)
}

private func makeCHRF(_ options: Fixtures.CHRFOptions) -> CHRF {
    CHRF(characterOrder: options.charOrder, wordOrder: options.wordOrder, beta: options.beta,
         lowercase: options.lowercase, includeWhitespace: options.whitespace,
         epsilonSmoothing: options.epsSmoothing)
}

private enum FixtureError: Error { case unknownOption(String) }

/// Indices and values where `actual` and `expected` differ by more than the tolerance.
private func mismatches(_ actual: [Double], _ expected: [Double]) -> [String] {
    guard actual.count == expected.count else { return ["\(actual.count) values, expected \(expected.count)"] }
    return zip(actual, expected).enumerated().compactMap { index, pair in
        abs(pair.0 - pair.1) <= tolerance ? nil : "#\(index): \(pair.0) vs \(pair.1)"
    }
}

// MARK: - Corpus

@Test func corpusHasEnoughVariedPairs() throws {
    let fixtures = try Fixtures.load()
    #expect(fixtures.pairs.count >= 200)
    let text = fixtures.pairs.map { $0.hypothesis + $0.references.joined() }.joined()
    for needle in ["é", "我", "😀", "“", "—", "3"] { #expect(text.contains(needle), "corpus lacks \(needle)") }
}

// MARK: - BLEU

@Test func corpusBLEUMatchesSacreBLEU() throws {
    let fixtures = try Fixtures.load()
    for record in fixtures.bleuCorpus {
        let options = try #require(record.options)
        let multi = try #require(record.multiReference as Bool?)
        let bleu = try makeBLEU(options)
        let references = fixtures.references(multi: multi)
        let score = try bleu.corpusScore(hypotheses: fixtures.hypotheses, references: references)
        let label = "\(options.tokenize) \(options.smoothMethod) \(options.smoothValue ?? -1) lc=\(options.lowercase) eff=\(options.effectiveOrder) N=\(options.maxNgramOrder) multi=\(multi)"
        #expect(abs(score.score - record.score) <= tolerance, "\(label): \(score.score) vs \(record.score)")
        #expect(mismatches(score.precisions, record.precisions).isEmpty, "\(label) precisions")
        #expect(abs(score.brevityPenalty - record.bp) <= 1e-9, "\(label) BP")
        #expect(score.hypothesisLength == record.sysLen && score.referenceLength == record.refLen, "\(label) lengths")
        if options.smoothMethod != "add-k" {  // sacreBLEU reports add-k counts with k added
            #expect(score.statistics.matches == record.counts, "\(label) matches")
            #expect(score.statistics.totals == record.totals, "\(label) totals")
        }
        #expect(MetricReport.line(score) == record.formatted, "\(label) line")
        let signature = bleu.signature(referenceCount: MetricReport.referenceCount(references))
        #expect(signature == record.signature, "\(label) signature")
    }
}

@Test func sentenceBLEUMatchesSacreBLEU() throws {
    let fixtures = try Fixtures.load()
    for record in fixtures.bleuSentence {
        let bleu = try makeBLEU(record.options)
        let scores = try fixtures.pairs.map { try bleu.sentenceScore(hypothesis: $0.hypothesis, references: $0.references).score }
        let wrong = mismatches(scores, record.scores)
        #expect(wrong.isEmpty, "\(record.options.tokenize) \(record.options.smoothMethod): \(wrong.prefix(5))")
    }
}

@Test func defaultSentenceBLEUIsSacreBLEUSentenceBLEU() throws {
    // BLEU() with no arguments must give sacreBLEU's sentence_bleu (effective order on)
    // and corpus_bleu (off) numbers.
    let fixtures = try Fixtures.load()
    let bleu = BLEU()
    let sentenceDefault = try #require(fixtures.bleuSentence.first {
        $0.options.tokenize == "13a" && $0.options.smoothMethod == "exp" && $0.options.effectiveOrder && !$0.options.lowercase
    })
    let scores = try fixtures.pairs.map { try bleu.sentenceScore(hypothesis: $0.hypothesis, references: $0.references).score }
    #expect(mismatches(scores, sentenceDefault.scores).isEmpty)
    let corpusDefault = try #require(fixtures.bleuCorpus.first {
        $0.options?.smoothMethod == "exp" && $0.options?.tokenize == "13a" && $0.options?.effectiveOrder == false
            && $0.options?.lowercase == false && $0.options?.maxNgramOrder == 4 && $0.multiReference == false
    })
    let corpus = try bleu.corpusScore(hypotheses: fixtures.hypotheses, references: fixtures.references(multi: false))
    #expect(abs(corpus.score - corpusDefault.score) <= tolerance)
}

@Test func sentenceBLEUDetailsMatchSacreBLEU() throws {
    // Pair 0 is an ordinary edit, 3 has an empty hypothesis, 7 shares no n-gram with its
    // reference, 11 is longer than its references, 20 has a repeated word.
    let fixtures = try Fixtures.load()
    let bleu = BLEU()
    for record in fixtures.bleuSentenceDetails {
        let index = try #require(record.pair)
        let pair = fixtures.pairs[index]
        let score = try bleu.sentenceScore(hypothesis: pair.hypothesis, references: pair.references)
        #expect(abs(score.score - record.score) <= tolerance, "pair \(index)")
        #expect(score.statistics.matches == record.counts && score.statistics.totals == record.totals, "pair \(index)")
        #expect(MetricReport.line(score) == record.formatted, "pair \(index)")
    }
}

@Test func corpusBLEUIsTheScoreOfSummedStatistics() throws {
    let fixtures = try Fixtures.load()
    let bleu = BLEU()
    var total = BLEUStatistics.zero(order: 4)
    for pair in fixtures.pairs {
        total = total + bleu.statistics(hypothesis: pair.hypothesis, references: bleu.prepare(references: pair.references))
    }
    let corpus = try bleu.corpusScore(hypotheses: fixtures.hypotheses, references: fixtures.references(multi: true))
    #expect(bleu.score(total, sentenceLevel: false) == corpus)
}

@Test func bleuTokenizersMatchSacreBLEU() throws {
    let probes = try Fixtures.load().bleuTokenizer
    let expected: [(BLEUTokenizer, [String])] = [
        (.thirteenA, probes.thirteenA), (.international, probes.intl),
        (.character, probes.char), (.whitespaceOnly, probes.none),
    ]
    for (tokenizer, outputs) in expected {
        for (input, output) in zip(probes.inputs, outputs) {
            // The fixture tokenized input.rstrip(); none of the probes ends in whitespace.
            let actual = tokenizer.tokenize(input)
            #expect(Array(actual.unicodeScalars) == Array(output.unicodeScalars),
                    "\(tokenizer.sacreBLEUName) \(input.debugDescription): \(actual.debugDescription) vs \(output.debugDescription)")
        }
    }
}

@Test func lowercasingIsPythonStrLower() throws {
    // A character-level BLEU of Python's lowercasing against our lowercasing of the
    // original is 100 exactly when both give the same code points.
    let probes = try Fixtures.load().lowercase
    let bleu = BLEU(tokenizer: .character, lowercase: true, effectiveOrder: .on)
    for (input, lowered) in zip(probes.inputs, probes.outputs) {
        let score = try bleu.sentenceScore(hypothesis: lowered, references: [input])
        #expect(score.statistics.matches == score.statistics.totals
                    && score.hypothesisLength == score.referenceLength,
                "\(input) → \(lowered.debugDescription)")
    }
}

// MARK: - chrF

@Test func corpusCHRFMatchesSacreBLEU() throws {
    let fixtures = try Fixtures.load()
    for record in fixtures.chrfCorpus {
        let chrf = makeCHRF(record.options)
        let references = fixtures.references(multi: record.multiReference)
        let score = try chrf.corpusScore(hypotheses: fixtures.hypotheses, references: references)
        let label = "\(record.formatted) \(record.signature)"
        #expect(abs(score.score - record.score) <= tolerance, "\(label): \(score.score)")
        #expect(MetricReport.line(score) == record.formatted, "\(label) line")
        #expect(chrf.signature(referenceCount: MetricReport.referenceCount(references)) == record.signature, "\(label)")
    }
}

@Test func sentenceCHRFMatchesSacreBLEU() throws {
    let fixtures = try Fixtures.load()
    for record in fixtures.chrfSentence {
        let chrf = makeCHRF(record.options)
        let scores = try fixtures.pairs.map { try chrf.sentenceScore(hypothesis: $0.hypothesis, references: $0.references).score }
        let wrong = mismatches(scores, record.scores)
        #expect(wrong.isEmpty, "nc=\(record.options.charOrder) nw=\(record.options.wordOrder): \(wrong.prefix(5))")
    }
}

// MARK: - ROUGE

private let rougeTypes: [ROUGEType] = [.rouge1, .rouge2, .rougeL]

@Test(arguments: [false, true])
func rougeMatchesRougeScore(useStemmer: Bool) throws {
    let fixtures = try Fixtures.load()
    let record = try #require(fixtures.rouge.first { $0.useStemmer == useStemmer })
    let rouge = ROUGE(types: rougeTypes, useStemmer: useStemmer)
    let scores = fixtures.pairs.map { rouge.score(target: $0.references[0], prediction: $0.hypothesis) }
    for type in rougeTypes {
        let name = type.description
        let expectedF = try #require(record.fmeasure[name])
        #expect(mismatches(scores.map { $0[type]!.fmeasure }, expectedF).isEmpty, "\(name) F, stemmer \(useStemmer)")
        if let precision = record.precision?[name], let recall = record.recall?[name] {
            #expect(mismatches(scores.map { $0[type]!.precision }, precision).isEmpty, "\(name) P")
            #expect(mismatches(scores.map { $0[type]!.recall }, recall).isEmpty, "\(name) R")
        }
    }
}

@Test(arguments: [false, true])
func rougeScoreMultiMatchesRougeScore(useStemmer: Bool) throws {
    let fixtures = try Fixtures.load()
    let record = try #require(fixtures.rougeMulti.first { $0.useStemmer == useStemmer })
    let indices = try #require(record.pairs)
    #expect(indices.count >= 20)
    let rouge = ROUGE(types: rougeTypes, useStemmer: useStemmer)
    let scores = try indices.map { try rouge.scoreMulti(targets: fixtures.pairs[$0].references, prediction: fixtures.pairs[$0].hypothesis) }
    for type in rougeTypes {
        let expected = try #require(record.fmeasure[type.description])
        #expect(mismatches(scores.map { $0[type]!.fmeasure }, expected).isEmpty, "\(type.description)")
    }
}

@Test(arguments: [false, true])
func rougeLsumMatchesRougeScore(useStemmer: Bool) throws {
    let fixtures = try Fixtures.load()
    let record = try #require(fixtures.rougeLsum.first { $0.useStemmer == useStemmer })
    #expect(record.predictionOrder == "reversed")
    let rouge = ROUGE(types: [.rougeLsum], useStemmer: useStemmer)
    for (group, expected) in zip(record.groups, record.scores) {
        let target = group.map { fixtures.pairs[$0].references[0] }.joined(separator: "\n")
        let prediction = group.reversed().map { fixtures.pairs[$0].hypothesis }.joined(separator: "\n")
        let score = try #require(rouge.score(target: target, prediction: prediction)[.rougeLsum])
        #expect(mismatches([score.precision, score.recall, score.fmeasure], expected).isEmpty, "group \(group)")
    }
}

@Test func rougeTokenizerMatchesRougeScore() throws {
    let probes = try Fixtures.load().rougeTokenizer
    let plain = ROUGE(useStemmer: false)
    let stemmed = ROUGE(useStemmer: true)
    for (index, input) in probes.inputs.enumerated() {
        #expect(plain.tokenize(input) == probes.plain[index], "\(input)")
        #expect(stemmed.tokenize(input) == probes.stemmed[index], "\(input) stemmed")
    }
}

@Test func porterStemmerMatchesNLTK() throws {
    let porter = try Fixtures.load().porter
    #expect(porter.words.count > 400)
    let stemmer = PorterStemmer()
    let wrong = zip(porter.words, porter.stems).filter { stemmer.stem($0.0) != $0.1 }
        .map { "\($0.0) → \(stemmer.stem($0.0)), NLTK \($0.1)" }
    #expect(wrong.isEmpty, "\(wrong.prefix(10))")
}

// MARK: - Self-BLEU

@Test func selfBLEUMatchesSacreBLEUComputation() throws {
    let fixtures = try Fixtures.load()
    for record in fixtures.selfBleu {
        let samples = record.samples ?? Array(fixtures.hypotheses.prefix(record.firstPairHypotheses ?? 0))
        let selfBLEU = SelfBLEU(bleu: BLEU(maxNgramOrder: record.maxNgramOrder))
        let score = try selfBLEU.score(samples: samples)
        #expect(mismatches(score.perSample, record.perSample).isEmpty, "\(record.name)")
        #expect(abs(score.score - record.mean) <= tolerance, "\(record.name)")
    }
}

@Test func selfBLEUEqualsSentenceBLEUAgainstTheOtherSamples() throws {
    let samples = Array(try Fixtures.load().hypotheses.prefix(12))
    let bleu = BLEU()
    let score = try SelfBLEU(bleu: bleu).score(samples: samples)
    for index in samples.indices {
        var others = samples
        others.remove(at: index)
        let direct = try bleu.sentenceScore(hypothesis: samples[index], references: others).score
        #expect(score.perSample[index] == direct, "sample \(index)")
    }
}

// MARK: - Edge cases

@Test func emptyHypothesisScoresZero() throws {
    let reference = "The cat sat on the mat."
    let bleu = try BLEU().sentenceScore(hypothesis: "", references: [reference])
    #expect(bleu.score == 0 && bleu.brevityPenalty == 0 && bleu.hypothesisLength == 0)
    #expect(try CHRF().sentenceScore(hypothesis: "", references: [reference]).score == 0)
    let rouge = ROUGE().score(target: reference, prediction: "")
    #expect(rouge.values.allSatisfy { $0 == .zero })
}

@Test func hypothesisWithoutSharedNGramsScoresZero() throws {
    let bleu = try BLEU().sentenceScore(hypothesis: "zebra xylophone", references: ["the cat sat"])
    #expect(bleu.score == 0 && bleu.statistics.matches == [0, 0, 0, 0])
    #expect(try CHRF().sentenceScore(hypothesis: "qqq", references: ["abc"]).score == 0)
    #expect(ROUGE().score(target: "the cat", prediction: "zebra dog")[.rouge1]!.fmeasure == 0)
}

@Test func identicalHypothesisScoresPerfectly() throws {
    let text = "Alice’s “curious” café — 3,5 km, 😀 done."
    let bleu = try BLEU().sentenceScore(hypothesis: text, references: [text])
    #expect(bleu.statistics.matches == bleu.statistics.totals && abs(bleu.score - 100) < 1e-9)
    #expect(abs(try CHRF.chrFPlusPlus.sentenceScore(hypothesis: text, references: [text]).score - 100) < 1e-12)
    #expect(ROUGE(types: [.rouge1, .rouge2, .rougeL, .rougeLsum]).score(target: text, prediction: text)
        .values.allSatisfy { $0.fmeasure == 1 })
}

@Test func longerHypothesisHasNoBrevityPenalty() throws {
    let score = try BLEU().sentenceScore(hypothesis: "the cat sat on the mat today", references: ["the cat sat on the mat"])
    #expect(score.brevityPenalty == 1 && score.lengthRatio > 1)
    #expect(score.score < 100)
}

@Test func multipleReferencesClipByTheBestReferenceAndPickTheClosestLength() throws {
    let bleu = BLEU()
    let hypothesis = "the cat the cat sat"
    let first = bleu.statistics(hypothesis: hypothesis, references: bleu.prepare(references: ["the cat sat"]))
    let second = bleu.statistics(hypothesis: hypothesis, references: bleu.prepare(references: ["a cat the dog sat down"]))
    let both = bleu.statistics(hypothesis: hypothesis, references: bleu.prepare(references: ["the cat sat", "a cat the dog sat down"]))
    for n in 0..<4 { #expect(both.matches[n] >= max(first.matches[n], second.matches[n])) }
    // 5 tokens: references of 3 and 6 tokens are 2 and 1 away; the closer one wins.
    #expect(both.referenceLength == 6)
    // Equally close references (4 and 6 tokens): the shorter one.
    let tie = bleu.statistics(hypothesis: hypothesis, references: bleu.prepare(references: ["a b c d e f", "a b c d"]))
    #expect(tie.referenceLength == 4)
}

@Test func missingReferencesAndMismatchedLengthsAreTypedErrors() throws {
    #expect(throws: MetricError.lengthMismatch(hypotheses: 2, references: 1)) {
        try BLEU().corpusScore(hypotheses: ["a", "b"], references: [["a"]])
    }
    #expect(throws: MetricError.noReferences(hypothesisIndex: 1)) {
        try CHRF().corpusScore(hypotheses: ["a", "b"], references: [["a"], []])
    }
    #expect(throws: MetricError.emptyCorpus) { try BLEU().corpusScore(hypotheses: [], references: []) }
    #expect(throws: MetricError.tooFewSamples(count: 1, minimum: 2)) { try SelfBLEU().score(samples: ["one"]) }
    #expect(throws: MetricError.noReferences(hypothesisIndex: 0)) { try ROUGE().scoreMulti(targets: [], prediction: "x") }
    #expect(throws: MetricError.unknownROUGEType("rouge0")) { try ROUGEType(name: "rouge0") }
    #expect(try ROUGEType(name: "rougeLsum") == .rougeLsum && (try ROUGEType(name: "rouge3")) == .ngram(3))
}

@Test func reportLinesFollowTheirDocumentedFormat() throws {
    let rouge = ROUGEScore(precision: 0.5, recall: 0.25)
    #expect(MetricReport.line(rouge, type: .rougeL) == "rougeL = 0.3333 (P = 0.5000 R = 0.2500)")
    let selfBLEU = SelfBLEUScore(score: 12.3456, perSample: [10, 14.6912])
    #expect(MetricReport.line(selfBLEU) == "Self-BLEU = 12.35 (samples = 2)")
    #expect(MetricReport.referenceCount([["a"], ["b", "c"]]) == nil)
    #expect(MetricReport.referenceCount([["a", "b"], ["c", "d"]]) == 2)
}

@Test func referenceStreamsBecomePerHypothesisLists() throws {
    let lists = try ReferenceStreams.perHypothesis(fromStreams: [["a1", "b1"], ["a2", nil]])
    #expect(lists == [["a1", "a2"], ["b1"]])
    #expect(throws: MetricError.referenceStreamLengthMismatch(stream: 1, expected: 2, found: 1)) {
        try ReferenceStreams.perHypothesis(fromStreams: [["a", "b"], ["c"]])
    }
}
