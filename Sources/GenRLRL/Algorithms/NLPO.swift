import Foundation
import GenRLModels
import GenRLNN
import GenRLTensor

/// Natural language policy optimisation (Ramamurthy et al. 2023, RL4LMs): PPO whose
/// actions are restricted at every step to the top-p tokens of a *masking policy*, a copy
/// of the policy refreshed every `maskUpdateInterval` iterations. Removing the long tail
/// of unlikely tokens shrinks the action space the value-guided updates must explore.
///
/// Both sampling and the PPO update use the masked, renormalised distribution
/// (`Policy.actionMasking`); everything else is `PPO`.
public final class NLPO: PolicyGradientAlgorithm {
    /// NLPO's settings: PPO's, plus the masking policy's (RL4LMs defaults).
    public struct Configuration: Codable, Sendable, Equatable {
        /// The PPO part.
        public var ppo = PPO.Configuration()
        /// Probability mass p of the masking policy's top-p set (RL4LMs top_mask: 0.9).
        public var topP: Float = 0.9
        /// Fewest tokens the mask keeps (RL4LMs: 100 of GPT-2's 50 257).
        public var minimumTokens = 1
        /// Iterations between refreshes of the masking policy (RL4LMs target_update_iterations: 5).
        public var maskUpdateInterval = 5

        public init() {}
    }

    /// The name `nlpo`.
    public let name = "nlpo"
    /// The settings.
    public let configuration: Configuration
    /// The shared parts (those of the inner PPO).
    public var setup: TrainingSetup { ppo.setup }
    private let ppo: PPO
    private let masking: TopPMasking
    private var iteration = 0

    /// - Parameter maskingModel: a second instance of the policy's architecture; it
    ///   receives the policy's parameters now and every `maskUpdateInterval` iterations.
    public init(setup: TrainingSetup, maskingModel: any LanguageModel, configuration: Configuration = Configuration()) {
        self.configuration = configuration
        maskingModel.copyParameters(from: setup.policy.model)
        maskingModel.freeze()
        maskingModel.eval()
        masking = TopPMasking(model: maskingModel, p: configuration.topP, minimumTokens: configuration.minimumTokens,
                              temperature: setup.policy.decoding.temperature)
        setup.policy.actionMasking = masking
        ppo = PPO(setup: setup, configuration: configuration.ppo)
    }

    /// One PPO iteration under the top-p mask, after refreshing the masking policy from the policy
    /// every `maskUpdateInterval` iterations.
    public func iterate() throws -> IterationReport {
        if iteration > 0 && iteration % configuration.maskUpdateInterval == 0 {
            masking.model.copyParameters(from: setup.policy.model)
        }
        iteration += 1
        var report = try ppo.iterate()
        report.metrics["nlpo/mask_mean_size"] = masking.lastMeanSize
        return report
    }

    /// PPO's state (the KL coefficient) and the iteration count (which times the mask refreshes).
    public func checkpointState() -> [String: [Double]] {
        ppo.checkpointState().merging(["iteration": [Double(iteration)]]) { a, _ in a }
    }

    /// Restores PPO's state and the iteration count of `checkpointState()`.
    public func restore(checkpointState: [String: [Double]]) throws {
        try ppo.restore(checkpointState: checkpointState)
        iteration = Int(checkpointState["iteration"]?.first ?? 0)
    }

    /// The masking model's parameters under `masking.`.
    public func checkpointTensors() -> [String: Tensor] {
        Dictionary(uniqueKeysWithValues: masking.model.namedParameters().map { ("masking.\($0.name)", $0.tensor) })
    }

    /// Loads the masking model's parameters from the `masking.` entries of `checkpointTensors()`.
    public func restore(checkpointTensors: [String: Tensor]) throws {
        var state: [String: Tensor] = [:]
        for (name, tensor) in checkpointTensors where name.hasPrefix("masking.") { state[String(name.dropFirst(8))] = tensor }
        try masking.model.load(state)
    }
}

/// The top-p action mask of a masking model: for each state, the most likely tokens up
/// to probability mass p (at least `minimumTokens`) stay; the rest get −∞.
final class TopPMasking: ActionMasking {
    let model: any LanguageModel
    let p: Float
    let minimumTokens: Int
    let temperature: Float
    /// Mean number of allowed tokens in the last mask computed.
    var lastMeanSize: Double = 0

    init(model: any LanguageModel, p: Float, minimumTokens: Int, temperature: Float) {
        self.model = model
        self.p = p
        self.minimumTokens = minimumTokens
        self.temperature = temperature
    }

    /// Writes 0 for the kept tokens of `row` and −∞ for the others into `mask`; returns
    /// the number kept.
    func fillMask(row: UnsafePointer<Float>, vocabulary: Int, mask: UnsafeMutablePointer<Float>) -> Int {
        let lse = RowKernels.logSumExp(row, count: vocabulary)
        let order = (0..<vocabulary).sorted { row[$0] > row[$1] || (row[$0] == row[$1] && $0 < $1) }
        mask.update(repeating: -.infinity, count: vocabulary)
        var mass: Float = 0, kept = 0
        for index in order where mass < p || kept < minimumTokens {
            mask[index] = 0
            mass += Foundation.exp(row[index] - lse)
            kept += 1
        }
        return kept
    }

    func additiveMask(for inputs: IntTensor, keeping: IntTensor?) -> Tensor {
        let logits = withNoGrad { Policy.outputs(of: model, inputs, temperature: temperature).logits }
        let vocabulary = logits.shape.last!
        let rows = logits.count / vocabulary
        let mask = TensorStorage(uninitializedCount: logits.count)
        var total = 0
        for r in 0..<rows {
            total += fillMask(row: logits.storage.pointer + r * vocabulary, vocabulary: vocabulary, mask: mask.pointer + r * vocabulary)
            if let keeping { mask.pointer[r * vocabulary + Int(keeping.scalars[r])] = 0 }
        }
        lastMeanSize = Double(total) / Double(max(rows, 1))
        return Tensor(shape: logits.shape, storage: mask)
    }

    func makeProcessor() -> any LogitProcessor { MaskingProcessor(masking: self) }

    /// Runs the masking model in lockstep with generation and masks each row.
    final class MaskingProcessor: ObservingLogitProcessor, @unchecked Sendable {
        let masking: TopPMasking
        private var state: DecodingState?
        private var lastLogits: Tensor?

        init(masking: TopPMasking) { self.masking = masking }

        func begin(batchSize: Int) { state = masking.model.makeDecodingState(batchSize: batchSize) }

        func observe(_ tokens: IntTensor) {
            let logits = masking.model.decode(tokens, state: state!).logits
            lastLogits = masking.temperature == 1 ? logits : logits / masking.temperature
        }

        func process(_ row: UnsafeMutableBufferPointer<Float>, sequence: Int, generated: Int, tokens: ArraySlice<Int32>) {
            guard let logits = lastLogits else { return }
            let (steps, vocabulary) = (logits.shape[1], logits.shape[2])
            let maskRow = UnsafeMutablePointer<Float>.allocate(capacity: vocabulary)
            defer { maskRow.deallocate() }
            _ = masking.fillMask(row: logits.storage.pointer + (sequence * steps + steps - 1) * vocabulary,
                                 vocabulary: vocabulary, mask: maskRow)
            for i in row.indices { row[i] += maskRow[i] }
        }
    }
}
