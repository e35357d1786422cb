import GenRLTensor

/// One highway layer (Srivastava, Greff & Schmidhuber, "Highway Networks", 2015), as in
/// SeqGAN's discriminator:
///
///     t = σ(W_t·x + b_t)                      the transform gate
///     y = t ⊙ relu(W_h·x + b_h) + (1 − t) ⊙ x
///
/// The input and output have the same size. Both maps start as PyTorch's `Linear`
/// default; LantaoYu/SeqGAN's TensorFlow code uses a gate bias of 0 at start, which the
/// PyTorch reference does not special-case either. The gating is one fused recorded
/// operation after the two matrix products.
///
/// Checkpoint names follow the PyTorch reference (`self.h`, `self.t`): `h.weight`,
/// `h.bias` for the transform, `t.weight`, `t.bias` for the gate.
public final class Highway: Module, @unchecked Sendable {
    /// W_h, b_h: the candidate transform, checkpoint name `h`.
    public let transform: Linear
    /// W_t, b_t: the transform gate, checkpoint name `t`.
    public let gate: Linear

    /// A layer over vectors of `size` features.
    public init(_ size: Int, generator: inout RandomGenerator) {
        transform = Linear(size, size, generator: &generator)
        gate = Linear(size, size, generator: &generator)
    }

    /// The maps under their checkpoint names `h` and `t`.
    override public func children() -> [(name: String, module: Module)] {
        [("h", transform), ("t", gate)]
    }

    /// Number of features in and out.
    public var size: Int { gate.inputSize }

    /// y for x [..., size].
    public func callAsFunction(_ x: Tensor) -> Tensor {
        Highway.combine(input: x, gateLogits: gate(x), candidate: transform(x))
    }

    /// y = σ(a) ⊙ relu(c) + (1 − σ(a)) ⊙ x for a = gate logits and c = candidate
    /// (all the same shape). With s = σ(a):
    /// ∂y/∂x = 1 − s, ∂y/∂a = s(1 − s)·(relu(c) − x), ∂y/∂c = s·1[c > 0].
    static func combine(input x: Tensor, gateLogits a: Tensor, candidate c: Tensor) -> Tensor {
        guard x.shape == a.shape, x.shape == c.shape else {
            fatalError("Highway: input \(x.shape), gate \(a.shape) and candidate \(c.shape) shapes differ")
        }
        let count = x.count, lanes = FloatVector.scalarCount
        let output = TensorStorage(uninitializedCount: count)
        let px = x.storage.pointer, pa = a.storage.pointer, pc = c.storage.pointer
        Parallel.forEachChunk((count + lanes - 1) / lanes, grain: 8_192) { vectors in
            for v in vectors {
                let i = v * lanes, n = Swift.min(lanes, count - i)
                let s = VectorMath.sigmoid(loadLanes(pa + i, count: n)), input = loadLanes(px + i, count: n)
                let candidate = pointwiseMax(loadLanes(pc + i, count: n), FloatVector())
                storeLanes(input + s * (candidate - input), output.pointer + i, count: n)
            }
        }
        let shape = x.shape
        return Tensor.customOperation("highway", shape: shape, storage: output, inputs: [x, a, c]) { g, needed in
            let gx = needed[0] ? TensorStorage(uninitializedCount: count) : nil
            let ga = needed[1] ? TensorStorage(uninitializedCount: count) : nil
            let gc = needed[2] ? TensorStorage(uninitializedCount: count) : nil
            let pg = g.storage.pointer
            Parallel.forEachChunk((count + lanes - 1) / lanes, grain: 8_192) { vectors in
                for v in vectors {
                    let i = v * lanes, n = Swift.min(lanes, count - i)
                    let s = VectorMath.sigmoid(loadLanes(pa + i, count: n)), gradient = loadLanes(pg + i, count: n)
                    let candidate = loadLanes(pc + i, count: n), input = loadLanes(px + i, count: n)
                    let rectified = pointwiseMax(candidate, FloatVector())
                    if let gx { storeLanes(gradient * (1 - s), gx.pointer + i, count: n) }
                    if let ga { storeLanes(gradient * s * (1 - s) * (rectified - input), ga.pointer + i, count: n) }
                    if let gc { storeLanes((gradient * s).replacing(with: 0, where: candidate .<= 0), gc.pointer + i, count: n) }
                }
            }
            return [gx, ga, gc].map { storage in storage.map { Tensor(shape: shape, storage: $0) } }
        }
    }
}

/// Up to eight floats as a vector (missing lanes are zero).
@inline(__always)
private func loadLanes(_ pointer: UnsafePointer<Float>, count: Int) -> FloatVector {
    if count == FloatVector.scalarCount { return UnsafeRawPointer(pointer).loadUnaligned(as: FloatVector.self) }
    var vector = FloatVector()
    for lane in 0..<count { vector[lane] = pointer[lane] }
    return vector
}

/// The first `count` lanes of a vector.
@inline(__always)
private func storeLanes(_ vector: FloatVector, _ pointer: UnsafeMutablePointer<Float>, count: Int) {
    if count == FloatVector.scalarCount { return UnsafeMutableRawPointer(pointer).storeBytes(of: vector, as: FloatVector.self) }
    for lane in 0..<count { pointer[lane] = vector[lane] }
}
