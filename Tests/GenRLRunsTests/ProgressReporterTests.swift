import Foundation
import GenRLRuns
import Testing

/// An output that records what the reporter writes.
private final class RecordingOutput: ProgressOutput {
    let isTerminal: Bool
    let columns: Int?
    var text = ""

    init(isTerminal: Bool, columns: Int? = 100) {
        self.isTerminal = isTerminal
        self.columns = columns
    }

    func write(_ text: String) { self.text += text }
}

@Suite("Progress reporting")
struct ProgressReporterTests {
    @Test("on a terminal: one line redrawn in place with step, bar, rate, time left, reward and KL")
    func terminalLine() {
        let output = RecordingOutput(isTerminal: true, columns: 140)
        let clock = ManualClock()
        let reporter = ProgressReporter(totalSteps: 1000, output: output, clock: clock.function)
        clock.advance(by: 10)
        reporter.update(step: 250, metrics: ["reward/mean": 0.61234, "kl/mean": 0.034129, "losses/policy": 1])
        #expect(output.text.hasPrefix("\r") && output.text.hasSuffix("\u{1B}[K"))
        #expect(!output.text.contains("\n"))
        let line = output.text.dropFirst().dropLast(3)
        #expect(line.hasPrefix("step 250/1000 ██████████ "))  // a quarter of a 40-cell bar
        #expect(line.contains(" 25%  25.0 steps/s  0:30 left  reward 0.6123  kl 0.03413"))
        #expect(!line.contains("losses"))
        #expect(line.count <= 139)
    }

    @Test("on a terminal, redraws are throttled, and the last step is always drawn")
    func terminalThrottling() {
        let output = RecordingOutput(isTerminal: true)
        let clock = ManualClock()
        let reporter = ProgressReporter(totalSteps: 100, output: output, clock: clock.function)
        for step in 1...100 {
            clock.advance(by: 0.01)
            reporter.update(step: step, metrics: [:])
        }
        reporter.finish()
        let draws = output.text.components(separatedBy: "\r").count - 1
        #expect(draws >= 10 && draws <= 12)  // every 0.1 s over 1 s, plus the first and the last
        #expect(output.text.contains("step 100/100"))
        #expect(output.text.hasSuffix("\n"))
    }

    @Test("a narrow terminal gets a shorter bar, then no bar, never a wrapped line")
    func narrowTerminal() {
        for columns in [40, 60, 70] {
            let output = RecordingOutput(isTerminal: true, columns: columns)
            let clock = ManualClock()
            let reporter = ProgressReporter(totalSteps: 1000, output: output, clock: clock.function)
            clock.advance(by: 5)
            reporter.update(step: 500, metrics: ["reward/mean": 0.5, "kl/mean": 1.5])
            let line = output.text.dropFirst().dropLast(3)
            #expect(line.count <= columns - 1, "\(columns): \(line)")
            #expect(line.hasPrefix("step 500/1000"))
        }
    }

    @Test("off a terminal: plain lines every interval, plus the first and the last step")
    func plainLines() {
        let output = RecordingOutput(isTerminal: false)
        let clock = ManualClock()
        let reporter = ProgressReporter(totalSteps: 60, output: output, clock: clock.function)
        reporter.plainInterval = 10
        for step in 1...60 {
            clock.advance(by: 0.5)
            reporter.update(step: step, metrics: ["reward/mean": Double(step) / 60, "kl/mean": 2])
        }
        reporter.finish()
        let lines = output.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.last == "")  // every line ends with a newline
        let steps = lines.dropLast().map { $0.split(separator: " ")[1].split(separator: "/")[0] }
        #expect(steps == ["1", "21", "41", "60"])  // step 1, then every 10 s (20 steps), then the last
        #expect(!output.text.contains("\r") && !output.text.contains("\u{1B}"))
        #expect(lines[1] == "step 21/60 (35%)  2.0 steps/s  elapsed 0:11  left 0:20  reward 0.35  kl 2")
    }

    @Test("plain lines every N steps when asked; slow steps show seconds per step; a resume counts its own rate")
    func plainEveryStepsAndSlowRates() {
        let output = RecordingOutput(isTerminal: false)
        let clock = ManualClock()
        let reporter = ProgressReporter(totalSteps: 20, startStep: 10, output: output, clock: clock.function)
        reporter.plainEverySteps = 5
        reporter.plainInterval = 1e9
        for step in 11...20 {
            clock.advance(by: 4)
            reporter.update(step: step)
        }
        let lines = output.text.split(separator: "\n")
        #expect(lines.map { $0.split(separator: " ")[1] } == ["11/20", "15/20", "20/20"])
        #expect(lines[1] == "step 15/20 (75%)  4.0 s/step  elapsed 0:20  left 0:20")
        #expect(lines[2].hasSuffix("left 0:00"))
    }

    @Test("a message goes on its own line above the bar")
    func messageKeepsBar() {
        let output = RecordingOutput(isTerminal: true)
        let clock = ManualClock()
        let reporter = ProgressReporter(totalSteps: 10, output: output, clock: clock.function)
        clock.advance(by: 1)
        reporter.update(step: 1)
        reporter.message("saved checkpoint 1")
        #expect(output.text.contains("\r\u{1B}[Ksaved checkpoint 1\nstep 1/10"))
    }
}
