import Foundation
import GenRLRuns
import Testing

@Suite("Checkpoint store")
struct CheckpointStoreTests {
    private struct WriterFailed: Error {}

    private func files(step: Int) -> [CheckpointFile] {
        [
            .data("model.safetensors", Data("model \(step)".utf8)),
            .writer("optimizer.safetensors") { path in try Data("optimizer \(step)".utf8).write(to: URL(fileURLWithPath: path)) },
            .json("state.json", .object([("step", .integer(step)), ("rng", .array([.integer(7), .integer(9)]))])),
        ]
    }

    @Test("a written checkpoint has every file, and latest() finds it")
    func writeAndFind() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 3)
        #expect(try store.latest() == nil)
        let written = try store.write(step: 40, files: files(step: 40))
        #expect(written.step == 40 && written.path == directory.file("checkpoints/40"))
        #expect(try store.latest() == written)
        #expect(try written.fileNames() == ["model.safetensors", "optimizer.safetensors", "state.json"])
        #expect(try written.data("optimizer.safetensors") == Data("optimizer 40".utf8))
        #expect(try String(decoding: written.data("state.json"), as: UTF8.self) == "{\"step\":40,\"rng\":[7,9]}\n")
        #expect(throws: RunError.self) { try written.data("missing.bin") }
        // Nothing but the checkpoint is left in checkpoints/.
        #expect(try directory.contents("checkpoints") == ["40"])
    }

    @Test("only the last K checkpoints are kept, by step")
    func retentionKeepsLastK() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 2)
        for step in [10, 20, 30, 40, 50] { try store.write(step: step, files: files(step: step)) }
        #expect(try store.all().map(\.step) == [40, 50])
        #expect(try directory.contents("checkpoints") == ["40", "50"])
        let keepAll = CheckpointStore(directory: directory.file("all"), keepLast: nil)
        for step in 1...5 { try keepAll.write(step: step, files: files(step: step)) }
        #expect(try keepAll.all().map(\.step) == [1, 2, 3, 4, 5])
    }

    @Test("writing an earlier step (after resuming from it) removes the later ones and replaces the same step")
    func rewritingAbandonsLaterCheckpoints() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 5)
        for step in [10, 20, 30] { try store.write(step: step, files: files(step: step)) }
        try store.write(step: 20, files: [.data("model.safetensors", Data("new 20".utf8))])
        #expect(try store.all().map(\.step) == [10, 20])
        #expect(try store.latest()!.fileNames() == ["model.safetensors"])
        #expect(try store.latest()!.data("model.safetensors") == Data("new 20".utf8))
        #expect(try directory.contents("checkpoints") == ["10", "20"])
    }

    @Test("a writer that throws leaves no trace and the earlier checkpoints intact")
    func failedWriteLeavesNothing() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 1)
        try store.write(step: 1, files: files(step: 1))
        #expect(throws: WriterFailed.self) {
            try store.write(step: 2, files: [
                .data("model.safetensors", Data(repeating: 1, count: 1000)),
                .writer("optimizer.safetensors") { _ in throw WriterFailed() },
            ])
        }
        #expect(try store.all().map(\.step) == [1])
        #expect(try directory.contents("checkpoints") == ["1"])
        #expect(try store.latest()!.data("model.safetensors") == Data("model 1".utf8))
    }

    @Test("file names must be plain, unique and not hidden")
    func invalidNamesAreRejected() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"))
        for names in [["a", "a"], [""], [".hidden"], ["sub/file"], [".."]] {
            #expect(throws: RunError.self, "\(names)") {
                try store.write(step: 1, files: names.map { .data($0, Data()) })
            }
        }
        #expect(try store.all().isEmpty)
    }

    @Test("leftovers of interrupted writes are ignored by latest() and removed by the next write")
    func leftoversAreIgnoredAndCleaned() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 3)
        try store.write(step: 5, files: files(step: 5))
        // What a writer killed at various points leaves behind.
        let fileManager = FileManager.default
        for leftover in [".writing-6-123-456", ".deleting-2-123-456"] {
            try fileManager.createDirectory(atPath: directory.file("checkpoints/\(leftover)"), withIntermediateDirectories: true)
            try Data("partial".utf8).write(to: URL(fileURLWithPath: directory.file("checkpoints/\(leftover)/model.safetensors")))
        }
        #expect(try store.latest()?.step == 5)
        try store.write(step: 6, files: files(step: 6))
        #expect(try directory.contents("checkpoints") == ["5", "6"])
    }

    @Test("a checkpoint being replaced when the writer died is put back")
    func replacedCheckpointIsRestored() throws {
        let directory = try ScratchDirectory()
        let store = CheckpointStore(directory: directory.file("checkpoints"), keepLast: 3)
        try store.write(step: 7, files: files(step: 7))
        // The writer renamed 7 away to replace it, then died before renaming the new one in.
        try FileManager.default.moveItem(atPath: directory.file("checkpoints/7"), toPath: directory.file("checkpoints/.replaced-7-1-2"))
        #expect(try store.recoverInterruptedWrites() == [".replaced-7-1-2"])
        #expect(try store.latest()?.step == 7)
        #expect(try store.latest()!.data("model.safetensors") == Data("model 7".utf8))
    }
}
