extension Tensor {
    /// Inverted dropout (Srivastava et al. 2014, as PyTorch): each element is zeroed with
    /// probability p and the survivors scaled by 1/(1 − p), so the expectation is
    /// unchanged. The derivative is the same mask and scale. p = 0 returns the input.
    public func dropout(probability p: Float, using generator: inout RandomGenerator) -> Tensor {
        precondition(p >= 0 && p < 1, "dropout: probability must be in [0, 1), got \(p)")
        if p == 0 { return self }
        let mask = TensorStorage(uninitializedCount: count)
        let scale = 1 / (1 - p)
        for i in 0..<count { mask.pointer[i] = generator.nextFloat() < p ? 0 : scale }
        let maskTensor = Tensor(shape: shape, storage: mask)
        let out = zipStorage(self, maskTensor) { $0 * $1 }
        return Tensor.result("dropout", shape: shape, storage: out, inputs: [self]) { g, _ in
            [g * maskTensor]
        }
    }
}
