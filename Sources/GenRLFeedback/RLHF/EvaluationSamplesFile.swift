import Foundation

/// The evaluation samples of an RLHF or DPO run as `samples.jsonl`, in the layout of
/// GenRLRuns' samples log, so that the run report shows them (the first and the last
/// step side by side):
///
/// ```json
/// {"completion":"sweet love, and ...","gold":1.2,"learned":0.7,"prompt":"My lord, ","reward":1.2,"step":0}
/// ```
///
/// `reward` is the gold reward (the one the run is judged by); `gold` repeats it and
/// `learned` is the learned reward the policy optimised (absent for DPO and IPO).
public enum EvaluationSamplesFile {
    /// The file name, `samples.jsonl`.
    public static let fileName = "samples.jsonl"

    /// One line of the file.
    struct Line: Encodable {
        var step: Int
        var prompt: String
        var completion: String
        var reward: Double
        var gold: Double
        var learned: Double?
    }

    /// Writes `evaluations` (each the step after which its samples were drawn, and the
    /// samples) to `directory/samples.jsonl`, replacing the file.
    public static func write(_ evaluations: [(step: Int, samples: [EvaluatedSample])], in directory: URL) throws {
        let lines = evaluations.flatMap { evaluation in
            evaluation.samples.map { sample in
                Line(step: evaluation.step, prompt: sample.prompt, completion: sample.completion, reward: sample.gold,
                     gold: sample.gold, learned: sample.learned)
            }
        }
        try ExperimentFiles.writeJSONLines(lines, to: directory.appendingPathComponent(fileName))
    }
}
