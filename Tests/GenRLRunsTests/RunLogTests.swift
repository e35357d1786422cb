import Foundation
import GenRLRuns
import Testing

@Suite("JSON lines logs")
struct RunLogTests {
    @Test("numbers written to a log read back to the same Double bits")
    func numbersRoundTripBitExactly() throws {
        var generator = SystemRandomNumberGenerator()
        var values: [Double] = [0, -0.0, 0.1, 1.0 / 3, -2.5e-308, .leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude,
                                -.greatestFiniteMagnitude, 1e21, 123456789012345680, .pi, .infinity, -.infinity, .nan]
        for _ in 0..<2000 { values.append(Double(bitPattern: generator.next() & ~(0x7FF << 52) | (UInt64.random(in: 0...2046) << 52))) }
        let directory = try ScratchDirectory()
        let log = try MetricsLog(path: directory.file("metrics.jsonl"))
        for (index, value) in values.enumerated() {
            try log.append(step: index + 1, metrics: ["x/value": value], time: value.isFinite ? value : 0)
        }
        let records = try MetricsLog.read(path: directory.file("metrics.jsonl"))
        #expect(records.count == values.count)
        for (record, value) in zip(records, values) {
            let read = try #require(record.values["x/value"])
            if value.isNaN {
                #expect(read.isNaN)
            } else {
                #expect(read.bitPattern == value.bitPattern, "\(value) read back as \(read)")
                if value.isFinite { #expect(record.time.bitPattern == value.bitPattern) }
            }
        }
    }

    @Test("a metrics line is step, time, then the metrics in key order")
    func metricsLineLayout() throws {
        let directory = try ScratchDirectory()
        let log = try MetricsLog(path: directory.file("metrics.jsonl"))
        try log.append(step: 3, metrics: ["reward/mean": 0.5, "kl/mean": 0.25, "losses/policy": -1e-05], time: 1.5)
        #expect(try directory.text("metrics.jsonl")
            == "{\"step\":3,\"time\":1.5,\"kl/mean\":0.25,\"losses/policy\":-1e-05,\"reward/mean\":0.5}\n")
    }

    @Test("sample text with quotes, newlines, control characters and emoji survives the log")
    func sampleTextRoundTrips() throws {
        let directory = try ScratchDirectory()
        let log = try SamplesLog(path: directory.file("samples.jsonl"))
        let tricky = "line \"one\"\n\tline two \\ back\u{0}slash \u{1B}[31m red \u{7F} é 🎬 \u{2028}end"
        let records = [
            SampleRecord(step: 1, prompt: "<b>p</b>", completion: tricky, reward: 0.75,
                         fields: ["references": .array([.string("a"), .string("b")]), "kl": .number(1.25), "tokens": .integer(12)]),
            SampleRecord(step: 1, prompt: "", completion: "no score", reward: nil),
        ]
        try log.append(contentsOf: records)
        #expect(try SamplesLog.read(path: directory.file("samples.jsonl")) == records)
        let lines = try directory.text("samples.jsonl").split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines[1] == "{\"step\":1,\"prompt\":\"\",\"completion\":\"no score\",\"reward\":null}")
    }

    @Test("truncate(afterStep:) keeps exactly the lines up to the step, and appends continue after them")
    func truncationKeepsLinesUpToStep() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("metrics.jsonl")
        let clock = ManualClock()
        let log = try MetricsLog(path: path, clock: clock.function)
        for step in 1...10 {
            clock.advance(by: 2)
            try log.append(step: step, metrics: ["reward/mean": Double(step)])
        }
        let kept = try log.truncate(afterStep: 6)
        #expect(kept.map(\.step) == Array(1...6))
        #expect(try MetricsLog.read(path: path).map(\.step) == Array(1...6))
        // The resumed run's clock continues from step 6's time (12 s).
        clock.advance(by: 1000)  // time spent stopped does not count…
        let resumed = try MetricsLog(path: path, clock: clock.function)
        try resumed.truncate(afterStep: 6)
        clock.advance(by: 3)
        try resumed.append(step: 7, metrics: ["reward/mean": 7])
        let records = try MetricsLog.read(path: path)
        #expect(records.map(\.step) == Array(1...7))
        #expect(records[5].time == 12 && records[6].time == 15)
    }

    @Test("a torn last line (a crash mid-write) is dropped by truncation and by opening for append")
    func tornLastLineIsDropped() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("samples.jsonl")
        let log = try SamplesLog(path: path)
        for step in 1...4 { try log.append(SampleRecord(step: step, prompt: "p", completion: "c\(step)", reward: 1)) }
        try directory.append("{\"step\":5,\"prompt\":\"p\",\"compl", to: "samples.jsonl")
        // Readers ignore the torn line.
        #expect(try SamplesLog.read(path: path).map(\.step) == [1, 2, 3, 4])
        // Truncating after a step beyond the torn line still removes it.
        let kept = try log.truncate(afterStep: 100)
        #expect(kept.map(\.step) == [1, 2, 3, 4])
        #expect(try directory.text("samples.jsonl").hasSuffix("\"c4\",\"reward\":1.0}\n"))

        // A torn line that happens to parse, without its newline, is torn too.
        try directory.append("{\"step\":5,\"prompt\":\"p\",\"completion\":\"c5\",\"reward\":1.0}", to: "samples.jsonl")
        let reopened = try SamplesLog(path: path)
        try reopened.append(SampleRecord(step: 5, prompt: "p", completion: "again", reward: 0.5))
        let records = try SamplesLog.read(path: path)
        #expect(records.map(\.completion) == ["c1", "c2", "c3", "c4", "again"])
    }

    @Test("truncating a log that is only a torn line leaves it empty")
    func onlyTornLine() throws {
        let directory = try ScratchDirectory()
        try directory.write("{\"step\":1,\"ti", to: "metrics.jsonl")
        let log = try MetricsLog(path: directory.file("metrics.jsonl"))
        #expect(try log.truncate(afterStep: 0).isEmpty)
        #expect(try directory.text("metrics.jsonl").isEmpty)
    }

    @Test("a malformed complete line is an error naming the file and line")
    func malformedLineIsNamed() throws {
        let directory = try ScratchDirectory()
        try directory.write("{\"step\":1,\"time\":0.5}\n{\"step\":2,\"time\":oops}\n{\"step\":3}\n", to: "metrics.jsonl")
        let path = directory.file("metrics.jsonl")
        #expect(throws: RunError.self) { try MetricsLog.read(path: path) }
        do {
            _ = try MetricsLog.read(path: path)
        } catch let error as RunError {
            guard case .malformedLine(let file, let line, _) = error else { Issue.record("wrong error \(error)"); return }
            #expect(file == path && line == 2)
            #expect(error.description.hasPrefix("\(path):2: "))
        }
        var skipped: [RunError] = []
        let records = try MetricsLog.read(path: path) { skipped.append($0) }
        #expect(records.map(\.step) == [1, 3] && skipped.count == 1)
        // A line without a step is malformed too.
        try directory.write("{\"time\":0.5}\n", to: "metrics.jsonl")
        #expect(throws: RunError.self) { try MetricsLog.read(path: path) }
    }

    @Test("the JSON parser rejects what is not JSON and reads escapes and surrogate pairs")
    func parserEdgeCases() throws {
        for bad in ["", "{", "{\"a\":}", "[1,]", "01x", "\"unterminated", "{\"a\":1} extra", "tru", "\"\u{01}\"", "1.", "-"] {
            #expect(throws: JSONParseError.self, "\(bad)") { try JSONValue.parse(bad) }
        }
        #expect(try JSONValue.parse("\"\\ud83c\\udfac \\u00e9\\/\"") == .string("🎬 é/"))
        #expect(try JSONValue.parse("\"\\ud800x\"") == .string("\u{FFFD}x"))
        #expect(try JSONValue.parse(" [1, -2.5e3, true, null, {\"k\": []}] ")
            == .array([.integer(1), .number(-2500), .bool(true), .null, .object([("k", .array([]))])]))
        #expect(try JSONValue.parse("-Infinity") == .number(-.infinity))
        #expect(try JSONValue.parse("99999999999999999999") == .number(1e20))
    }
}
