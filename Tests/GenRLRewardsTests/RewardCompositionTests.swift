import Foundation
import GenRLRewards
import Testing

// Combining, transforming and repetition-penalising rewards. Expected values are worked
// out by hand from the formulas in the doc comments (REINVENT 4's sigmoids from
// reinvent/scoring/transforms/*.py).

// MARK: - Helpers

/// Samples with the given completions; each completion's tokens are its characters'
/// code points, so per-step rows have `completion.count` entries.
private func samples(_ completions: [String]) -> [Sample] {
    completions.enumerated().map { index, text in
        Sample(index: index, completion: text, completionTokens: text.unicodeScalars.map { Int($0.value) })
    }
}

/// `count` samples with distinct one-letter completions.
private func samples(count: Int) -> [Sample] {
    samples((0..<count).map { String(UnicodeScalar(UInt8(97 + $0))) })
}

/// A reward that returns fixed scores (and optionally fixed per-step rows).
private final class FixedReward: RewardFunction {
    let name: String
    let terminal: [Double?]
    let perStep: [[Double]]?

    init(_ name: String, _ terminal: [Double?], perStep: [[Double]]? = nil) {
        self.name = name
        self.terminal = terminal
        self.perStep = perStep
    }

    func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: terminal, perStep: perStep)
    }
}

/// A reward that returns its queued batches in turn.
private final class QueuedReward: RewardFunction {
    let name = "queued"
    var batches: [[Double?]]

    init(_ batches: [[Double?]]) { self.batches = batches }

    func score(_ samples: [Sample]) throws -> RewardScores {
        RewardScores(terminal: batches.removeFirst())
    }
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

private func close(_ lhs: Double?, _ rhs: Double?, tolerance: Double = 1e-12) -> Bool {
    switch (lhs, rhs) {
    case (nil, nil): return true
    case let (l?, r?): return abs(l - r) <= tolerance * max(1, abs(r))
    default: return false
    }
}

private func close(_ lhs: [Double?], _ rhs: [Double?], tolerance: Double = 1e-12) -> Bool {
    lhs.count == rhs.count && zip(lhs, rhs).allSatisfy { close($0, $1, tolerance: tolerance) }
}

// MARK: - Weighted sum

@Suite("Weighted sum of rewards")
struct WeightedSumTests {
    @Test("with every score present the result is Σ wᵢ sᵢ, negative weights included")
    func allPresent() throws {
        let sum = try WeightedSumReward([(FixedReward("a", [1, 2, 3]), 2), (FixedReward("b", [0.5, 0.25, 1]), -1)])
        #expect(try sum.score(samples(count: 3)).terminal == [1.5, 3.75, 5])
    }

    @Test("the default policy is missingIsNil: one missing component makes the sample nil")
    func missingIsNilByDefault() throws {
        let sum = try WeightedSumReward([(FixedReward("a", [1, nil, 2]), 1), (FixedReward("b", [3, 4, nil]), 2)])
        #expect(sum.missingScores == .missingIsNil)
        #expect(try sum.score(samples(count: 3)).terminal == [7, nil, nil])
    }

    @Test("skipMissing rescales the available sum to the total weight; nil only when nothing scored")
    func skipMissing() throws {
        let a = FixedReward("a", [1, nil, 2, nil])
        let b = FixedReward("b", [3, 4, nil, nil])
        let sum = try WeightedSumReward([(a, 1), (b, 3)], missingScores: .skipMissing)
        // Sample 1: only b (4, weight 3) → 12 · 4/3 = 16 = mean 4 × total weight 4.
        // Sample 2: only a (2, weight 1) → 2 · 4/1 = 8.
        #expect(try sum.score(samples(count: 4)).terminal == [10, 16, 8, nil])
    }

    @Test("skipMissing uses absolute weights and gives nil when only zero-weight components scored")
    func skipMissingEdgeCases() throws {
        let negative = try WeightedSumReward([(FixedReward("a", [nil]), 2), (FixedReward("b", [2]), -1)], missingScores: .skipMissing)
        #expect(try negative.score(samples(count: 1)).terminal == [-6])   // −2 · 3/1
        let logged = try WeightedSumReward([(FixedReward("a", [5]), 0), (FixedReward("b", [nil]), 1)], missingScores: .skipMissing)
        #expect(try logged.score(samples(count: 1)).terminal == [nil])
    }

    @Test("missingIsZero counts a missing score as 0 (TRL's nansum), even when all are missing")
    func missingIsZero() throws {
        let a = FixedReward("a", [1, nil, 2, nil])
        let b = FixedReward("b", [3, 4, nil, nil])
        let sum = try WeightedSumReward([(a, 1), (b, 3)], missingScores: .missingIsZero)
        #expect(try sum.score(samples(count: 4)).terminal == [10, 12, 2, 0])
    }

    @Test("dense scores add with their weights; terminal-only components add nothing to them")
    func denseScores() throws {
        let batch = samples(["ab", "xyz"])
        let denseA = FixedReward("a", [1, 1], perStep: [[1, 2], [0, 1, 2]])
        let denseB = FixedReward("b", [0, 0], perStep: [[10, 10], [1, 1, 1]])
        let terminalOnly = FixedReward("c", [5, 5])
        let sum = try WeightedSumReward([(denseA, 2), (terminalOnly, 1), (denseB, -1)])
        let scores = try sum.score(batch)
        #expect(scores.perStep == [[-8, -6], [-1, 1, 3]])
        #expect(scores.terminal == [7, 7])
        let withoutDense = try WeightedSumReward([terminalOnly, FixedReward("d", [1, 2])])
        #expect(try withoutDense.score(batch).perStep == nil)
    }

    @Test("the last batch's per-component mean, deviation and missing count are reported as metrics")
    func componentStatistics() throws {
        let sum = try WeightedSumReward([(FixedReward("a", [1, nil, 3]), 2), (FixedReward("b", [nil, nil, nil]), 1)],
                                        missingScores: .skipMissing)
        #expect(sum.lastComponentStatistics.isEmpty)
        _ = try sum.score(samples(count: 3))
        let first = try #require(sum.lastComponentStatistics.first)
        #expect(first == RewardComponentStatistics(name: "a", weight: 2, scores: [1, nil, 3]))
        #expect(first.mean == 2 && first.standardDeviation == 1 && first.missingCount == 1 && first.count == 3)
        #expect(first.scores == [1, nil, 3])
        let metrics = sum.lastComponentMetrics
        #expect(metrics["rewards/a/mean"] == 2)
        #expect(metrics["rewards/a/std"] == 1)
        #expect(metrics["rewards/a/missing_count"] == 1)
        #expect(metrics["rewards/b/mean"] == nil)
        #expect(metrics["rewards/b/missing_count"] == 3)
    }

    @Test("bad configurations are rejected with the reason")
    func invalidConfigurations() {
        #expect(isInvalidConfiguration(rewardError { _ = try WeightedSumReward([] as [any RewardFunction]) }, mentioning: "at least one"))
        #expect(isInvalidConfiguration(rewardError {
            _ = try WeightedSumReward([FixedReward("a", [1]), FixedReward("a", [2])])
        }, mentioning: "two components are named 'a'"))
        #expect(isInvalidConfiguration(rewardError {
            _ = try WeightedSumReward([(FixedReward("a", [1]), .nan)])
        }, mentioning: "weight nan"))
    }

    @Test("a component that breaks the protocol is named in the error")
    func componentErrorsNameTheComponent() throws {
        let sum = try WeightedSumReward([FixedReward("good", [1, 2]), FixedReward("short", [1])])
        #expect(rewardError { _ = try sum.score(samples(count: 2)) } == .wrongCount(reward: "short", expected: 2, found: 1))
        let infinite = try WeightedSumReward([FixedReward("inf", [1, .infinity])])
        #expect(rewardError { _ = try infinite.score(samples(count: 2)) } == .notFinite(reward: "inf", sample: 1, value: .infinity))
    }
}

// MARK: - Product

@Suite("Product of rewards")
struct ProductTests {
    @Test("the weighted geometric mean is Π sᵢ^(wᵢ/Σw); one zero component gives 0")
    func weightedGeometricMean() throws {
        let product = try ProductReward([(FixedReward("a", [0.25, 1, 0]), 1), (FixedReward("b", [1, 0.5, 0.9]), 3)])
        let scores = try product.score(samples(count: 3)).terminal
        // 0.25^(1/4) = √0.5; 0.5^(3/4) = 2^(−3/4).
        #expect(close(scores, [(0.5).squareRoot(), pow(2, -0.75), 0]))
        let equal = try ProductReward([FixedReward("a", [0.5]), FixedReward("b", [0.125])])
        #expect(close(try equal.score(samples(count: 1)).terminal, [0.25]))   // √(0.5 · 0.125)
    }

    @Test("missing scores: nil by default, renormalised weights when skipped, zero when counted as 0")
    func missingScores() throws {
        let parts: [(reward: any RewardFunction, weight: Double)] = [(FixedReward("a", [nil, 0.64, nil]), 1),
                                                                     (FixedReward("b", [0.25, nil, nil]), 3)]
        #expect(try ProductReward(parts).score(samples(count: 3)).terminal == [nil, nil, nil])
        // Only b: exponent 3/3 = 1. Only a: exponent 1/1 = 1.
        #expect(close(try ProductReward(parts, missingScores: .skipMissing).score(samples(count: 3)).terminal, [0.25, 0.64, nil]))
        #expect(try ProductReward(parts, missingScores: .missingIsZero).score(samples(count: 3)).terminal == [0, 0, 0])
    }

    @Test("the plain product multiplies sᵢ^wᵢ, any sign allowed")
    func plainProduct() throws {
        let plain = try ProductReward([FixedReward("a", [2, -1]), FixedReward("b", [3, 4])], mode: .plainProduct)
        #expect(try plain.score(samples(count: 2)).terminal == [6, -4])
        let weighted = try ProductReward([(FixedReward("a", [2]), 2), (FixedReward("b", [3]), 1)], mode: .plainProduct)
        #expect(try weighted.score(samples(count: 1)).terminal == [12])
        let skipping = try ProductReward([FixedReward("a", [nil]), FixedReward("b", [3])], mode: .plainProduct, missingScores: .skipMissing)
        #expect(try skipping.score(samples(count: 1)).terminal == [3])
    }

    @Test("a geometric mean rejects scores outside [0, 1], naming component and sample")
    func outOfRange() throws {
        let product = try ProductReward([FixedReward("a", [0.5, 1.5]), FixedReward("b", [1, 1])])
        let error = rewardError { _ = try product.score(samples(count: 2)) }
        #expect(isInvalidConfiguration(error, mentioning: "component 'a' gave 1.5 for sample 1"))
    }

    @Test("non-positive weights for a geometric mean and dense components are rejected")
    func rejectedConfigurations() throws {
        #expect(isInvalidConfiguration(rewardError {
            _ = try ProductReward([(FixedReward("a", [1]), 0), (FixedReward("b", [1]), 1)])
        }, mentioning: "positive weights"))
        let dense = try ProductReward([FixedReward("a", [1], perStep: [[1]]), FixedReward("b", [1])])
        #expect(isInvalidConfiguration(rewardError { _ = try dense.score(samples(["x"])) }, mentioning: "per-step"))
    }

    @Test("component statistics are reported")
    func statistics() throws {
        let product = try ProductReward([FixedReward("a", [0.5, nil]), FixedReward("b", [1, 0])], missingScores: .skipMissing)
        _ = try product.score(samples(count: 2))
        #expect(product.lastComponentMetrics == ["rewards/a/mean": 0.5, "rewards/a/std": 0, "rewards/a/missing_count": 1,
                                                 "rewards/b/mean": 0.5, "rewards/b/std": 0.5, "rewards/b/missing_count": 0])
    }
}

// MARK: - Transforms

@Suite("Score transforms")
struct TransformTests {
    private func transformed(_ scores: [Double?], _ transform: ScoreTransform) throws -> [Double?] {
        try TransformedReward(FixedReward("base", scores), transform).score(samples(count: scores.count)).terminal
    }

    @Test("clip and affine act on each score; nil stays nil")
    func clipAndAffine() throws {
        #expect(try transformed([-2, 0.5, 3, nil], .clip(lower: 0, upper: 1)) == [0, 0.5, 1, nil])
        #expect(try transformed([0, 1, nil], .affine(scale: 2, shift: -1)) == [-1, 1, nil])
        #expect(isInvalidConfiguration(rewardError {
            _ = try TransformedReward(FixedReward("base", [1]), .clip(lower: 1, upper: 0))
        }, mentioning: "lower ≤ upper"))
        #expect(isInvalidConfiguration(rewardError {
            _ = try TransformedReward(FixedReward("base", [1]), .affine(scale: .infinity, shift: 0))
        }, mentioning: "non-finite"))
    }

    @Test("REINVENT sigmoid: 0.5 at the midpoint, base-10 logistic in 10k(x − mid)/(high − low), increasing")
    func sigmoid() throws {
        let sigmoid = ScoreTransform.sigmoid(low: 0, high: 10, k: 0.5)
        // Slope 10 · 0.5 / 10 = 0.5 per unit; at x = 10 the exponent is 0.5 · 5 = 2.5.
        #expect(sigmoid.apply(5) == 0.5)
        #expect(close(sigmoid.apply(10), 1 / (1 + pow(10, -2.5))))
        #expect(close(sigmoid.apply(0), 1 / (1 + pow(10, 2.5))))
        #expect(close(sigmoid.apply(6), 1 / (1 + pow(10, -0.5))))
        let grid = stride(from: -20.0, through: 30, by: 0.5).map { sigmoid.apply($0) }
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 < $1 || ($0 == 1 && $1 == 1) })
        for offset in [0.3, 1.7, 4.2] { #expect(close(sigmoid.apply(5 + offset) + sigmoid.apply(5 - offset), 1)) }
        #expect(sigmoid.apply(1e9) == 1 && sigmoid.apply(-1e9) == 0)
    }

    @Test("REINVENT reverse_sigmoid is 1 − sigmoid: 0.5 at the midpoint, decreasing")
    func reverseSigmoid() throws {
        let reverse = ScoreTransform.reverseSigmoid(low: 100, high: 300, k: 0.25)
        let forward = ScoreTransform.sigmoid(low: 100, high: 300, k: 0.25)
        #expect(reverse.apply(200) == 0.5)
        // Slope 10 · 0.25 / 200 = 1/80 per unit; at x = 280 the exponent is 1.
        #expect(close(reverse.apply(280), 1 - 1 / (1 + pow(10, -1.0))))
        for x in stride(from: 0.0, through: 400, by: 25) { #expect(close(reverse.apply(x), 1 - forward.apply(x))) }
        let grid = stride(from: 0.0, through: 400, by: 10).map { reverse.apply($0) }
        #expect(zip(grid, grid.dropFirst()).allSatisfy { $0 > $1 })
    }

    @Test("with high == low both sigmoids are REINVENT's hard step (0 at the midpoint itself)")
    func hardSigmoid() throws {
        #expect(try transformed([2, 3, 4], .sigmoid(low: 3, high: 3, k: 1)) == [0, 0, 1])
        #expect(try transformed([2, 3, 4], .reverseSigmoid(low: 3, high: 3, k: 1)) == [1, 1, 0])
        #expect(try transformed([2, 3, 4], .sigmoid(low: 3, high: 3, k: -1)) == [1, 0, 0])
    }

    @Test("REINVENT double_sigmoid: 0.5 at low and high, ≈1 between, falling outside")
    func doubleSigmoid() throws {
        let plateau = ScoreTransform.doubleSigmoid(low: 2, high: 8)   // coef_div 100, coef_si = coef_se = 150
        #expect(plateau.apply(2) == 0.5)
        #expect(plateau.apply(8) == 0.5)
        // Centre 5 takes the right branch: 1 − σ₁₀(1.5 · (5 − 8)) = 1 − 1/(1 + 10^4.5).
        #expect(close(plateau.apply(5), 1 - 1 / (1 + pow(10, 4.5))))
        #expect(close(plateau.apply(0), 1 / (1 + pow(10, 3.0))))
        #expect(close(plateau.apply(10), 1 - 1 / (1 + pow(10, -3.0))))
        let rising = stride(from: -2.0, to: 5, by: 0.25).map { plateau.apply($0) }
        #expect(zip(rising, rising.dropFirst()).allSatisfy { $0 < $1 })
        let falling = stride(from: 5.0, through: 12, by: 0.25).map { plateau.apply($0) }
        #expect(zip(falling, falling.dropFirst()).allSatisfy { $0 > $1 })
        // Separate steepness per side: coef_si / coef_div = 1, coef_se / coef_div = 3.
        let asymmetric = ScoreTransform.doubleSigmoid(low: 0, high: 10, coefDiv: 50, coefSi: 50, coefSe: 150)
        #expect(close(asymmetric.apply(1), 1 / (1 + pow(10, -1.0))))
        #expect(close(asymmetric.apply(9), 1 - 1 / (1 + pow(10, 3.0))))
    }

    @Test("double_sigmoid with coef_div = 0 is a step on each side")
    func hardDoubleSigmoid() throws {
        #expect(try transformed([1, 2, 3, 8, 9], .doubleSigmoid(low: 2, high: 8, coefDiv: 0)) == [0, 0, 1, 1, 0])
    }

    @Test("transforms encode with REINVENT's names and decode back")
    func codable() throws {
        let transforms: [ScoreTransform] = [.doubleSigmoid(low: 1, high: 2, coefDiv: 3, coefSi: 4, coefSe: 5),
                                            .reverseSigmoid(low: 0, high: 1, k: 0.5), .clip(lower: 0, upper: 1),
                                            .runningNormalization(epsilon: 1e-6)]
        let data = try JSONEncoder().encode(transforms)
        let json = try #require(String(data: data, encoding: .utf8))
        for name in ["double_sigmoid", "coef_div", "coef_si", "coef_se", "reverse_sigmoid", "running_normalization"] {
            #expect(json.contains("\"\(name)\""))
        }
        #expect(try JSONDecoder().decode([ScoreTransform].self, from: data) == transforms)
    }

    @Test("dense scores pass through unchanged and component reports are forwarded")
    func passThrough() throws {
        let dense = FixedReward("a", [2], perStep: [[1, 2]])
        let scores = try TransformedReward(dense, .affine(scale: 10, shift: 1)).score(samples(["xy"]))
        #expect(scores.terminal == [21] && scores.perStep == [[1, 2]])
        let sum = try WeightedSumReward([FixedReward("a", [1]), FixedReward("b", [3])])
        let wrapped = try TransformedReward(sum, .clip(lower: 0, upper: 1))
        #expect(wrapped.name == "weighted_sum")
        _ = try wrapped.score(samples(count: 1))
        #expect(wrapped.lastComponentMetrics["rewards/b/mean"] == 3)
    }
}

@Suite("Running normalisation")
struct RunningNormalizationTests {
    @Test("each batch updates the moments first, then is normalised with them; nil is skipped")
    func normalisesWithRunningMoments() throws {
        let base = QueuedReward([[1, 2, 3], [4, nil]])
        let normalized = try TransformedReward(base, .runningNormalization())
        let first = try normalized.score(samples(count: 3)).terminal
        let deviation = (2.0 / 3).squareRoot() + 1e-8   // population std of 1, 2, 3
        #expect(close(first, [-1 / deviation, 0, 1 / deviation]))
        let second = try normalized.score(samples(count: 2)).terminal
        // Over 1, 2, 3, 4: mean 2.5, population variance 1.25.
        #expect(close(second, [1.5 / ((1.25).squareRoot() + 1e-8), nil]))
        #expect(normalized.normalizerState.count == 4)
    }

    @Test("a single score normalises to 0 (zero deviation, epsilon keeps it finite)")
    func singleScore() throws {
        let normalized = try TransformedReward(FixedReward("a", [7]), .runningNormalization())
        #expect(try normalized.score(samples(count: 1)).terminal == [0])
    }

    @Test("Welford keeps its digits where E[x²] − E[x]² would not")
    func numericalStability() {
        var moments = RunningMoments()
        moments.update(with: [4, 7, 13, 16].map { 1e9 + $0 })
        #expect(moments.mean == 1e9 + 10)
        #expect(close(moments.variance, 22.5, tolerance: 1e-9))
    }

    @Test("the saved state restores the normaliser exactly; frozen statistics do not move")
    func stateRoundTrip() throws {
        let batches: [[Double?]] = [[0.3, 1.9, -0.4], [2.5, 0.1], [1.0, 3.0, -2.0]]
        let original = try TransformedReward(QueuedReward(batches), .runningNormalization(epsilon: 1e-6))
        _ = try original.score(samples(count: 3))
        _ = try original.score(samples(count: 2))
        let saved = try JSONEncoder().encode(original.normalizerState)

        let resumed = try TransformedReward(QueuedReward([batches[2]]), .runningNormalization(epsilon: 1e-6))
        resumed.normalizerState = try JSONDecoder().decode(RunningMoments.self, from: saved)
        #expect(resumed.normalizerState == original.normalizerState)
        #expect(try resumed.score(samples(count: 3)) == original.score(samples(count: 3)))

        let frozen = try TransformedReward(FixedReward("a", [5, 6]), .runningNormalization())
        frozen.normalizerState = RunningMoments(count: 2, mean: 1, sumOfSquaredDeviations: 8)   // std 2
        frozen.updatesStatistics = false
        #expect(close(try frozen.score(samples(count: 2)).terminal, [4 / (2 + 1e-8), 5 / (2 + 1e-8)]))
        #expect(frozen.normalizerState == RunningMoments(count: 2, mean: 1, sumOfSquaredDeviations: 8))
    }

    @Test("epsilon must be positive")
    func epsilonMustBePositive() {
        #expect(isInvalidConfiguration(rewardError {
            _ = try TransformedReward(FixedReward("a", [1]), .runningNormalization(epsilon: 0))
        }, mentioning: "epsilon > 0"))
    }
}

// MARK: - Repetition penalties

@Suite("Repetition penalties")
struct RepetitionPenaltyTests {
    @Test("ORGAN: a score is divided by its completion's count in the batch; nil stays nil")
    func batchPenalty() throws {
        let base = FixedReward("base", [3, 2, 6, nil, 1], perStep: [[3], [2], [6], [9], [1]])
        let penalty = BatchRepetitionPenalty(base)
        let scores = try penalty.score(samples(["a", "b", "a", "a", "c"]))
        #expect(scores.terminal == [1, 2, 2, nil, 1])
        #expect(scores.perStep == [[1], [2], [2], [3], [1]])
        #expect(penalty.lastRepeatedCount == 3)
        #expect(penalty.name == "base_batch_unique")
    }

    @Test("completions can be compared by token ids instead of text")
    func batchPenaltyByTokens() throws {
        let batch = [Sample(index: 0, completion: "cat", completionTokens: [5, 6]),
                     Sample(index: 1, completion: "cat ", completionTokens: [5, 6]),
                     Sample(index: 2, completion: "cat", completionTokens: [5, 7])]
        #expect(try BatchRepetitionPenalty(FixedReward("r", [1, 1, 1]), identity: .tokens).score(batch).terminal == [0.5, 0.5, 1])
        #expect(try BatchRepetitionPenalty(FixedReward("r", [1, 1, 1])).score(batch).terminal == [0.5, 1, 0.5])
    }

    @Test("run memory: the first occurrence keeps its score, repeats across batches earn nothing")
    func runPenaltyZero() throws {
        let penalty = try RunRepetitionPenalty(QueuedReward([[1, 1, 1], [1, 1]]))
        #expect(try penalty.score(samples(["x", "y", "x"])).terminal == [1, 1, 0])
        #expect(penalty.lastPenalizedCount == 1)
        #expect(try penalty.score(samples(["y", "z"])).terminal == [0, 1])
        #expect(penalty.memory.occurrences == ["x": 2, "y": 2, "z": 1])
    }

    @Test("allowedRepeats repeats keep their score; later ones are multiplied")
    func runPenaltyMultiplier() throws {
        let penalty = try RunRepetitionPenalty(FixedReward("r", [1, 1, 1, 2], perStep: [[1], [1], [1], [4]]),
                                               allowedRepeats: 1, penaltyMultiplier: 0.5)
        let scores = try penalty.score(samples(["x", "x", "x", "x"]))
        #expect(scores.terminal == [1, 1, 0.5, 1])
        #expect(scores.perStep == [[1], [1], [0.5], [2]])
    }

    @Test("only scores at or above minimumScore are remembered; nil scores are neither penalised nor remembered")
    func runPenaltyMinimumScore() throws {
        let penalty = try RunRepetitionPenalty(FixedReward("r", [0.2, 0.2, 0.9, 0.9]), minimumScore: 0.5)
        #expect(try penalty.score(samples(["x", "x", "x", "x"])).terminal == [0.2, 0.2, 0.9, 0])
        let skipping = try RunRepetitionPenalty(FixedReward("r", [nil, 1]))
        #expect(try skipping.score(samples(["x", "x"])).terminal == [nil, 1])
    }

    @Test("the memory survives a checkpoint round trip")
    func memoryRoundTrip() throws {
        let batches: [[Double?]] = [[1, 1, 1], [1, 1, 1]]
        let original = try RunRepetitionPenalty(QueuedReward(batches), allowedRepeats: 1)
        _ = try original.score(samples(["x", "y", "x"]))
        let saved = try JSONEncoder().encode(original.memory)
        let resumed = try RunRepetitionPenalty(QueuedReward([batches[1]]), allowedRepeats: 1)
        resumed.memory = try JSONDecoder().decode(CompletionMemory.self, from: saved)
        let next = samples(["x", "y", "y"])
        #expect(try resumed.score(next).terminal == [0, 1, 0])
        #expect(try original.score(next).terminal == [0, 1, 0])
        #expect(resumed.memory == original.memory)
    }

    @Test("negative allowedRepeats is rejected")
    func invalidRepeats() {
        #expect(isInvalidConfiguration(rewardError { _ = try RunRepetitionPenalty(FixedReward("r", [1]), allowedRepeats: -1) },
                                       mentioning: "allowedRepeats"))
    }
}
