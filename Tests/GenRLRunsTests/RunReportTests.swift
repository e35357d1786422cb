import Foundation
import GenRLRuns
import Testing

@Suite("HTML run report")
struct RunReportTests {
    /// A run with 60 steps of metrics in four families and samples at steps 1, 30 and 60.
    private func makeRun(in directory: ScratchDirectory, samples: Bool = true) throws -> RunDirectory {
        let run = try RunDirectory.create(at: directory.file("runs/demo"), configText: "# the <config>\nseed = 1\n[ppo]\nclip = 0.2\n")
        let session = try run.startSession(clock: { 0 })
        for step in 1...60 {
            let t = Double(step) / 60
            try session.metrics.append(step: step, metrics: [
                "reward/mean": 0.2 + 0.6 * t, "reward/min": 0.1 * t, "reward/max": 0.5 + 0.5 * t,
                "kl/mean": 3 * t, "losses/policy": -0.01 * t, "policy/entropy": 3 - t,
                "gradients/norm": step == 30 ? .nan : 1,
            ], time: Double(step) * 0.5)
        }
        if samples {
            for step in [1, 30, 60] {
                try session.logSamples((0..<12).map { index in
                    SampleRecord(step: step, prompt: "prompt \(index)",
                                 completion: index == 0 ? "<script>alert(\"x\")</script> & \u{1B}[0m" : "step \(step) sample \(index)",
                                 reward: index == 1 ? nil : Double(index) / 12)
                })
            }
        }
        return run
    }

    @Test("the report has a chart per metric, grouped by family in reading order, and summary cards")
    func chartsByFamily() throws {
        let directory = try ScratchDirectory()
        let html = try RunReport.html(for: makeRun(in: directory))
        #expect(html.components(separatedBy: "<svg class=\"chart-svg\"").count - 1 == 7)
        let sections = ["metrics-reward", "metrics-kl", "metrics-losses", "metrics-policy", "metrics-gradients"]
        let positions = try sections.map { try #require(html.range(of: "id=\"\($0)\"")).lowerBound }
        #expect(positions == positions.sorted())
        // reward/mean comes first in its family and carries the min…max band.
        let reward = try #require(html.range(of: "id=\"metrics-reward\"")).upperBound
        let firstKey = try #require(html.range(of: "class=\"name\">", range: reward..<html.endIndex)).upperBound
        #expect(html[firstKey...].hasPrefix("reward/mean<"))
        #expect(html.contains("class=\"band\""))
        #expect(html.contains("class=\"smooth\"") && html.contains("class=\"raw\""))
        #expect(html.contains("1 non-finite value not drawn"))
        #expect(html.contains("Reward (mean)") && html.contains("KL to reference"))
        // Axis ticks are round numbers.
        #expect(html.contains(">0.25</text>") && html.contains(">0.50</text>") && html.contains(">60</text>"))
    }

    @Test("sample tables show the first and the last step, with every text escaped")
    func sampleTablesEscapeText() throws {
        let directory = try ScratchDirectory()
        let html = try RunReport.html(for: makeRun(in: directory), options: .init(samplesPerTable: 5))
        #expect(html.contains("Start of training <span class=\"step\">step 1</span>"))
        #expect(html.contains("End of training <span class=\"step\">step 60</span>"))
        #expect(!html.contains("step 30 sample"))
        #expect(html.contains("5 of 12 samples"))
        #expect(!html.contains("<script"))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; <span class=\"control\">\\x1B</span>[0m"))
        #expect(html.contains("# the &lt;config&gt;"))
        #expect(html.contains(">none</span>"))  // the sample without a reward
    }

    @Test("the page is self-contained: nothing is fetched")
    func selfContained() throws {
        let directory = try ScratchDirectory()
        let html = try RunReport.html(for: makeRun(in: directory))
        for external in ["http://", "https://", "src=", "<link", "@import", "url(http", "<script"] {
            #expect(!html.contains(external), "found \(external)")
        }
        #expect(html.hasPrefix("<!DOCTYPE html>"))
    }

    @Test("a run without samples (or without anything) still gets a report")
    func runWithoutSamples() throws {
        let directory = try ScratchDirectory()
        let run = try makeRun(in: directory, samples: false)
        try FileManager.default.removeItem(atPath: run.samplesPath)
        let path = try RunReport.write(for: run)
        #expect(path == run.reportPath)
        let html = try String(contentsOfFile: path, encoding: .utf8)
        #expect(html.contains("No samples were logged"))
        #expect(html.components(separatedBy: "<svg class=\"chart-svg\"").count - 1 == 7)

        let empty = try RunDirectory.create(at: directory.file("runs/empty"), configText: "")
        let emptyHTML = try RunReport.html(for: empty)
        #expect(emptyHTML.contains("No metrics were logged") && emptyHTML.contains("No samples were logged"))
    }

    @Test("the report is the same for the same logs, and lists lines it had to skip")
    func deterministicAndListsSkippedLines() throws {
        let directory = try ScratchDirectory()
        let run = try makeRun(in: directory)
        #expect(try RunReport.html(for: run) == RunReport.html(for: run))
        try directory.append("not json\n", to: "runs/demo/metrics.jsonl")
        let html = try RunReport.html(for: run)
        #expect(html.contains("skipped: \(run.metricsPath):61: not JSON"))
    }

    @Test("a folder with only metrics.jsonl (an RLHF experiment's) gets a report with the gold reward beside the learned one")
    func goldRewardBesideLearnedReward() throws {
        let directory = try ScratchDirectory()
        let missing = directory.file("runs/rlhf")
        #expect(throws: RunError.runNotFound(path: missing)) { try RunDirectory.openForReading(at: missing) }
        #expect(RunError.runNotFound(path: missing).description.contains("metrics.jsonl"))
        // RLHF logs no `time`, and evaluation lines without the training metrics.
        var lines = "{\"eval/gold_mean\":0.8,\"eval/kl\":0,\"step\":0}\n"
        for step in 1...20 {
            lines += "{\"gold/mean\":\(1 - Double(step) / 100),\"kl/mean\":\(Double(step)),\"learned/mean\":\(Double(step) / 4),"
                + "\"reward/mean\":\(Double(step) / 4),\"step\":\(step)}\n"
        }
        try FileManager.default.createDirectory(atPath: missing, withIntermediateDirectories: true)
        try directory.write(lines, to: "runs/rlhf/metrics.jsonl")
        let run = try RunDirectory.openForReading(at: missing)
        #expect(!RunDirectory.exists(at: missing))
        let html = try RunReport.html(for: run)
        #expect(html.contains("Learned reward (mean)") && html.contains("Gold reward (mean)") && html.contains("KL to reference"))
        #expect(!html.contains("Training time"))
        let sections = ["metrics-reward", "metrics-gold", "metrics-learned", "metrics-eval", "metrics-kl"]
        let positions = try sections.map { try #require(html.range(of: "id=\"\($0)\"")).lowerBound }
        #expect(positions == positions.sorted())
        // Without a gold reward the card keeps its plain name.
        let plain = try RunReport.html(for: makeRun(in: directory))
        #expect(plain.contains("Reward (mean)</div>") && !plain.contains("Gold reward"))
    }
}
