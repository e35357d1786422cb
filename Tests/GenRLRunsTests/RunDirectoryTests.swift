import Foundation
import GenRLRuns
import Testing

@Suite("Run directories")
struct RunDirectoryTests {
    @Test("create lays out config.toml, empty logs and checkpoints/, and refuses an existing run")
    func createAndRefuse() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("runs/first")
        let run = try RunDirectory.create(at: path, configText: "seed = 1\n")
        #expect(run.name == "first")
        #expect(try directory.contents("runs/first") == ["checkpoints", "config.toml", "metrics.jsonl", "samples.jsonl"])
        #expect(try run.configText() == "seed = 1\n")
        #expect(throws: RunError.runExists(path: path)) { try RunDirectory.create(at: path, configText: "seed = 2\n") }
        #expect(try run.configText() == "seed = 1\n")
        // No staging directory is left beside the run.
        #expect(try directory.contents("runs") == ["first"])
    }

    @Test("create with overwrite replaces an existing run; an empty directory is taken over")
    func overwrite() throws {
        let directory = try ScratchDirectory()
        let path = directory.file("runs/again")
        let run = try RunDirectory.create(at: path, configText: "seed = 1\n")
        try run.startSession().logMetrics(step: 1, ["reward/mean": 1])
        try RunDirectory.create(at: path, configText: "seed = 2\n", overwrite: true)
        #expect(try run.configText() == "seed = 2\n")
        #expect(try run.metrics().isEmpty)
        #expect(try directory.contents("runs") == ["again"])

        try FileManager.default.createDirectory(atPath: directory.file("runs/empty"), withIntermediateDirectories: true)
        #expect(try RunDirectory.create(at: directory.file("runs/empty"), configText: "").name == "empty")
    }

    @Test("open finds a run, and names the path when there is none")
    func openExistingOrFail() throws {
        let directory = try ScratchDirectory()
        let missing = directory.file("runs/nothing")
        #expect(throws: RunError.runNotFound(path: missing)) { try RunDirectory.open(at: missing) }
        #expect(RunError.runNotFound(path: missing).description.hasPrefix(missing + ": "))
        try RunDirectory.create(at: directory.file("runs/there"), configText: "")
        #expect(try RunDirectory.open(at: directory.file("runs/there")).path == directory.file("runs/there"))
    }

    @Test("resumeSession goes back to the latest checkpoint: the logs lose exactly the lines after it")
    func resumeTruncatesToCheckpoint() throws {
        let directory = try ScratchDirectory()
        let run = try RunDirectory.create(at: directory.file("runs/r"), configText: "seed = 3\n")
        let session = try run.startSession(keepLastCheckpoints: 2)
        #expect(session.startStep == 0 && session.checkpoint == nil)
        for step in 1...17 {
            try session.logMetrics(step: step, ["reward/mean": Double(step) / 10])
            if step % 5 == 0 {
                try session.logSamples([SampleRecord(step: step, prompt: "p", completion: "at \(step)", reward: 0.5)])
                try session.saveCheckpoint(step: step, files: [.json("state.json", .object([("step", .integer(step))]))])
            }
        }
        // The process dies mid-line after step 17.
        try directory.append("{\"step\":18,\"time\":1.", to: "runs/r/metrics.jsonl")

        let resumed = try RunDirectory.open(at: run.path).resumeSession(keepLastCheckpoints: 2)
        #expect(resumed.startStep == 15)
        #expect(try resumed.checkpoint?.data("state.json") == Data("{\"step\":15}\n".utf8))
        #expect(try run.metrics().map(\.step) == Array(1...15))
        #expect(try run.samples().map(\.step) == [5, 10, 15])
        try resumed.logMetrics(step: 16, ["reward/mean": 1.6])
        #expect(try run.metrics().map(\.step) == Array(1...16))
        #expect(try run.checkpointStore().all().map(\.step) == [10, 15])
    }

    @Test("resuming a run that has no checkpoint starts over with empty logs")
    func resumeWithoutCheckpoint() throws {
        let directory = try ScratchDirectory()
        let run = try RunDirectory.create(at: directory.file("runs/r"), configText: "")
        let session = try run.startSession()
        for step in 1...3 { try session.logMetrics(step: step, ["x": 1]) }
        let resumed = try run.resumeSession()
        #expect(resumed.checkpoint == nil && resumed.startStep == 0)
        #expect(try run.metrics().isEmpty)
    }
}
