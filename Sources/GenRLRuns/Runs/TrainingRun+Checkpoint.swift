import Foundation
import GenRLModels
import GenRLNN
import GenRLRL
import GenRLTensor

/// What an RL run's checkpoint holds besides the policy's and the optimizer's tensors:
/// everything a resumed run needs to continue exactly as if it had not stopped.
struct TrainingRunState: Codable {
    /// Completed iterations.
    var step: Int
    /// The run's random generator (sampling, minibatch order).
    var generator: RandomGenerator
    /// Where the prompt stream is: (epoch, cursor).
    var promptPosition: [Int]
    /// Optimizer updates made (the learning-rate schedule's clock).
    var updateCount: Int
    /// The algorithm's own numbers (baselines, KL coefficient), as IEEE bit patterns so that
    /// they read back exactly.
    var algorithm: [String: [UInt64]]
    /// Generators of random modules (dropout) by module path.
    var moduleGenerators: [String: RandomGenerator]
}

extension TrainingRun {
    /// The files of a checkpoint after `step` iterations: `model.safetensors` (the policy,
    /// value head included), `optimizer.safetensors`, `algorithm.safetensors` (when the
    /// algorithm keeps tensors of its own) and `state.json`.
    public func checkpointFiles(step: Int) -> [CheckpointFile] {
        let model = setup.policy.model
        let optimizerState = setup.optimizer.state()
        let algorithmTensors = algorithm.checkpointTensors()
        let state = TrainingRunState(
            step: step, generator: setup.generator, promptPosition: setup.prompts.position, updateCount: setup.updateCount,
            algorithm: algorithm.checkpointState().mapValues { $0.map(\.bitPattern) },
            moduleGenerators: model.randomStates())
        var files: [CheckpointFile] = [
            .writer("model.safetensors") { path in try SafeTensors.write(model.parameterDictionary(), to: URL(fileURLWithPath: path)) },
            .writer("optimizer.safetensors") { path in try optimizerState.write(to: URL(fileURLWithPath: path)) },
            .json("state.json", encoding: state),
        ]
        if !algorithmTensors.isEmpty {
            files.append(.writer("algorithm.safetensors") { path in
                try SafeTensors.write(algorithmTensors, to: URL(fileURLWithPath: path))
            })
        }
        return files
    }

    /// Restores everything `checkpointFiles` saved; returns the checkpoint's step.
    public func restore(from checkpoint: Checkpoint) throws -> Int {
        let state = try JSONDecoder().decode(TrainingRunState.self, from: try checkpoint.data("state.json"))
        let model = setup.policy.model
        try model.load(try SafeTensors.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "model.safetensors"))).tensors)
        try setup.optimizer.restore(try OptimizerState.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "optimizer.safetensors"))))
        if checkpoint.contains("algorithm.safetensors") {
            let tensors = try SafeTensors.read(contentsOf: URL(fileURLWithPath: checkpoint.path(of: "algorithm.safetensors"))).tensors
            try algorithm.restore(checkpointTensors: tensors)
        }
        try algorithm.restore(checkpointState: state.algorithm.mapValues { $0.map(Double.init(bitPattern:)) })
        setup.generator = state.generator
        setup.prompts.restore(position: state.promptPosition)
        setup.updateCount = state.updateCount
        model.restoreRandomStates(state.moduleGenerators)
        return state.step
    }
}

/// Writes a checkpoint every `interval` iterations and after the last one.
final class CheckpointCallback: TrainingCallback {
    let session: RunSession
    let interval: Int
    let totalSteps: Int
    let files: (Int) -> [CheckpointFile]

    init(session: RunSession, interval: Int, totalSteps: Int, files: @escaping (Int) -> [CheckpointFile]) {
        self.session = session
        self.interval = interval
        self.totalSteps = totalSteps
        self.files = files
    }

    func iterationDidEnd(step: Int, report: IterationReport, algorithm: any PolicyGradientAlgorithm) throws {
        if step % interval == 0 || step == totalSteps {
            try session.saveCheckpoint(step: step, files: files(step))
        }
    }
}
