import Foundation
import GenRLFeedback
import GenRLModels
import GenRLRewards
import GenRLTensor
import Testing

@Suite("Experiment parts")
struct ExperimentPartsTests {
    @Test func theGoldRewardCountsLexiconWordsAndKnownWords() throws {
        let gold = SentimentLexiconReward(corpus: ["my sweet lord", "my sweet lady", "the lord", "the lady", "o lord"],
                                          minimumCount: 2, fluencyWeight: 1, minimumWords: 5)
        #expect(gold.knownWords == ["my", "sweet", "lord", "the", "lady"])
        // "Sweet" +1, "death" −1; known: my, sweet, lord (3 of 6 words, over max(6, 5)).
        #expect(abs(gold.gold("My sweet lord, death xyzzy qux!") - (0 + 3.0 / 6)) < 1e-12)
        // Two known words earn 2/5 of the fluency credit; "love's" is the word "love's", not "love".
        #expect(abs(gold.gold("sweet lady") - (1 + 2.0 / 5)) < 1e-12)
        #expect(gold.gold("...") == 0)
        #expect(SentimentLexiconReward.words("'Tis love's  joy--O!") == ["tis", "love's", "joy", "o"])
        let scores = try gold.score([Sample(index: 0, completion: "the lord")]).terminal
        #expect(scores == [2.0 / 5])
    }

    /// The hidden-head gold is the saved model's reward under a value head from its seed,
    /// shifted and scaled (so it orders completions exactly as that head does), standardised
    /// to mean 0 and standard deviation 1 on the model's own completions.
    @Test func theHiddenHeadGoldIsAStandardisedRandomHeadOnTheModelsFeatures() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("../../Data/corpora/tinyshakespeare_lines.txt").standardizedFileURL
        let lines = try String(contentsOf: corpus, encoding: .utf8).split(separator: "\n").map(String.init)
        let tokenizer = try CharacterTokenizer(corpus: lines)
        let model = LanguageModelConfiguration.recurrent(
            RecurrentLanguageModelConfiguration(vocabularySize: tokenizer.vocabularySize, cell: .gru, embeddingSize: 8, hiddenSize: 16))
        var generator = RandomGenerator(seed: 2)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-hidden-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ModelDirectory.save(model: model.makeModel(generator: &generator), configuration: model, tokenizer: tokenizer, to: directory)
        var configuration = PreferenceTaskConfiguration()
        configuration.corpusPath = corpus.path
        configuration.maximumNewTokens = 12
        configuration.minimumNewTokens = 6
        configuration.gold = .hiddenHead
        configuration.hiddenHead.model = directory.path
        configuration.hiddenHead.seed = 3
        configuration.hiddenHead.normalizationSamples = 400
        let task = try PreferenceTask(configuration: configuration)
        let (backbone, _, _) = try ModelDirectory.load(from: directory)
        var sampling = RandomGenerator(seed: 9)
        let pairs = task.samplePairs(model: backbone, tokenizer: tokenizer, promptTexts: task.trainingPromptTexts, count: 200,
                                     generator: &sampling)
        let gold = try task.goldScores(pairs).flatMap { $0 }
        // The same head on the same model, unstandardised.
        let (withHead, _, _) = try ModelDirectory.load(from: directory, valueHead: true, seed: 3)
        let head = RewardModel(backbone: withHead, tokenizer: tokenizer, pooling: .completionMean)
        let raw = head.rewards(prompts: pairs.flatMap { [$0.prompt, $0.prompt] }, completions: pairs.flatMap(\.completions)).map(Double.init)
        // gold = (raw − shift)/scale: an increasing affine function of the head's reward.
        let scale = (gold[1] - gold[0]) / (raw[1] - raw[0])
        #expect(scale > 0)
        for (g, r) in zip(gold, raw) { #expect(abs(g - (gold[0] + scale * (r - raw[0]))) < 1e-3) }
        // Standardised on other completions of the same model: near mean 0 and spread 1 on these.
        let mean = gold.reduce(0, +) / Double(gold.count)
        let spread = (gold.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(gold.count)).squareRoot()
        #expect(abs(mean) < 0.3 && abs(spread - 1) < 0.3, "mean \(mean), standard deviation \(spread)")
    }

    @Test func activeQueryingGainsArePairedWithinRepeatsAndSkipTheSharedFirstEvaluation() {
        // Two repeats of three evaluations; the first evaluation (shared labels) is left out.
        let baseline = [[0.50, 0.55, 0.60], [0.40, 0.50, 0.52]]
        let strategy = [[0.50, 0.57, 0.61], [0.40, 0.54, 0.56]]
        let gain = ActiveQueryingExperiment.pairedGain(.ensembleDisagreement, strategy, against: baseline)
        #expect(gain.gainByRepeat.count == 2)
        #expect(abs(gain.gainByRepeat[0] - 0.015) < 1e-12 && abs(gain.gainByRepeat[1] - 0.04) < 1e-12)
        #expect(abs(gain.meanGain - 0.0275) < 1e-12)
        // Standard error of the mean of 0.015 and 0.04: sample sd 0.0125·√2, over √2.
        #expect(abs(gain.standardError - 0.0125) < 1e-12)
        let single = ActiveQueryingExperiment.pairedGain(.random, [[0.5, 0.4]], against: [[0.5, 0.5]])
        #expect(abs(single.meanGain + 0.1) < 1e-12 && single.standardError == 0)
    }

    @Test func combinedSummariesEqualOneSummaryOfAllTheRepeats() throws {
        func curves(_ random: [[Double]], _ confident: [[Double]], labelAccuracy: Double, share: Double) -> [ActiveQueryingCurve] {
            [(QuerySelection.random, random), (.mostConfident, confident)].map { strategy, gold in
                ActiveQueryingCurve(strategy: strategy, labels: [100, 200, 300], goldAccuracyByRepeat: gold,
                                    labelAccuracy: [labelAccuracy, labelAccuracy, labelAccuracy],
                                    informativeShareOfNewLabels: [share, share, share])
            }
        }
        let random = [[0.50, 0.55, 0.60], [0.40, 0.50, 0.52], [0.45, 0.47, 0.58]]
        let confident = [[0.50, 0.57, 0.61], [0.40, 0.54, 0.56], [0.45, 0.46, 0.62]]
        // Two repeats in one part and one in the other; the means of the one-row fields are
        // weighted by repeats, as one process with all three would have reported them.
        let first = ActiveQueryingSummary(curves: curves(Array(random[..<2]), Array(confident[..<2]), labelAccuracy: 0.6, share: 0.3),
                                          labelCeiling: 0.8, poolInformativeShare: 0.35, seconds: 10)
        let second = ActiveQueryingSummary(curves: curves([random[2]], [confident[2]], labelAccuracy: 0.9, share: 0.6),
                                           labelCeiling: 0.5, poolInformativeShare: 0.2, seconds: 4)
        let combined = try ActiveQueryingSummary.combining([("a", first), ("b", second)])
        let whole = ActiveQueryingSummary(curves: curves(random, confident, labelAccuracy: 0.7, share: 0.4),
                                          labelCeiling: 0.7, poolInformativeShare: 0.3, seconds: 14)
        for (c, w) in zip(combined.curves, whole.curves) {
            #expect(c.goldAccuracyByRepeat == w.goldAccuracyByRepeat)
            #expect(zip(c.goldAccuracy, w.goldAccuracy).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(c.goldAccuracyStandardError, w.goldAccuracyStandardError).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(c.labelAccuracy, w.labelAccuracy).allSatisfy { abs($0 - $1) < 1e-12 })
            #expect(zip(c.informativeShareOfNewLabels, w.informativeShareOfNewLabels).allSatisfy { abs($0 - $1) < 1e-12 })
        }
        #expect(abs(combined.labelCeiling - 0.7) < 1e-12 && abs(combined.poolInformativeShare - 0.3) < 1e-12)
        #expect(combined.seconds == 14)
        let (gain, wholeGain) = (try #require(combined.pairedGains.first), try #require(whole.pairedGains.first))
        #expect(gain.gainByRepeat == wholeGain.gainByRepeat && gain.gainByRepeat.count == 3)
        #expect(abs(gain.meanGain - wholeGain.meanGain) < 1e-12 && abs(gain.standardError - wholeGain.standardError) < 1e-12)
        let toMatch = try #require(combined.labelsToMatchBaseline["most_confident"] ?? nil)
        #expect(abs(toMatch - (try #require(whole.labelsToMatchBaseline["most_confident"] ?? nil))) < 1e-9)

        // A part from another comparison is named in the error.
        let other = ActiveQueryingSummary(curves: [curves(random, confident, labelAccuracy: 0, share: 0)[0]],
                                          labelCeiling: 0, poolInformativeShare: 0, seconds: 0)
        let error = #expect(throws: FeedbackError.self) {
            try ActiveQueryingSummary.combining([("a", first), ("runs/x/summary.json", other)])
        }
        #expect(error?.description.hasPrefix("runs/x/summary.json: its strategies") == true)
        // The same run twice is refused, naming the second.
        let twice = #expect(throws: FeedbackError.self) { try ActiveQueryingSummary.combining([("a", first), ("b", second), ("a again", first)]) }
        #expect(twice?.description.hasPrefix("a again: its repeat 0 is a repeat of a") == true)
    }

    @Test func theInformativeShareCountsPairsWithUnequalGold() {
        let gaps = [0, 1, 0, 0.5, 2]
        #expect(ActiveQueryingExperiment.informativeShare([0, 1, 2, 3], gaps: gaps) == 0.5)
        #expect(ActiveQueryingExperiment.informativeShare([4], gaps: gaps) == 1)
        #expect(ActiveQueryingExperiment.informativeShare(0..<5, gaps: gaps) == 0.6)
        #expect(ActiveQueryingExperiment.informativeShare([Int](), gaps: gaps) == 0)
    }

    @Test func theGoldVersusKLChartHasALinePerRunAndEscapesNames() {
        let chart = ExperimentFiles.goldVersusKLChart([
            (name: "a < b & c", rows: [["eval/kl": 0, "eval/gold_mean": 0.8], ["step": 5], ["eval/kl": 4, "eval/gold_mean": 1.1]]),
            (name: "DPO", rows: [["eval/kl": 1, "eval/gold_mean": 0.9], ["eval/kl": 2, "eval/gold_mean": 1.0]]),
        ], title: "gold reward against KL")
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt; b &amp; c") && !svg.contains("<script"))
        #expect(svg.components(separatedBy: "<path").count - 1 == 2)
        #expect(svg.components(separatedBy: "<circle").count - 1 == 4)  // the rows without eval/kl are left out
    }

    @Test func evaluationSamplesAreWrittenInTheLayoutOfARunsSamplesLog() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-evaluation-samples-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try EvaluationSamplesFile.write([
            (0, [EvaluatedSample(prompt: "My ", completion: "sweet lord", gold: 1.4, learned: 0.2)]),
            (40, [EvaluatedSample(prompt: "O ", completion: "woe", gold: -1)]),
        ], in: directory)
        let text = try String(contentsOf: directory.appendingPathComponent("samples.jsonl"), encoding: .utf8)
        let objects = try text.split(separator: "\n").map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
        #expect(objects.count == 2)
        #expect(objects.map { $0["step"] as? Int } == [0, 40])
        #expect(objects[0]["prompt"] as? String == "My " && objects[0]["completion"] as? String == "sweet lord")
        #expect(objects.map { $0["reward"] as? Double } == [1.4, -1])
        #expect(objects[0]["learned"] as? Double == 0.2 && objects[1]["learned"] == nil)
    }
}
