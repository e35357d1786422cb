import Foundation
import GenRLFeedback
import Testing

@Suite("genrl preferences active --combine")
struct CombineSummariesTests {
    /// A summary of `gold` (per repeat: random's curve, then most_confident's).
    static func summary(_ gold: [([Double], [Double])]) -> ActiveQueryingSummary {
        let curves = [(QuerySelection.random, gold.map(\.0)), (.mostConfident, gold.map(\.1))].map { strategy, curves in
            ActiveQueryingCurve(strategy: strategy, labels: [100, 200, 300], goldAccuracyByRepeat: curves,
                                labelAccuracy: [0.5, 0.5, 0.5], informativeShareOfNewLabels: [0.3, 0.4, 0.4])
        }
        return ActiveQueryingSummary(curves: curves, labelCeiling: 0.7, poolInformativeShare: 0.35, seconds: 1)
    }

    @Test func runsInFoldersAreCombinedIntoOneSummaryAndChart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-combine-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        try ActiveQueryingExperiment.write(Self.summary([([0.5, 0.55, 0.6], [0.5, 0.57, 0.61]), ([0.4, 0.5, 0.52], [0.4, 0.54, 0.56])]),
                                           to: directory.appendingPathComponent("a"))
        try ActiveQueryingExperiment.write(Self.summary([([0.45, 0.47, 0.58], [0.45, 0.46, 0.62])]),
                                           to: directory.appendingPathComponent("b"))
        let result = try runGenRL(["preferences", "active", "--combine", "a", "b/summary.json", "--output", "all"], in: directory)
        #expect(result.status == 0, "\(result.standardError)")
        let combined = try JSONDecoder().decode(ActiveQueryingSummary.self,
                                                from: Data(contentsOf: directory.appendingPathComponent("all/summary.json")))
        #expect(combined.curves.map(\.goldAccuracyByRepeat.count) == [3, 3])
        let gain = try #require(combined.pairedGains.first)
        #expect(gain.gainByRepeat.count == 3)
        #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("all/curve.svg").path))
        #expect(result.standardOutput.contains("3 repeats from 2 runs"))
        #expect(result.standardOutput.contains(String(format: "most_confident minus random, paired within repeats: %+.4f", gain.meanGain)))

        let missing = try runGenRL(["preferences", "active", "--combine", "a", "c", "--output", "all"], in: directory)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("c/summary.json: cannot be read"), "\(missing.standardError)")
        let withoutOutput = try runGenRL(["preferences", "active", "--combine", "a", "b"], in: directory)
        #expect(withoutOutput.status != 0 && withoutOutput.standardError.contains("--combine takes --output"))
    }
}
