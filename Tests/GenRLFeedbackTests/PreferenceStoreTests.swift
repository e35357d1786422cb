import Foundation
import GenRLFeedback
import Testing

/// Records of every label kind, with text that needs escaping.
func sampleRecords() -> [PreferenceRecord] {
    let date = Date(timeIntervalSince1970: 1_740_000_000.25)
    return [
        PreferenceRecord(prompt: "Good morrow, ", completions: ["sweet lord.", "villain!"], label: .choice(0),
                         labeller: "simulated", labelledAt: date, metadata: ["round": "0"]),
        PreferenceRecord(prompt: "", completions: ["a \"quoted\" line\nwith a newline", "ünïcödé ✓"], label: .tie,
                         labeller: "terminal:alice", labelledAt: date.addingTimeInterval(1)),
        PreferenceRecord(prompt: "O ", completions: ["joy", "woe", "grief"], label: .ranking([[0], [1, 2]]),
                         labeller: "rules", labelledAt: date.addingTimeInterval(2.5), metadata: ["selection": "random"]),
        PreferenceRecord(prompt: "Hark", completions: ["x", "y", "z"], label: .choice(2), labeller: "simulated",
                         labelledAt: date.addingTimeInterval(3)),
    ]
}

@Suite("Preference store")
struct PreferenceStoreTests {
    @Test func appendedRecordsReadBackEqualWithIncreasingIDs() throws {
        let store = try PreferenceStore()
        let records = sampleRecords()
        let ids = try store.append(records)
        #expect(ids == ids.sorted() && Set(ids).count == ids.count)
        let read = try store.records()
        #expect(read.map(\.id) == ids.map(Optional.init))
        #expect(read.map { var r = $0; r.id = nil; return r } == records)
        #expect(try store.count() == 4)
    }

    @Test func aBatchWithABadRecordWritesNothing() throws {
        let store = try PreferenceStore()
        try store.append(sampleRecords()[0])
        var bad = sampleRecords()
        bad[2].label = .choice(5)  // three completions: index out of range
        #expect {
            try store.append(bad)
        } throws: { error in
            guard case FeedbackError.invalidRecord(let index, _) = error else { return false }
            return index == 2
        }
        #expect(try store.count() == 1)
        var incomplete = sampleRecords()[2]
        incomplete.label = .ranking([[0], [1]])  // completion 2 missing
        #expect(throws: FeedbackError.self) { try store.append([sampleRecords()[1], incomplete]) }
        #expect(try store.count() == 1)
    }

    @Test func aFileStoreKeepsItsRecordsWhenReopened() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-store-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            let store = try PreferenceStore(path: url.path)
            try store.append(Array(sampleRecords().prefix(2)))
            try store.append(Array(sampleRecords().suffix(2)))
        }
        let reopened = try PreferenceStore(path: url.path)
        #expect(try reopened.records().map { var r = $0; r.id = nil; return r } == sampleRecords())
    }

    @Test func recordsFilterByLabellerAndID() throws {
        let store = try PreferenceStore()
        let ids = try store.append(sampleRecords())
        #expect(try store.records(labeller: "simulated").map(\.completions.first) == ["sweet lord.", "x"])
        #expect(try store.records(afterID: ids[1]).map(\.id) == [ids[2], ids[3]])
        #expect(try store.records(limit: 1).count == 1)
        #expect(try store.labellerCounts() == ["simulated": 2, "terminal:alice": 1, "rules": 1])
        try store.removeAll()
        #expect(try store.count() == 0)
    }
}

@Suite("Preference JSON lines")
struct PreferenceJSONLinesTests {
    @Test func exportThenImportGivesTheSameRecords() throws {
        let source = try PreferenceStore()
        try source.append(sampleRecords())
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-prefs-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: url) }
        #expect(try source.exportJSONLines(to: url) == 4)
        let text = try String(contentsOf: url, encoding: .utf8)
        #expect(text.split(separator: "\n").count == 4)
        #expect(text.contains("\"label\":{\"ranking\":[[0],[1,2]]}"))
        #expect(text.contains("\"labelled_at\":\"2025-02-19T21:20:00.250Z\""))

        let decoded = try PreferenceJSONLines.read(contentsOf: url)
        #expect(decoded == (try source.records()))
        let target = try PreferenceStore()
        #expect(try target.importJSONLines(from: url) == 4)
        #expect(try target.records().map { var r = $0; r.id = nil; return r } == sampleRecords())
    }

    @Test func readsTRLPairsBlankLinesAndWindowsLineEnds() throws {
        let text = "{\"prompt\": \"Hi\", \"chosen\": \" there\", \"rejected\": \" you\"}\r\n\n   \n"
            + "{\"prompt\": \"O\", \"completions\": [\"a\", \"b\"], \"label\": {\"tie\": true}, \"labeller\": \"x\", \"labelled_at\": \"2025-01-02T03:04:05Z\"}\n"
        let records = try PreferenceJSONLines.decode(Data(text.utf8), defaultLabeller: "trl")
        #expect(records.count == 2)
        #expect(records[0].completions == [" there", " you"] && records[0].label == .choice(0) && records[0].labeller == "trl")
        #expect(records[1].label == .tie && records[1].labelledAt == Date(timeIntervalSince1970: 1_735_787_045))
    }

    @Test func errorsNameTheLine() throws {
        let good = "{\"prompt\": \"\", \"chosen\": \"a\", \"rejected\": \"b\"}"
        func failure(_ text: String) -> (line: Int, reason: String)? {
            do {
                _ = try PreferenceJSONLines.decode(Data(text.utf8), path: "prefs.jsonl")
                return nil
            } catch {
                guard case .invalidJSONLine(let path, let line, let reason) = error, path == "prefs.jsonl" else { return nil }
                return (line, reason)
            }
        }
        #expect(failure("\(good)\n\(good)\n{not json\n")?.line == 3)
        let outOfRange = failure("\(good)\n{\"prompt\": \"\", \"completions\": [\"a\", \"b\"], \"label\": {\"choice\": 2}}\n")
        #expect(outOfRange?.line == 2 && outOfRange?.reason.contains("outside 0..<2") == true)
        #expect(failure("{\"prompt\": \"\", \"completions\": [\"a\", \"b\"]}")?.reason.contains("expected") == true)
        #expect(failure("{\"chosen\": \"a\", \"rejected\": \"b\", \"labelled_at\": \"yesterday\"}")?.reason.contains("ISO 8601") == true)
        #expect(failure("{\"completions\": [\"a\", \"b\"], \"label\": {\"choice\": 0, \"tie\": true}}")?.line == 1)
    }
}

@Suite("Preference labels")
struct PreferenceLabelTests {
    @Test func orderedPairsAndPreferencesFollowTheLabel() {
        let ranking = PreferenceLabel.ranking([[2], [0, 3], [1]])
        #expect(ranking.orderedPairs(completionCount: 4).map { [$0.better, $0.worse] }
                == [[2, 0], [2, 3], [2, 1], [0, 1], [3, 1]])
        #expect(ranking.preference(of: 0, over: 3) == 0.5 && ranking.preference(of: 1, over: 2) == 0)
        #expect(PreferenceLabel.choice(1).orderedPairs(completionCount: 3).map { [$0.better, $0.worse] } == [[1, 0], [1, 2]])
        #expect(PreferenceLabel.choice(1).preference(of: 0, over: 2) == nil)
        #expect(PreferenceLabel.tie.orderedPairs(completionCount: 2).isEmpty)
    }

    @Test func canonicalisingSortsCompletionsAndKeepsTheMeaning() {
        let record = PreferenceRecord(prompt: "p", completions: ["zeta", "alpha", "mu"], label: .ranking([[0], [2], [1]]),
                                      labeller: "l", labelledAt: Date(timeIntervalSince1970: 0))
        let canonical = record.canonicalized()
        #expect(canonical.completions == ["alpha", "mu", "zeta"])
        #expect(canonical.label == .ranking([[2], [1], [0]]))
        #expect(canonical.comparisonKey == record.comparisonKey)
    }
}
