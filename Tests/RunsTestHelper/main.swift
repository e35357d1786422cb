// A helper process for GenRLRuns' tests and scripts.
//
//   RunsTestHelper pause-in-write <checkpoints dir> <step>
//       Starts writing the checkpoint of <step>: one file complete, the next one half
//       written, then prints "WRITING" and sleeps until killed.
//   RunsTestHelper write-loop <checkpoints dir> <first step> <keep last>
//       Writes checkpoints <first step>, <first step>+1, … forever (files whose bytes
//       derive from the step), printing "DONE <step>" after each.
//   RunsTestHelper demo-run <run dir>
//       Writes a synthetic run (realistic curves, samples, config) and its report.html.
import Foundation
import GenRLRuns

/// Writes to standard output at once (the parent waits for these lines).
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}

func fail(_ text: String) -> Never {
    FileHandle.standardError.write(Data(("RunsTestHelper: " + text + "\n").utf8))
    exit(2)
}

let arguments = Array(CommandLine.arguments.dropFirst())
do {
    switch arguments.first {
    case "pause-in-write":
        guard arguments.count == 3, let step = Int(arguments[2]) else { fail("usage: pause-in-write <dir> <step>") }
        let store = CheckpointStore(directory: arguments[1], keepLast: 2)
        try store.write(step: step, files: [
            .data("model.safetensors", CheckpointPattern.bytes(step: step, file: 0)),
            .writer("optimizer.safetensors") { path in
                let handle = FileManager.default.createFile(atPath: path, contents: nil) ? FileHandle(forWritingAtPath: path) : nil
                guard let handle else { fail("cannot create \(path)") }
                let bytes = CheckpointPattern.bytes(step: step, file: 1)
                handle.write(bytes.prefix(bytes.count / 2))
                say("WRITING")
                while true { sleep(60) }
            },
        ])
        fail("the write was not interrupted")
    case "write-loop":
        guard arguments.count == 4, let first = Int(arguments[2]), let keep = Int(arguments[3]) else {
            fail("usage: write-loop <dir> <first step> <keep last>")
        }
        let store = CheckpointStore(directory: arguments[1], keepLast: keep)
        var step = first
        while true {
            try store.write(step: step, files: CheckpointPattern.files(step: step))
            say("DONE \(step)")
            step += 1
        }
    case "demo-run":
        guard arguments.count == 2 else { fail("usage: demo-run <run dir>") }
        let path = try SyntheticRun.write(at: arguments[1])
        say(path)
    default:
        fail("unknown mode; see the comment at the top of Tests/RunsTestHelper/main.swift")
    }
} catch {
    fail("\(error)")
}
