import Foundation
import GenRLRuns

/// The files of the helper's checkpoints: bytes that derive from the step, so that the
/// tests can tell a complete checkpoint from a torn one. (The tests compute the same
/// pattern in `CheckpointCrashTests.expectedBytes`.)
enum CheckpointPattern {
    /// File `file` of `step`: 256 KiB + (step mod 7)·1000 bytes, byte j = (31·step + 7·file + j) mod 256.
    static func bytes(step: Int, file: Int) -> Data {
        let count = 256 * 1024 + (step % 7) * 1000
        return Data((0..<count).map { UInt8(truncatingIfNeeded: 31 * step + 7 * file + $0) })
    }

    /// `model.safetensors`, `optimizer.safetensors` and `state.json` of `step`.
    static func files(step: Int) -> [CheckpointFile] {
        [
            .data("model.safetensors", bytes(step: step, file: 0)),
            .data("optimizer.safetensors", bytes(step: step, file: 1)),
            .json("state.json", .object([("step", .integer(step))])),
        ]
    }
}
