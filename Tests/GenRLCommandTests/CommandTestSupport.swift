import Foundation
import GenRLModels
import GenRLTensor
import GenRLTestSupport

/// The `genrl` executable built beside the test bundle.
func genrlExecutable() throws -> String { try builtExecutable(named: "genrl") }

struct CommandTestError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The result of running `genrl` to completion.
struct CommandResult {
    let status: Int32
    let standardOutput: String
    let standardError: String
}

/// Runs `genrl arguments` in `directory` and waits for it.
func runGenRL(_ arguments: [String], in directory: URL) throws -> CommandResult {
    let process = try makeGenRLProcess(arguments, in: directory)
    let output = Pipe(), error = Pipe()
    process.standardOutput = output
    process.standardError = error
    try process.run()
    let outputData = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = error.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return CommandResult(status: process.terminationStatus, standardOutput: String(decoding: outputData, as: UTF8.self),
                         standardError: String(decoding: errorData, as: UTF8.self))
}

/// A `genrl` process ready to start, with output discarded.
func makeGenRLProcess(_ arguments: [String], in directory: URL) throws -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try genrlExecutable())
    process.arguments = arguments
    process.currentDirectoryURL = directory
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    return process
}

/// A fresh temporary directory holding a small character-level LSTM model directory at
/// `model/` (vocabulary a–h plus the specials, random weights).
func workspaceWithModel() throws -> URL {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("genrl-command-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let tokenizer = try CharacterTokenizer(scalars: Array("abcdefgh ".unicodeScalars))
    let configuration = LanguageModelConfiguration.recurrent(
        RecurrentLanguageModelConfiguration(vocabularySize: tokenizer.vocabularySize, embeddingSize: 8, hiddenSize: 16))
    var generator = RandomGenerator(seed: 11)
    let model = configuration.makeModel(generator: &generator)
    try ModelDirectory.save(model: model, configuration: configuration, tokenizer: tokenizer,
                            to: directory.appendingPathComponent("model"))
    return directory
}
