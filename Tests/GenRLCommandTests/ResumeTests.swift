import Foundation
import Testing

/// A training run killed with SIGKILL and resumed continues exactly as if it had not
/// stopped: its metrics equal an uninterrupted run's, bit for bit (wall time aside).
@Suite("Kill and resume")
struct ResumeTests {
    static func configuration(name: String) -> String {
        """
        name = "\(name)"
        algorithm = "ppo"
        seed = 3
        iterations = 40
        runs_directory = "runs"

        [policy]
        model = "model"

        [decoding]
        maximum_new_tokens = 12

        [optimizer]
        type = "adam"
        learning_rate = 0.003

        [[reward]]
        type = "regex"
        patterns = ["ab", "cd", "e"]

        [ppo]
        batch_size = 8
        minibatch_size = 4
        epochs = 2

        [checkpoints]
        interval = 3
        keep = 2
        """
    }

    /// Every metrics line without its `time`.
    static func metrics(_ directory: URL, run: String) throws -> [[String: Double]] {
        let text = try String(contentsOf: directory.appendingPathComponent("runs/\(run)/metrics.jsonl"), encoding: .utf8)
        return try text.split(separator: "\n").map { line in
            var object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            object["time"] = nil
            return object.mapValues { ($0 as! NSNumber).doubleValue }
        }
    }

    /// Starts `genrl train config`, waits until `shouldKill` says so (polling every
    /// millisecond), and kills it with SIGKILL. Returns whether it was killed (false:
    /// it finished first).
    static func trainAndKill(_ arguments: [String], in directory: URL, run: String,
                             when shouldKill: (_ metricLines: Int, _ writingCheckpoint: Bool) -> Bool) throws -> Bool {
        let process = try makeGenRLProcess(arguments, in: directory)
        try process.run()
        let metricsPath = directory.appendingPathComponent("runs/\(run)/metrics.jsonl").path
        let checkpoints = directory.appendingPathComponent("runs/\(run)/checkpoints").path
        while process.isRunning {
            let lines = (try? String(contentsOfFile: metricsPath, encoding: .utf8))?.split(separator: "\n").count ?? 0
            let writing = ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).contains { $0.hasPrefix(".writing") }
            if shouldKill(lines, writing) {
                kill(process.processIdentifier, SIGKILL)
                process.waitUntilExit()
                return process.terminationReason == .uncaughtSignal
            }
            usleep(1000)
        }
        return false
    }

    @Test(.timeLimit(.minutes(5)))
    func killedRunsResumeToIdenticalMetrics() throws {
        let directory = try workspaceWithModel()
        defer { try? FileManager.default.removeItem(at: directory) }
        for name in ["straight", "killed"] {
            try Self.configuration(name: name).write(to: directory.appendingPathComponent("\(name).toml"), atomically: true, encoding: .utf8)
        }
        let straight = try runGenRL(["train", "straight.toml"], in: directory)
        #expect(straight.status == 0, "uninterrupted run failed: \(straight.standardError)")
        let expected = try Self.metrics(directory, run: "straight")
        #expect(expected.count == 40)

        // First kill: while a checkpoint is being written if we catch one, else after 10 steps.
        let firstKill = try Self.trainAndKill(["train", "killed.toml"], in: directory, run: "killed") { lines, writing in
            (writing && lines >= 5) || lines >= 10
        }
        #expect(firstKill, "the run finished before it could be killed")
        // Second kill, part-way through the resumed run.
        let secondKill = try Self.trainAndKill(["train", "killed.toml", "--resume"], in: directory, run: "killed") { lines, _ in
            lines >= 25
        }
        #expect(secondKill)
        let finish = try runGenRL(["train", "killed.toml", "--resume"], in: directory)
        #expect(finish.status == 0, "resumed run failed: \(finish.standardError)")

        let resumed = try Self.metrics(directory, run: "killed")
        #expect(resumed.count == expected.count)
        for (step, (a, b)) in zip(expected, resumed).enumerated() where a != b {
            let differing = a.keys.filter { a[$0] != b[$0] }.sorted()
            Issue.record("step \(step + 1) differs in \(differing): \(differing.map { "\(a[$0]!) vs \(b[$0] ?? .nan)" })")
            break
        }
    }
}
