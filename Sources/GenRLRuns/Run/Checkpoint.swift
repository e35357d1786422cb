import Foundation

/// A complete checkpoint on disk: the directory `checkpoints/<step>` and its files.
public struct Checkpoint: Equatable, Sendable {
    /// The step (completed iterations) the checkpoint was taken after.
    public let step: Int
    /// The checkpoint's directory.
    public let path: String

    /// Creates a value for the checkpoint of `step` in `path`.
    public init(step: Int, path: String) {
        self.step = step
        self.path = path
    }

    /// The path of the file `name` inside the checkpoint (whether or not it exists).
    public func path(of name: String) -> String {
        (path as NSString).appendingPathComponent(name)
    }

    /// Whether the checkpoint has a file `name`.
    public func contains(_ name: String) -> Bool {
        FileSystem.exists(path(of: name))
    }

    /// The contents of the file `name`.
    /// - Throws: `RunError.missingCheckpointFile` if there is no such file.
    public func data(_ name: String) throws -> Data {
        let filePath = path(of: name)
        guard FileSystem.exists(filePath) else { throw RunError.missingCheckpointFile(path: filePath) }
        return try FileSystem.readFile(filePath)
    }

    /// The names of the checkpoint's files, sorted.
    public func fileNames() throws -> [String] {
        try FileSystem.contents(of: path).sorted()
    }
}

/// One file of a checkpoint to write: its name and how to produce it.
public struct CheckpointFile {
    /// The file name inside the checkpoint directory (`model.safetensors`).
    public let name: String
    /// Writes the file (or a directory of that name) at the given path.
    let write: (String) throws -> Void

    /// A file with the given bytes.
    public static func data(_ name: String, _ data: Data) -> CheckpointFile {
        CheckpointFile(name: name) { path in try FileSystem.writeFile(data, to: path, durable: false) }
    }

    /// A file that `body` writes at the path it is given (e.g. a safetensors writer). The
    /// store fsyncs whatever `body` leaves there, so `body` need not.
    public static func writer(_ name: String, _ body: @escaping (String) throws -> Void) -> CheckpointFile {
        CheckpointFile(name: name, write: body)
    }

    /// A JSON file with `value` (e.g. `state.json`: step, RNG state, controller state).
    public static func json(_ name: String, _ value: JSONValue) -> CheckpointFile {
        .data(name, Data((value.jsonText + "\n").utf8))
    }

    /// A JSON file with an `Encodable` value (keys sorted, so equal values give equal bytes).
    public static func json<Value: Encodable>(_ name: String, encoding value: Value) -> CheckpointFile {
        CheckpointFile(name: name) { path in
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
            try FileSystem.writeFile(try encoder.encode(value), to: path, durable: false)
        }
    }
}
