import Foundation
import GenRLFeedback
import GenRLRewards
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

    @Test func aLineChartIsStandaloneSVG() {
        let chart = LineChart(title: "a < b & c", xLabel: "labels", yLabel: "accuracy", series: [
            .init(name: "random", points: [(100, 0.5), (200, 0.6)], color: "#7f7f7f", errors: [0.01, 0.02], dashed: true),
            .init(name: "active", points: [(100, 0.5), (200, 0.7)], color: "#d62728"),
        ])
        let svg = chart.svg()
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.hasSuffix("</svg>\n"))
        #expect(svg.contains("a &lt; b &amp; c") && !svg.contains("<script"))
        #expect(svg.components(separatedBy: "<polyline").count == 3)
    }
}
