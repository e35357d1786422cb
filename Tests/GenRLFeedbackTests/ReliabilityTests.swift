import Foundation
import GenRLFeedback
import GenRLTensor
import Testing

@Suite("Labeller reliability")
struct ReliabilityTests {
    /// Items with random true categories, each labelled by `perItem` random labellers who
    /// answer correctly with their accuracy (else uniformly among the wrong categories).
    func synthetic(accuracies: [Double], items: Int, perItem: Int, categories: Int = 2, seed: UInt64 = 3)
        -> (annotations: [DawidSkene.Annotation], truth: [Int]) {
        var generator = RandomGenerator(seed: seed)
        var annotations: [DawidSkene.Annotation] = []
        let truth = (0..<items).map { _ in generator.nextInt(below: categories) }
        for item in 0..<items {
            for labeller in generator.permutation(accuracies.count).prefix(perItem) {
                var answer = truth[item]
                if generator.nextDouble() >= accuracies[labeller] {
                    answer = (truth[item] + 1 + generator.nextInt(below: categories - 1)) % categories
                }
                annotations.append(.init(item: item, labeller: labeller, category: answer))
            }
        }
        return (annotations, truth)
    }

    @Test func dawidSkeneRecoversKnownAccuraciesIncludingAdversaries() {
        let accuracies = [0.95, 0.85, 0.8, 0.75, 0.7, 0.65, 0.25, 0.2]  // the last two adversarial
        let (annotations, truth) = synthetic(accuracies: accuracies, items: 1500, perItem: 5)
        let result = DawidSkene.fit(annotations, itemCount: 1500, labellerCount: 8, categoryCount: 2)
        for (estimated, true_) in zip(result.accuracies, accuracies) {
            #expect(abs(estimated - true_) < 0.04, "estimated \(estimated) for a labeller of accuracy \(true_)")
        }
        // The posterior beats the majority vote, because it counts adversaries' answers backwards.
        var majorityCorrect = 0
        for item in 0..<1500 {
            let votes = annotations.filter { $0.item == item }.map(\.category)
            let ones = votes.filter { $0 == 1 }.count
            if (ones * 2 > votes.count ? 1 : 0) == truth[item] { majorityCorrect += 1 }
        }
        let emCorrect = zip(result.mostLikelyCategories, truth).filter { $0 == $1 }.count
        #expect(emCorrect > majorityCorrect + 60, "EM \(emCorrect) vs majority \(majorityCorrect) of 1500")
        #expect(result.iterations < 100)
    }

    @Test func fullConfusionMatricesFindAOneSidedLabeller() {
        // Labeller 3 answers category 0 for everything: right on category-0 items, wrong on the rest.
        var (annotations, _) = synthetic(accuracies: [0.9, 0.85, 0.8], items: 800, perItem: 3, categories: 3, seed: 5)
        let truthByItem = DawidSkene.fit(annotations, itemCount: 800, labellerCount: 3, categoryCount: 3).mostLikelyCategories
        for item in 0..<800 { annotations.append(.init(item: item, labeller: 3, category: 0)) }
        var configuration = DawidSkene.Configuration()
        configuration.oneCoin = false
        let result = DawidSkene.fit(annotations, itemCount: 800, labellerCount: 4, categoryCount: 3, configuration: configuration)
        let theta = result.confusions[3]
        for k in 0..<3 { #expect(theta[k][0] > 0.97, "true category \(k): P(answer 0) = \(theta[k][0])") }
        #expect(abs(result.accuracies[3] - result.priors[0]) < 0.02)
        #expect(zip(result.mostLikelyCategories, truthByItem).filter { $0 == $1 }.count > 780)
    }

    @Test func weightingReversesAnAdversaryAndFoldsLabelsIntoPosteriors() {
        // Three honest labellers and one adversary label the same 200 pairs; the gold prefers completion "a…".
        var records: [PreferenceRecord] = []
        var generator = RandomGenerator(seed: 9)
        let date = Date(timeIntervalSince1970: 0)
        for item in 0..<200 {
            let completions = ["a\(item)", "b\(item)"]
            for (name, accuracy) in [("h1", 0.9), ("h2", 0.85), ("h3", 0.8), ("adversary", 0.1)] {
                let right = generator.nextDouble() < accuracy
                records.append(PreferenceRecord(prompt: "p", completions: item % 2 == 0 ? completions : completions.reversed(),
                                                label: .choice(right == (item % 2 == 0) ? 0 : 1), labeller: name, labelledAt: date))
            }
        }
        let weighted = ReliabilityWeighting.examples(from: records, mode: .logOddsWeights)
        #expect(weighted.labellerAccuracies["adversary"]! < 0.2 && weighted.labellerAccuracies["h1"]! > 0.8)
        #expect(weighted.comparisons == 200 && weighted.examples.count == 800)
        // Canonical order puts "a…" first; the adversary's reversed labels now mostly say 0.
        let adversaryLabels = zip(records, weighted.examples).filter { $0.0.labeller == "adversary" }.map(\.1.label)
        #expect(adversaryLabels.filter { $0 == .choice(0) }.count > 170)

        let posterior = ReliabilityWeighting.examples(from: records, mode: .posteriorTargets)
        #expect(posterior.examples.count == 200)
        let confident = posterior.examples.filter { ($0.targetProbability ?? 0) > 0.9 }.count
        #expect(confident > 185, "\(confident) of 200 comparisons have a posterior above 0.9 for the gold winner")
    }
}
