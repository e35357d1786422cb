import Foundation
import GenRLRuns
import GenRLTestSupport
import Testing

/// Kills a process with SIGKILL while it writes a checkpoint (the `RunsTestHelper`
/// executable of this package) and checks what the store finds afterwards.
@Suite("Checkpoints survive SIGKILL")
struct CheckpointCrashTests {
    /// The bytes `RunsTestHelper` writes for file `file` of `step` (its `CheckpointPattern`).
    static func expectedBytes(step: Int, file: Int) -> Data {
        let count = 256 * 1024 + (step % 7) * 1000
        return Data((0..<count).map { UInt8(truncatingIfNeeded: 31 * step + 7 * file + $0) })
    }

    /// The helper executable, built beside the test bundle.
    static func helperPath() throws -> String { try builtExecutable(named: "RunsTestHelper") }

    /// A running helper whose standard output is read line by line.
    final class Child {
        let process = Process()
        private let output = Pipe()
        private var buffer = Data()

        init(_ arguments: [String]) throws {
            process.executableURL = URL(fileURLWithPath: try CheckpointCrashTests.helperPath())
            process.arguments = arguments
            process.standardOutput = output
            try process.run()
        }

        /// The next line of output (nil at the end of output).
        func nextLine() -> String? {
            while true {
                if let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                    let line = String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self)
                    buffer.removeSubrange(buffer.startIndex...newline)
                    return line
                }
                let chunk = output.fileHandleForReading.availableData
                if chunk.isEmpty { return nil }
                buffer.append(chunk)
            }
        }

        /// Sends SIGKILL and waits for the process to end.
        func kill() {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            // Our copy of the pipe's write end must be closed for the reads to see its end.
            try? output.fileHandleForWriting.close()
        }
    }

    @Test("killed in the middle of writing a file: the previous checkpoint is found, the next write succeeds")
    func killDuringFileWrite() throws {
        let directory = try ScratchDirectory()
        let checkpoints = directory.file("checkpoints")
        let store = CheckpointStore(directory: checkpoints, keepLast: 2)
        try store.write(step: 1, files: [.data("model.safetensors", Self.expectedBytes(step: 1, file: 0))])

        let child = try Child(["pause-in-write", checkpoints, "2"])
        #expect(child.nextLine() == "WRITING")
        child.kill()
        #expect(child.process.terminationReason == .uncaughtSignal && child.process.terminationStatus == SIGKILL)

        // The interrupted write left a hidden temporary directory with a half-written file…
        let leftovers = try directory.contents("checkpoints").filter { $0.hasPrefix(".writing-2-") }
        #expect(leftovers.count == 1)
        // …which the store does not take for a checkpoint.
        let latest = try #require(try store.latest())
        #expect(latest.step == 1)
        #expect(try latest.data("model.safetensors") == Self.expectedBytes(step: 1, file: 0))

        let next = try store.write(step: 2, files: [.data("model.safetensors", Self.expectedBytes(step: 2, file: 0))])
        #expect(try store.latest() == next)
        #expect(try next.data("model.safetensors") == Self.expectedBytes(step: 2, file: 0))
        #expect(try directory.contents("checkpoints") == ["1", "2"])
    }

    @Test("killed at random moments of a write loop: every checkpoint found is complete, none reported done is lost")
    func killAtRandomMoments() throws {
        let directory = try ScratchDirectory()
        let checkpoints = directory.file("checkpoints")
        let store = CheckpointStore(directory: checkpoints, keepLast: 2)
        var nextStep = 1
        for round in 0..<4 {
            let child = try Child(["write-loop", checkpoints, String(nextStep), "2"])
            // Let it finish at least one checkpoint, then kill it a random moment later.
            let first = child.nextLine()
            #expect(first == "DONE \(nextStep)", "round \(round)")
            usleep(UInt32.random(in: 0...40_000))
            child.kill()
            var lastDone = nextStep
            while let line = child.nextLine() {
                if line.hasPrefix("DONE "), let step = Int(line.dropFirst(5)) { lastDone = step }
            }

            let all = try store.all()
            let latest = try #require(all.last)
            #expect(latest.step >= lastDone, "a checkpoint reported done was lost")
            #expect(all.count <= 3)  // keepLast plus at most one the killed writer had not yet pruned
            for checkpoint in all {
                #expect(try checkpoint.fileNames() == ["model.safetensors", "optimizer.safetensors", "state.json"])
                #expect(try checkpoint.data("model.safetensors") == Self.expectedBytes(step: checkpoint.step, file: 0))
                #expect(try checkpoint.data("optimizer.safetensors") == Self.expectedBytes(step: checkpoint.step, file: 1))
                #expect(try checkpoint.data("state.json") == Data("{\"step\":\(checkpoint.step)}\n".utf8))
            }
            nextStep = latest.step + 1
        }
        // A final write in this process succeeds and tidies up.
        try store.write(step: nextStep, files: [.data("model.safetensors", Data([1]))])
        #expect(try directory.contents("checkpoints").allSatisfy { !$0.hasPrefix(".") })
        #expect(try store.latest()?.step == nextStep)
    }
}
