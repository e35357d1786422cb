import Foundation
import GenRLRewards
import Testing

/// Tests/Fixtures/seqgan/texygen_bleu_fixture.json, computed by NLTK's sentence_bleu as
/// Texygen calls it (make_texygen_bleu_fixture.py).
private struct TexygenFixture: Decodable {
    struct Sentence: Decodable {
        let hypothesis: [Int]
        let order: Int
        let score: Double
    }
    let references: [[Int]]
    let hypotheses: [[Int]]
    let sentence_scores: [Sentence]
    let bleu: [String: Double]
    let bleu_limit_10: Double
    let self_bleu: [String: Double]
    let self_bleu_limit_10: Double

    static func load() throws -> TexygenFixture {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/seqgan/texygen_bleu_fixture.json")
        return try JSONDecoder().decode(TexygenFixture.self, from: Data(contentsOf: url))
    }
}

@Suite struct TexygenBLEUTests {
    @Test func sentenceScoresMatchNLTKMethod1() throws {
        let fixture = try TexygenFixture.load()
        for sentence in fixture.sentence_scores {
            let bleu = TexygenBLEU(maxOrder: sentence.order)
            let score = bleu.sentenceScore(hypothesis: sentence.hypothesis, references: bleu.prepare(references: fixture.references))
            #expect(abs(score - sentence.score) < 1e-12, "order \(sentence.order), hypothesis \(sentence.hypothesis)")
        }
    }

    @Test func corpusBLEUAndSelfBLEUMatchTexygen() throws {
        let fixture = try TexygenFixture.load()
        for (order, expected) in fixture.bleu {
            let score = TexygenBLEU(maxOrder: Int(order)!).score(hypotheses: fixture.hypotheses, references: fixture.references)
            #expect(abs(score - expected) < 1e-12, "BLEU-\(order)")
        }
        for (order, expected) in fixture.self_bleu {
            let score = TexygenBLEU(maxOrder: Int(order)!).selfScore(samples: fixture.references)
            #expect(abs(score - expected) < 1e-12, "Self-BLEU-\(order)")
        }
        let limited = TexygenBLEU(maxOrder: 3, sampleLimit: 10)
        #expect(abs(limited.score(hypotheses: fixture.hypotheses, references: fixture.references) - fixture.bleu_limit_10) < 1e-12)
        #expect(abs(limited.selfScore(samples: fixture.references) - fixture.self_bleu_limit_10) < 1e-12)
    }

    @Test func internedTokensShareIDs() {
        let ids = TexygenBLEU.tokenIDs([["a", "b"], ["b", "c", "a"]])
        #expect(ids == [[0, 1], [1, 2, 0]])
    }
}
