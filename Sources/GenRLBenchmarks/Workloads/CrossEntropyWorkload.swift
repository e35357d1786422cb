import GenRLTensor

/// `cross-entropy`: forward and backward of the fused cross-entropy on [1280, 5000]
/// logits with integer targets (the peer is `F.cross_entropy`, in
/// scripts/bench/torch_extra_workloads.py).
enum CrossEntropyWorkload {
    static let workload = BenchmarkWorkload(name: "cross-entropy", summary: "cross-entropy forward + backward on [1280, 5000] logits") {
        var generator = RandomGenerator(seed: 0)
        let logits = Tensor.randomNormal([1280, 5000], using: &generator).trackingGradient()
        let targets = IntTensor.randomIntegers([1280], below: 5000, using: &generator)
        return { _ = gradients(of: Tensor.crossEntropy(logits: logits, targets: targets), withRespectTo: [logits]) }
    }
}
